"""Run every benchmark case and print one table (``make bench``).

Each ``benchmarks/bench_<topic>.py`` defines ``CASES: dict[str, Callable[[], list[dict]]]``.
A case does its own set-up, times the operation(s) itself and returns rows
``{"benchmark", "implementation", "seconds", "note"}``; comparisons (R, statsmodels, plain
pandas) are measured inside the same case, in the same run, when available.

Every case runs in a fresh subprocess so that its peak resident memory (``ru_maxrss`` of that
child, which includes set-up) is its own. The table is printed and written to
``reports/benchmarks.md`` and ``reports/benchmarks.json``.

Usage: ``python benchmarks/run.py [--only SUBSTRING] [--list]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # bench modules import their shared helpers (_timing)
ROOT = HERE.parent

_CHILD = r"""
import json, resource, sys, importlib.util, os
sys.path.insert(0, os.path.dirname(sys.argv[1]))
spec = importlib.util.spec_from_file_location("bench_mod", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
rows = mod.CASES[sys.argv[2]]()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print("@@ROWS@@" + json.dumps({"rows": rows, "peak_mb": peak}))
"""


def _modules() -> list[Path]:
    return sorted(HERE.glob("bench_*.py"))


def _cases(path: Path) -> list[str]:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.CASES)


def _run_case(path: Path, case: str) -> tuple[list[dict], float | None, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), case],
        capture_output=True, text=True, cwd=ROOT,
    )
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith("@@ROWS@@"):
            payload = json.loads(line[len("@@ROWS@@"):])
            return payload["rows"], payload["peak_mb"], f"case wall {wall:.1f}s"
    err = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return [], None, "FAILED: " + " | ".join(err)


def _table(results: list[dict]) -> str:
    head = "| benchmark | implementation | seconds | ratio vs cxresearch | case peak MB | note |"
    lines = [head, "|---|---|---:|---:|---:|---|"]
    by_bench: dict[str, float] = {}
    for r in results:
        if r.get("implementation") == "cxresearch" and r.get("seconds") is not None:
            by_bench[r["benchmark"]] = r["seconds"]
    for r in results:
        base = by_bench.get(r.get("benchmark"))
        sec = r.get("seconds")
        ratio = f"{sec / base:.1f}×" if base and sec and r["implementation"] != "cxresearch" else ""
        peak = f"{r['peak_mb']:.0f}" if r.get("peak_mb") is not None else ""
        sec_s = f"{sec:.3f}" if isinstance(sec, int | float) else ""
        lines.append(
            f"| {r.get('benchmark', '')} | {r.get('implementation', '')} | {sec_s} | {ratio} "
            f"| {peak} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None, help="run cases whose name contains this")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)

    results: list[dict] = []
    failures = 0
    for path in _modules():
        for case in _cases(path):
            label = f"{path.stem}:{case}"
            if args.only and args.only not in label:
                continue
            if args.list:
                print(label)
                continue
            print(f"running {label} ...", file=sys.stderr, flush=True)
            rows, peak, status = _run_case(path, case)
            if not rows:
                failures += 1
                results.append({"benchmark": label, "implementation": "-", "seconds": None,
                                "peak_mb": None, "note": status})
                continue
            for row in rows:
                row.setdefault("note", "")
                row["peak_mb"] = peak
                row["case"] = label
                results.append(row)
    if args.list:
        return 0
    table = _table(results)
    print(table)
    out = ROOT / "reports"
    out.mkdir(exist_ok=True)
    meta = (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
            "Peak MB is the peak resident memory of the case's own process (set-up included).")
    (out / "benchmarks.md").write_text(f"# Benchmarks\n\n{meta}\n\n{table}\n")
    (out / "benchmarks.json").write_text(json.dumps(results, indent=2, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
