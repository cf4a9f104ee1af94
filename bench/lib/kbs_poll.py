#!/usr/bin/env python3
"""Polls the test KBS's /test/stats every INTERVAL seconds and prints, per poll that answered,
"<unix time, s> <auth requests> <attest 200s>" as running totals over KBS restarts (a
restarted KBS counts from zero again; the totals carry on). Polls that find no KBS (an outage)
print nothing. Stops on SIGTERM.

    kbs_poll.py URL [INTERVAL]
"""
import json
import signal
import sys
import time
import urllib.request

url = sys.argv[1].rstrip("/") + "/test/stats"
interval = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

base = [0, 0]   # totals from earlier KBS processes
last = [0, 0]   # the current process's last counts
while True:
    try:
        with opener.open(url, timeout=2) as r:
            stats = json.load(r)
        auth = stats.get("requests", {}).get("auth", 0)
        ok = int(stats.get("responses", {}).get("attest", {}).get("200", 0))
        if auth < last[0] or ok < last[1]:  # a new KBS process: counters restarted
            base = [base[0] + last[0], base[1] + last[1]]
        last = [auth, ok]
        print("%.3f %d %d" % (time.time(), base[0] + auth, base[1] + ok), flush=True)
    except (OSError, ValueError):
        pass
    time.sleep(interval)
