#!/usr/bin/env python3
"""The checkout card right after a bulk sync (issue 23).

On a copy of the memory benchmark's store (scripts/bench-memory.sh builds it: 100,000
customers, 1,100,000 sales), a server is started and its start-up refresh awaited; then
10,000 customers (ids 95,001-105,000: half of them known, half new) and 200,000 sales of
theirs are synced through the API in batches of 1,000, and the card is read by wrk (32
connections, random customers 1-105,000) straight after the last batch, while the refresh
the sync triggered runs and the changed customers' cards are read from the store, then
again once it is done. Prints wrk's figures, the refresh's steps and the server's RSS.

Usage: scripts/bench-bulk-sync.py [WORK_DIR]   (default /tmp/b23; needs wrk; the server
binary is target/release/crm-trends or CRM_TRENDS_BIN)
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = sys.argv[1] if len(sys.argv) > 1 else "/tmp/b23"
BIN = os.environ.get("CRM_TRENDS_BIN", os.path.join(ROOT, "target/release/crm-trends"))
FIRST, CUSTOMERS, SALES, BATCH = 95_001, 10_000, 200_000, 1_000


def post(url, path, body):
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        sys.exit(f"POST {path}: {error.code} {error.read().decode()[:600]}")


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        fields = dict(line.split(":", 1) for line in status if line.startswith(("VmRSS", "VmHWM")))
    return ", ".join(f"{k} {int(v.split()[0]) // 1024} MiB" for k, v in fields.items())


def cards(url, label):
    out = subprocess.run(["wrk", "-t2", "-c32", "-d15s", "--latency", "-s", os.path.join(ROOT, "scripts/insights.lua"),
                          url, "--", str(FIRST + CUSTOMERS - 1)], capture_output=True, text=True, check=True).stdout
    figures = [line.strip() for line in out.splitlines() if re.match(r"\s*(50%|99%|Requests/sec|Non-2xx)", line)]
    print(f"== {label}: " + "; ".join(figures), flush=True)


def main():
    store = os.path.join(WORK, "api.sqlite")
    if not os.path.exists(store):
        sys.exit(f"{store} is missing: run scripts/bench-memory.sh {WORK} first")
    run = os.path.join(WORK, "bulk")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    shutil.copy(store, os.path.join(run, "crm.sqlite"))
    log = open(os.path.join(run, "server.log"), "w")
    env = dict(os.environ, RUST_LOG="warn,crm_service=debug")
    server = subprocess.Popen([BIN, "serve", "--port", "0", "--database-url", os.path.join(run, "crm.sqlite")],
                              stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        url = re.search(r"http://\S+", server.stdout.readline()).group(0)
        refreshes = lambda: open(os.path.join(run, "server.log")).read().count("analytics refresh as of")
        while refreshes() < 1:
            time.sleep(0.5)
        print(f"== start-up refresh done; {rss(server.pid)}", flush=True)

        rng = random.Random(23)
        customers = [{"id": i, "name": f"Bulk customer {i}", "phone": f"556{i:07d}"}
                     for i in range(FIRST, FIRST + CUSTOMERS)]
        started = time.time()
        for at in range(0, CUSTOMERS, BATCH):
            post(url, "/api/sync/customers", {"customers": customers[at:at + BATCH]})
        for at in range(0, SALES, BATCH):
            batch = []
            for n in range(at, at + BATCH):
                # Prices in ten-thousandths, the total the lines' cents (rounded half up).
                lines = [(rng.randrange(4000), 1 + rng.randrange(6), 500 + rng.randrange(200_000))
                         for _ in range(1 + rng.randrange(5))]
                items = [{"product_id": f"P{p:05d}", "quantity": q, "unit_price": e4 / 10_000} for p, q, e4 in lines]
                total = sum((e4 * q + 50) // 100 for _, q, e4 in lines)
                batch.append({"id": 2_000_000 + n, "customer_id": FIRST + rng.randrange(CUSTOMERS),
                              "total_amount": total / 100,
                              "created_at": f"2026-01-0{1 + n % 7}T{8 + n % 10:02d}:{n % 60:02d}:00Z",
                              "status": "completed", "payment_method": "card", "items": items})
            post(url, "/api/sync/sales", {"sales": batch})
        took = time.time() - started
        print(f"== synced {CUSTOMERS} customers and {SALES} sales in {took:.1f} s; {rss(server.pid)}", flush=True)
        cards(url, "cards straight after the sync (its refresh starts within 10 s)")
        print(f"== {rss(server.pid)}", flush=True)
        while refreshes() < 2:
            time.sleep(0.5)
        print(f"== the sync's refresh done; {rss(server.pid)}", flush=True)
        cards(url, "cards after that refresh")
        time.sleep(15)
        print(f"== 15 s later: {rss(server.pid)}", flush=True)
        for line in open(os.path.join(run, "server.log")):
            if "analytics refresh as of" in line or "cards:" in line:
                print("   " + line.split("] ", 1)[-1].rstrip())
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
