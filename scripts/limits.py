#!/usr/bin/env python3
"""Every request limit at its edge, and at 10x and 1000x past it, against the release binary.

Starts `crm-trends serve` (release) over a copy of a demo shop (`crm-trends demo`: two years
of sales, festivals on the calendar), sends each limit's worst case at the limit and past
it, and prints a Markdown table: the answer, the time it took, and the server's extra
resident memory for it (peak RSS over the request, less the RSS before; the kernel's peak
counter is reset before each case through /proc/PID/clear_refs). docs/operations.md keeps
the table. Loopback only, bounded loops.

    scripts/limits.py [--binary target/release/crm-trends] [--keep DIR]

Needs Python 3.9+ and nothing else; build the binary first (cargo build --release).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    """A running server and what it costs."""

    def __init__(self, binary: str, database: str, args: list[str]):
        self.proc = subprocess.Popen(
            [binary, "serve", "--port", "0", "--database-url", database, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": "error"},
        )
        line = self.proc.stdout.readline().decode()
        if "listening on http://" not in line:
            raise SystemExit(f"server did not start: {line!r}")
        self.host, port = line.strip().rsplit("http://", 1)[1].split(":")
        self.port = int(port)

    def rss_kib(self, field: str = "VmRSS") -> int:
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def reset_peak(self) -> None:
        with open(f"/proc/{self.proc.pid}/clear_refs", "w") as refs:
            refs.write("5")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def request(server: Server, method: str, path: str, body: bytes | None = None,
            content_type: str = "application/json", headers: dict | None = None) -> tuple[int, dict, float]:
    """One request; its status, its body as JSON (or {}), and its wall time in seconds."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=600)
    started = time.perf_counter()
    sent = {"Content-Type": content_type, **(headers or {})} if body is not None else dict(headers or {})
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    raw = response.read()
    took = time.perf_counter() - started
    connection.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = {}
    return response.status, parsed if isinstance(parsed, dict) else {"items": len(parsed)}, took


def declared_length(server: Server, path: str, length: int, content_type: str) -> tuple[int, float]:
    """A body announced as `length` bytes of which only the first MiB is sent: the server
    must refuse it from the header, before reading it."""
    with socket.create_connection((server.host, server.port), timeout=60) as sock:
        started = time.perf_counter()
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {length}\r\nConnection: close\r\n\r\n")
        sock.sendall(head.encode())
        try:
            sock.sendall(b" " * (1 << 20))
        except OSError:
            pass
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        took = time.perf_counter() - started
    status = int(answer.split(b" ")[1]) if answer.startswith(b"HTTP/") else 0
    return status, took


def measure(server: Server, case) -> tuple[int, str, float, int]:
    """Runs `case(server)` -> (status, note, seconds); adds the extra peak RSS in MiB."""
    before = server.rss_kib()
    server.reset_peak()
    status, note, took = case(server)
    extra = max(0, server.rss_kib("VmHWM") - before) // 1024
    return status, note, took, extra


# --- bodies -------------------------------------------------------------------------------

def sales_body(count: int, items: int, text: int, first_id: int = 1) -> bytes:
    name = "n" * text
    day = date.today() - timedelta(days=400)
    sales = []
    for i in range(count):
        lines = [{"product_id": f"P{j:05d}", "product_name": name, "category": "c" * 100, "quantity": 1,
                  "unit_price": 1.25} for j in range(items)]
        sales.append({"id": first_id + i, "customer_id": 1 + i % 5000, "total_amount": 1.25 * items,
                      "created_at": f"{day + timedelta(days=i % 365)}T10:30:00Z", "items": lines})
    return json.dumps({"sales": sales}).encode()


def calendar(events: list[str]) -> bytes:
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//limits//EN\r\n"]
    for e in events:
        out.append("BEGIN:VEVENT\r\nDTSTAMP:20250101T000000Z\r\n" + e + "END:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def one_day_events(n: int, width: int = 0, start: date | None = None) -> bytes:
    start = start or date.today() - timedelta(days=700)
    pad = f"DESCRIPTION:{'x' * width}\r\n" if width else ""
    return calendar([f"UID:e{i}@limits\r\nSUMMARY:Event {i}\r\n{pad}DTSTART;VALUE=DATE:"
                     f"{(start + timedelta(days=i % 1000)).strftime('%Y%m%d')}\r\n" for i in range(n)])


def failing_events(n: int) -> bytes:
    """Events that expand 40 days each, then fail (a multiplier above 20)."""
    start = (date.today() - timedelta(days=300)).strftime("%Y%m%d")
    return calendar([f"UID:f{i}@limits\r\nSUMMARY:Refused\r\nDTSTART;VALUE=DATE:{start}\r\n"
                     "RRULE:FREQ=DAILY;COUNT=40\r\nX-CRM-DEMAND-MULTIPLIER:25\r\n" for i in range(n)])


def nested(depth: int) -> bytes:
    """A calendar whose components nest `depth` deep (the calendar itself is the first)."""
    inner = max(0, depth - 1)
    return ("BEGIN:VCALENDAR\r\n" + "BEGIN:X\r\n" * inner + "END:X\r\n" * inner + "END:VCALENDAR\r\n").encode()


def minutely_from(days_before_window: int) -> bytes:
    start = date.today() - timedelta(days=730 + days_before_window)
    return calendar([f"UID:m@limits\r\nSUMMARY:Every minute\r\nDTSTART:{start.strftime('%Y%m%d')}T000000Z\r\n"
                     "RRULE:FREQ=MINUTELY\r\n"])


def per_period(hours: int, minutes: int = 0, seconds: int = 0) -> bytes:
    """A yearly rule on every day of the month, at `hours` x `minutes` x `seconds` times."""
    listed = lambda part, n: f";{part}={','.join(str(v) for v in range(n))}" if n else ""
    days = ",".join(str(d) for d in range(1, 32))
    rule = (f"FREQ=YEARLY;BYMONTHDAY={days}" + listed("BYHOUR", hours) + listed("BYMINUTE", minutes)
            + listed("BYSECOND", seconds))
    return calendar([f"UID:p@limits\r\nSUMMARY:Dense\r\nDTSTART;VALUE=DATE:20240101\r\nRRULE:{rule}\r\n"])


# --- cases --------------------------------------------------------------------------------

def post(path: str, body: bytes, content_type: str = "application/json"):
    def case(server: Server):
        status, parsed, took = request(server, "POST", path, body, content_type)
        note = parsed.get("code") or f"{parsed.get('received', parsed.get('occurrences', ''))}"
        return status, f"{len(body) / 1048576:.1f} MiB, {note}", took
    return case


def get(path: str):
    def case(server: Server):
        status, parsed, took = request(server, "GET", path)
        return status, parsed.get("code", ""), took
    return case


def announced(path: str, length: int, content_type: str = "application/json"):
    def case(server: Server):
        status, took = declared_length(server, path, length, content_type)
        return status, f"announced {length / 1048576:,.0f} MiB", took
    return case


def card_while_busy(expensive: list[str], cards: int):
    """`len(expensive)` expensive reads at once while `cards` checkout cards are read one
    after another: the expensive reads' answers and the cards' worst latency."""
    def case(server: Server):
        results: list[int] = []

        def run(path: str) -> None:
            results.append(request(server, "GET", path)[0])

        threads = [threading.Thread(target=run, args=(p,)) for p in expensive]
        started = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(0.2)
        worst = 0.0
        for i in range(cards):
            worst = max(worst, request(server, "GET", f"/api/customers/{1 + i % 300}/insights")[2])
        for t in threads:
            t.join()
        took = time.perf_counter() - started
        counts = {s: results.count(s) for s in sorted(set(results))}
        return 200, f"answers {counts}; slowest of {cards} cards meanwhile {worst * 1000:.0f} ms", took
    return case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/crm-trends"))
    parser.add_argument("--keep", help="keep the database in this directory")
    args = parser.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="crm-limits-")
    database = os.path.join(work, "crm.sqlite")
    if not os.path.exists(database):
        subprocess.run([args.binary, "demo", "--database-url", database], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(args.binary, database, [])
    time.sleep(3)  # the start's refresh
    today = date.today()
    far = (today - timedelta(days=3659)).isoformat()
    cases = [
        ("request body (32 MiB)", "at: 10,000 sales of 8 lines, every text at its longest", post("/api/sync/sales", sales_body(10_000, 8, 200))),
        ("request body", "10x: 320 MiB announced", announced("/api/sync/sales", 320 << 20)),
        ("request body", "1000x: 32 GiB announced", announced("/api/sync/sales", 32 << 30)),
        ("batch (10,000 records)", "at: 10,000 sales of one line", post("/api/sync/sales", sales_body(10_000, 1, 20, 200_000))),
        ("batch", "10x: 100,000 sales", post("/api/sync/sales", sales_body(100_000, 0, 0, 400_000))),
        ("lines per sale (1,000)", "at: 10 sales of 1,000 lines", post("/api/sync/sales", sales_body(10, 1000, 200, 600_000))),
        ("lines per sale", "10x: one sale of 10,000 lines", post("/api/sync/sales", sales_body(1, 10_000, 20, 700_000))),
        ("forecast horizon (90 days)", "at: 90 days, computed from another day", get(f"/api/analytics/forecast?days=90&as_of={today - timedelta(days=30)}")),
        ("forecast horizon", "10x: 900 days", get("/api/analytics/forecast?days=900")),
        ("backtest", "4 folds of 28 days, computed", get("/api/analytics/forecast/accuracy")),
        ("trends window (3,660 days)", "at: daily points over 3,660 days", get(f"/api/analytics/trends?from={far}&to={today}")),
        ("trends window", "10x: 36,600 days", get(f"/api/analytics/trends?from={today - timedelta(days=36_599)}&to={today}")),
        ("dashboard window (365 days)", "at: 365 days", get("/api/analytics/dashboard?days=365")),
        ("dashboard window", "10x: 3,650 days", get("/api/analytics/dashboard?days=3650")),
        ("product ranking (3,660 days, 1,000 rows)", "at", get(f"/api/analytics/products?from={far}&to={today}&limit=1000")),
        ("product ranking", "10x rows: 10,000", get(f"/api/analytics/products?from={far}&to={today}&limit=10000")),
        ("customer page (500)", "at: q matching everyone", get("/api/customers?limit=500&q=a")),
        ("customer page", "10x: 5,000", get("/api/customers?limit=5000")),
        ("calendar list (730 days)", "at", get(f"/api/calendar/events?from={today - timedelta(days=729)}&days=730")),
        ("expensive reads (1 slot, 5 s wait, 20 s budget)", "4 backtests at once, cards read meanwhile",
         card_while_busy(["/api/analytics/forecast/accuracy"] * 4, 200)),
        ("calendar file (4 MiB)", "at: 5,000 one-day events padded to 4 MiB", post("/api/calendar/import?from=2000-01-01&to=2003-12-31", one_day_events(5_000, 700, date(2000, 1, 1)), "text/calendar")),
        ("calendar file", "10x: 40 MiB", post("/api/calendar/import", one_day_events(50_000, 780), "text/calendar")),
        ("calendar file", "1000x: 4 GiB announced", announced("/api/calendar/import", 4 << 30, "text/calendar")),
        ("occurrences (5,000)", "at: 5,000 one-day events (stored: every later forecast fits 5,000 events)", post("/api/calendar/import", one_day_events(5_000), "text/calendar")),
        ("occurrences", "10x: 50,000 one-day events (5.7 MiB)", post("/api/calendar/import", one_day_events(50_000), "text/calendar")),
        ("refused events count", "at: 5,000 events refused, each with a rule", post("/api/calendar/import", failing_events(5_000), "text/calendar")),
        ("refused events count", "10x: 50,000", post("/api/calendar/import", failing_events(50_000), "text/calendar")),
        ("instances generated (200,000)", "at: a minutely rule 138 days before the window (its 200,001st instance refuses it)", post("/api/calendar/import", minutely_from(138), "text/calendar")),
        ("instances generated", "1000x: a minutely rule 400 years before the window", post("/api/calendar/import", minutely_from(146_000), "text/calendar")),
        ("instances a period (10,000)", "at: yearly, 31 days x 24 hours (8,784)", post("/api/calendar/import", per_period(24), "text/calendar")),
        ("instances a period", "1000x: yearly, 31 days x 24 hours x 60 minutes x 60 seconds", post("/api/calendar/import", per_period(24, 60, 60), "text/calendar")),
        ("nesting (8)", "at: 8 deep", post("/api/calendar/import", nested(8), "text/calendar")),
        ("nesting", "1000x: 8,000 deep", post("/api/calendar/import", nested(8_000), "text/calendar")),
        ("calendar export", "every event (5,000+)", get("/api/calendar/events.ics")),
        ("expensive read budget (20 s)", "a forecast computed over 5,000 event identities", get(f"/api/analytics/forecast?days=28&as_of={today - timedelta(days=30)}")),
        ("expensive reads", "the card while that forecast's abandoned fit runs on", card_while_busy([], 200)),
    ]
    print("| limit | case | answer | time | extra memory |")
    print("|---|---|---|---|---|")
    for limit, what, case in cases:
        status, note, took, extra = measure(server, case)
        print(f"| {limit} | {what} | {status} {note} | {took * 1000:,.0f} ms | {extra} MiB |", flush=True)
    health = request(server, "GET", "/api/health")[0]
    print(f"\nhealth after every case: {health}; server RSS {server.rss_kib() // 1024} MiB")
    server.stop()
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
