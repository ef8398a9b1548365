#!/usr/bin/env python3
"""A development server for the dashboard: edit crates/api/web/ and reload, no Rust rebuild.

It serves the page as the crm-trends binary does (index.html at `/`, the files of
crates/api/web/ at `/dashboard/...`, with the dashboard's Content-Security-Policy) and
forwards every `/api/...` request, method, headers and body, to a running crm-trends
server, returning its status, headers and body unchanged.

    python3 scripts/dashboard-dev.py --api http://127.0.0.1:3001 --port 8088

then open http://127.0.0.1:8088/. It listens on 127.0.0.1 only. Python 3 standard library.

Two headers are not forwarded: `Origin`, because crm-trends refuses a page of another origin
(this server's port differs from the API's), and nothing is added such as `X-Forwarded-For`,
because a keyless crm-trends treats a forwarded request as not local and refuses it.
"""

import argparse
import http.client
import mimetypes
import sys
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB_ROOT = Path(__file__).resolve().parent.parent / "crates" / "api" / "web"

# The policy the Rust side gives the dashboard's routes; kept here so that a page that
# works in development works in production too.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".md": "text/markdown; charset=utf-8",
}

# Hop-by-hop headers (RFC 9110, 7.6.1) are never forwarded, in either direction.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade",
}
NOT_FORWARDED = HOP_BY_HOP | {"host", "origin", "content-length"}


class Handler(BaseHTTPRequestHandler):
    server_version = "dashboard-dev"
    protocol_version = "HTTP/1.1"
    api: urllib.parse.SplitResult  # set in main()
    root: Path

    # --- Routing ----------------------------------------------------------------------

    def handle_any(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/api" or path.startswith("/api/"):
            self.proxy()
        elif self.command not in ("GET", "HEAD"):
            self.send_text(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", {"Allow": "GET, HEAD"})
        elif path == "/":
            self.send_file(self.root / "index.html")
        elif path.startswith("/dashboard/"):
            self.send_static(urllib.parse.unquote(path[len("/dashboard/"):]))
        else:
            self.send_text(HTTPStatus.NOT_FOUND, "not found")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

    # --- Static files -----------------------------------------------------------------

    def send_static(self, relative):
        target = (self.root / relative).resolve()
        # Only files inside the web folder: no `..`, no absolute paths, no folders.
        if self.root not in target.parents or not target.is_file():
            self.send_text(HTTPStatus.NOT_FOUND, "not found")
            return
        self.send_file(target)

    def send_file(self, file):
        body = file.read_bytes()
        kind = CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, status, text, headers=None):
        body = f"{text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    # --- The API proxy ----------------------------------------------------------------

    def proxy(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in NOT_FORWARDED}
        headers["Host"] = self.api.netloc
        if body is not None:
            headers["Content-Length"] = str(len(body))
        connection_class = http.client.HTTPSConnection if self.api.scheme == "https" else http.client.HTTPConnection
        connection = connection_class(self.api.netloc, timeout=60)
        try:
            connection.request(self.command, self.api.path.rstrip("/") + self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as error:
            self.send_text(HTTPStatus.BAD_GATEWAY, f"crm-trends at {self.api.geturl()} is not reachable: {error}")
            return
        finally:
            connection.close()
        # The answer as crm-trends gave it (its own Date and Server, not this server's).
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:3001", help="the crm-trends server (default %(default)s)")
    parser.add_argument("--port", type=int, default=8088, help="port to listen on, 127.0.0.1 only (default %(default)s)")
    parser.add_argument("--root", type=Path, default=WEB_ROOT, help="the page's files (default crates/api/web)")
    args = parser.parse_args()

    api = urllib.parse.urlsplit(args.api)
    if api.scheme not in ("http", "https") or not api.netloc:
        parser.error(f"--api must be an http(s) URL such as http://127.0.0.1:3001, got {args.api!r}")
    Handler.api = api
    Handler.root = args.root.resolve()
    if not (Handler.root / "index.html").is_file():
        parser.error(f"no index.html in {Handler.root}")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"dashboard on http://127.0.0.1:{server.server_address[1]}/ (API: {api.geturl()})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
