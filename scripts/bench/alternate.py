#!/usr/bin/env python3
"""Times two whole processes side by side, alternating runs (A B A B ...), and prints one Markdown
table row with their medians and the ratio A/B.

Each run is timed by hyperfine (`-N --runs 1`, no shell, stdout to /dev/null) when it is on PATH,
else here with a monotonic clock around fork/exec/wait. Commands are shell words (shlex); one that
needs a redirection or a pipeline says `sh -c '...'` itself, so any shell start-up it pays is visible
in the command shown. Exit codes are not judged here: bench.sh checks each command's answer once.

usage: alternate.py --runs N --warmup W --name TEXT --target TEXT --a CMD --a-label TEXT --b CMD --b-label TEXT
"""
import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run_hyperfine(cmd, tmp):
    out = os.path.join(tmp, "run.json")
    subprocess.run(
        ["hyperfine", "-N", "--runs", "1", "--ignore-failure", "--style", "none",
         "--export-json", out, "--", cmd],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with open(out) as f:
        return json.load(f)["results"][0]["times"][0]


def run_direct(cmd, _tmp):
    argv = shlex.split(cmd)
    start = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--name", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--a", required=True)
    p.add_argument("--a-label", required=True)
    p.add_argument("--b", required=True)
    p.add_argument("--b-label", required=True)
    args = p.parse_args()

    timer = run_hyperfine if shutil.which("hyperfine") else run_direct
    times = {"a": [], "b": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.warmup):
            timer(args.a, tmp)
            timer(args.b, tmp)
        for i in range(args.runs):
            times["a"].append(timer(args.a, tmp))
            times["b"].append(timer(args.b, tmp))
            print(f"  {args.name}: run {i + 1}/{args.runs}: "
                  f"{times['a'][-1] * 1e3:.1f} ms vs {times['b'][-1] * 1e3:.1f} ms",
                  file=sys.stderr)
    a, b = statistics.median(times["a"]), statistics.median(times["b"])
    ratio = a / b if b > 0 else float("inf")
    spread = lambda xs: f"{min(xs) * 1e3:.1f}–{max(xs) * 1e3:.1f}"
    cell = lambda label: "`" + label.replace("|", "\\|") + "`"  # a pipe would end the table cell
    print(f"| {args.name} | {cell(args.a_label)} | {cell(args.b_label)} | {a * 1e3:.1f} ({spread(times['a'])}) "
          f"| {b * 1e3:.1f} ({spread(times['b'])}) | {ratio:.3f} | {args.target} |")


if __name__ == "__main__":
    main()
