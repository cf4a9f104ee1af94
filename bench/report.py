#!/usr/bin/env python3
"""Prints the one table of ./scripts/bench: (benchmark, metric, value, unit, aim).

Inputs: Google Benchmark JSON files (--benchmark_format=json) and text files holding the e2e
benches' output, of which only the lines `RESULT|<benchmark>|<metric>|<value>|<unit>` count
(an optional sixth field is the aim). Aims otherwise come from bench/aims.tsv, whose rows are
shell-style patterns over benchmark and metric; the first matching row wins.

    bench/report.py [--gbench F.json]... [--results F.txt]... [--aims bench/aims.tsv]
"""
import argparse
import fnmatch
import json
import sys


def load_aims(path):
    aims = []
    if not path:
        return aims
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 3:
                sys.exit(f"report.py: {path}: want 3 tab-separated fields: {line!r}")
            aims.append(parts)
    return aims


def aim_for(aims, bench, metric):
    for b, m, aim in aims:
        if fnmatch.fnmatchcase(bench, b) and fnmatch.fnmatchcase(metric, m):
            return aim
    return ""


def gbench_rows(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for b in data.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        name = b["name"] + (f" ({b['label']})" if b.get("label") else "")
        if b.get("error_occurred"):
            yield name, "error", b.get("error_message", "?"), "", None
            continue
        unit = b.get("time_unit", "ns")
        # Wall and CPU time: on a shared machine the wall time includes waiting for a core.
        yield name, "time/op", f"{b['real_time']:.4g}", unit, None
        yield name, "cpu/op", f"{b['cpu_time']:.4g}", unit, None


def result_rows(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("RESULT|"):
                continue
            parts = line.rstrip("\n").split("|")
            if len(parts) not in (5, 6):
                sys.exit(f"report.py: {path}: malformed RESULT line: {line.rstrip()!r}")
            yield parts[1], parts[2], parts[3], parts[4], parts[5] if len(parts) == 6 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gbench", action="append", default=[])
    ap.add_argument("--results", action="append", default=[])
    ap.add_argument("--aims")
    args = ap.parse_args()
    aims = load_aims(args.aims)
    rows = []
    for p in args.gbench:
        rows.extend(gbench_rows(p))
    for p in args.results:
        rows.extend(result_rows(p))
    if not rows:
        sys.exit("report.py: no benchmark results")
    table = [("benchmark", "metric", "value", "unit", "aim")]
    for bench, metric, value, unit, aim in rows:
        table.append((bench, metric, value, unit, aim if aim is not None else aim_for(aims, bench, metric)))
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for n, r in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


if __name__ == "__main__":
    main()
