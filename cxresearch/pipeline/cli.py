"""The ``cxresearch`` command line.

Sub-commands
------------
``cxresearch ingest PATH --instrument NAME --wave LABEL [--on-error fail|quarantine] [--replace]
[--trust-file-labels]``
``cxresearch check-published [--study S] [--out DIR]``
``cxresearch reconstruct STUDY [--seed N] [--set name=value ...] [--replace]``
``cxresearch reproduce [--study S] [--wave W] [--jobs N] [--out DIR] [--param NAME=VALUE ...]``
``cxresearch init DIR [--study NAME]``
``cxresearch codebook draft EXPORT --study NAME [-o PATH] [--force]``
``cxresearch codebook check PATH_OR_NAME``

Every sub-command but ``init`` takes ``--project DIR`` (default: the project found by walking up
from the current directory to a ``cxresearch.toml``, else the tool's own repository).

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

    p = sub.add_parser("init", help="create a project folder for your own survey")
    p.add_argument("dir")
    p.add_argument("--study", default=None, help="name of the first study (snake_case)")
    p.add_argument("--name", default=None, help="project name (default: the folder name)")
    p.add_argument("--language", default="en", help="default language of labels")

    p = sub.add_parser("codebook", help="draft or check a codebook")
    csub = p.add_subparsers(dest="codebook_command", required=True)
    q = csub.add_parser("draft", help="draft a codebook from a CSV/XLSX/SPSS/Qualtrics export")
    q.add_argument("export")
    q.add_argument("--study", required=True, help="study name (snake_case)")
    q.add_argument("-o", "--output", default=None,
                   help="codebook file (default: codebooks/<study>.yaml of the project)")
    q.add_argument("--force", action="store_true", help="overwrite an existing file")
    q.add_argument("--max-levels", type=int, default=12,
                   help="most distinct text answers for a single-choice item")
    q = csub.add_parser("check", help="print every problem of a codebook")
    q.add_argument("path", help="codebook file or name")

    p = sub.add_parser("ingest", help="validate a raw export against a codebook and store a wave")
    p.add_argument("path")
    p.add_argument("--instrument", required=True, help="codebook name, e.g. mitto_cx")
    p.add_argument("--wave", required=True, help="wave label, e.g. 2024")
    p.add_argument("--on-error", choices=["fail", "quarantine"], default="fail")
    p.add_argument("--replace", action="store_true", help="overwrite an existing wave")
    p.add_argument("--trust-file-labels", action="store_true",
                   help="read SPSS value labels even where they contradict the codebook")

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


def _check_published(args, parse_sets) -> int:
    """``cxresearch check-published [--study S] [--out DIR]``: print both tables; with
    ``--out`` also write ``published_consistency.{csv,md}`` and ``published_claims.{csv,md}``."""
    import pandas as pd

    from cxresearch.ledger.claims import claim_check
    from cxresearch.ledger.consistency import check_consistency
    from cxresearch.report.output.documents import write_published_checks

    cons = check_consistency(args.study)
    claims = claim_check(args.study)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                           "display.max_rows", None):
        print("Consistency checks of the published figures")
        print(cons[["check_id", "kind", "verdict", "derived", "derived_low",
                    "derived_high"]].to_string(index=False))
        print(f"\n{cons['verdict'].value_counts().to_dict()}\n")
        print("Claim checks")
        print(claims[["claim_id", "measure", "estimate", "ci_low", "ci_high",
                      "verdict"]].to_string(index=False))
        print(f"\n{claims['verdict'].value_counts().to_dict()}")
    if getattr(args, "out", None):
        write_published_checks(args.out, consistency=cons, claims=claims)
        print(f"written to {args.out}", file=sys.stderr)
    return 0



def _handler(command: str):
    """The function behind a sub-command, imported late so that ``--help`` stays fast."""
    if command == "init":
        from cxresearch.pipeline.project import run_cli
    elif command == "codebook":
        from cxresearch.pipeline.project import run_codebook_cli as run_cli
    elif command == "ingest":
        from cxresearch.intake.ingestion import run_cli
    elif command == "reconstruct":
        from cxresearch.reconstruction.api import run_cli
    elif command == "reproduce":
        from cxresearch.pipeline.run import run_cli
    else:
        run_cli = _check_published
    return run_cli


def _add_project_option(parser: argparse.ArgumentParser) -> None:
    """``--project DIR`` on every sub-command (and sub-sub-command) except ``init``."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, p in action.choices.items():
                if name != "init" and not any(a.dest == "project" for a in p._actions):
                    p.add_argument("--project", default=None, metavar="DIR",
                                   help="project folder (default: found from the current "
                                        "directory, as git finds .git)")
                    _add_project_option(p)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    _add_project_option(parser)
    args = parser.parse_args(argv)
    project = getattr(args, "project", None)
    if project:
        from pathlib import Path

        from cxresearch.paths import PROJECT_FILE

        if not (Path(project).expanduser() / PROJECT_FILE).is_file():
            print(f"cxresearch {args.command}: --project {project}: no {PROJECT_FILE} "
                  f"there (create a project with: cxresearch init {project})",
                  file=sys.stderr)
            return 2
    from cxresearch.paths import use_project

    # the project is current for this command only (the environment is restored afterwards,
    # so an in-process call never leaks it into what runs next)
    with use_project(project or None):
        try:
            return int(_handler(args.command)(args, _parse_sets) or 0)
        except ValueError as exc:  # bad input: every problem is in the message
            print(f"cxresearch {args.command}: {exc}", file=sys.stderr)
            return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
