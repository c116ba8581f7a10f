"""Dispatch of ``cxresearch`` sub-commands to the modules that own them.

Each owning module defines ``run_cli(args, parse_sets) -> int``; this module only routes, so
that importing the command line does not import every module.
"""

from __future__ import annotations

import importlib

__all__ = ["run"]

_OWNERS = {
    "ingest": "intake.ingestion",
    "check-published": "ledger.claims",
    "reconstruct": "reconstruction.api",
    "reproduce": "pipeline.run",
}


def run(args, parse_sets) -> int:
    module = importlib.import_module(f"cxresearch.{_OWNERS[args.command]}")
    return int(module.run_cli(args, parse_sets) or 0)
