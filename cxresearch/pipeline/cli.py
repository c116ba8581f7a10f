"""The ``cxresearch`` command line.

Sub-commands
------------
``cxresearch ingest PATH --instrument NAME --wave LABEL [--on-error fail|quarantine] [--replace]``
``cxresearch check-published [--study S] [--out DIR]``
``cxresearch reconstruct STUDY [--seed N] [--set name=value ...] [--replace]``
``cxresearch reproduce [--study S] [--wave W] [--jobs N] [--out DIR] [--param NAME=VALUE ...]``

Every sub-command exits 0 on success, 1 when the input is bad (with every problem printed) and
2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _parse_sets(pairs: list[str]) -> dict:
    """Turn ``["n=600", "coding=0-4"]`` into a dict, numbers converted where they parse."""
    out: dict = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"--set expects name=value, got {pair!r}")
        key, raw = pair.split("=", 1)
        value: object = raw
        for conv in (int, float):
            try:
                value = conv(raw)
                break
            except ValueError:
                continue
        out[key.strip()] = value
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cxresearch", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="validate a raw export against a codebook and store a wave")
    p.add_argument("path")
    p.add_argument("--instrument", required=True, help="codebook name, e.g. mitto_cx")
    p.add_argument("--wave", required=True, help="wave label, e.g. 2024")
    p.add_argument("--on-error", choices=["fail", "quarantine"], default="fail")
    p.add_argument("--replace", action="store_true", help="overwrite an existing wave")

    p = sub.add_parser("check-published", help="consistency and claim checks of the ledger")
    p.add_argument("--study", default=None)
    p.add_argument("--out", default=None, help="also write CSV and Markdown to this folder")

    p = sub.add_parser("reconstruct", help="write a synthetic wave consistent with a study")
    p.add_argument("study")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--replace", action="store_true")

    p = sub.add_parser("reproduce", help="execute every notebook and write reports/<run>/")
    p.add_argument("--study", default=None)
    p.add_argument("--wave", default=None)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--out", default=None, help="reports folder (default reports/<run>/)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="extra notebook parameter, e.g. n_reconstructions=5")
    p.add_argument("--timeout", type=float, default=None,
                   help="time limit per notebook cell, in seconds")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--notebooks", default=None, metavar="DIR",
                   help="run the notebooks in DIR instead of notebooks/")
    p.add_argument("--no-examples", action="store_true",
                   help="do not ingest data/examples/ into the run")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from cxresearch.pipeline import commands  # imported late: keeps --help fast

    try:
        return int(commands.run(args, _parse_sets) or 0)
    except ValueError as exc:  # bad input: every problem is in the message
        print(f"cxresearch {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
