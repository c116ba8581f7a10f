"""The ``cxresearch`` command line.

Sub-commands
------------
``cxresearch ingest PATH --instrument NAME [--wave LABEL | --wave-column COL [--wave-period
month|quarter|year]] [--on-error fail|quarantine] [--replace] [--trust-file-labels]``
(neither ``--wave`` nor ``--wave-column``: the codebook's ``meta.wave_column``; PATH may be a
folder of exports, the daily files of one wave, ingested all or nothing as its partitions)
``cxresearch check-published [--study S] [--out DIR]``
``cxresearch reconstruct STUDY [--seed N] [--set name=value ...] [--replace]``
``cxresearch reproduce [--study S] [--wave W] [--jobs N] [--out DIR] [--param NAME=VALUE ...]``
``cxresearch init DIR [--study NAME]``
``cxresearch codebook draft EXPORT --study NAME [-o PATH] [--force]``
``cxresearch codebook check PATH_OR_NAME``

Every sub-command but ``init`` takes ``--project DIR`` (default: the project found by walking up
from the current directory to a ``cxresearch.toml``, else the tool's own repository).

Exit codes (every sub-command; see also ``cxresearch --help``)
--------------------------------------------------------------
0    success
1    bad input: an export, codebook, project file, name or label the tool refuses (every
     problem printed), or a reproduce run whose notebooks failed
2    usage error (unknown option, missing argument, ``--project`` without a project)
3    a file or folder cannot be read or written: no permission, read-only project, disk
     full, name too long, a folder given where a file is expected (one line naming the path
     and what to do)
4    internal error: a bug in cxresearch (one line; ``CXRESEARCH_DEBUG=1`` shows the
     traceback — please report it)
130  interrupted (Ctrl-C): nothing half-written is kept; an interrupted ``ingest --replace``
     leaves the old wave (or the complete new one), an interrupted ``reproduce`` leaves its
     run folder marked incomplete (``cxresearch reproduce --clean`` removes such folders)

Every failure is **one error boundary** (:func:`main`): no traceback is printed for a bad
file, a full disk or Ctrl-C. Study ids and wave labels (``--study``, ``--wave``,
``--instrument`` when it is a name) are checked once, here, by
:func:`cxresearch.paths.check_label` (ASCII letters, digits, ``.``, ``_``, ``-``; at most 100
characters; no names Windows reserves such as ``CON``).
"""

from __future__ import annotations

import argparse
import csv
import errno
import os
import sys

__all__ = ["EXIT_BAD_INPUT", "EXIT_FILES", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK",
           "EXIT_USAGE", "describe_os_error", "main"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_USAGE, EXIT_FILES, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

_EPILOG = """exit codes: 0 success; 1 bad input (every problem printed) or failed notebooks;
2 usage error; 3 a file or folder cannot be read or written (permission, read-only,
disk full, name too long, folder given for a file); 4 internal error (CXRESEARCH_DEBUG=1
shows the traceback); 130 interrupted (Ctrl-C)."""

_OS_ADVICE = {
    errno.EACCES: "permission denied: check the permissions of the file and its folder, or "
                  "choose another place",
    errno.EPERM: "operation not permitted: check the permissions, or choose another place",
    errno.EROFS: "the file system is read-only: make the project writable, or work on a copy",
    errno.ENOSPC: "no space left on the disk: free some space and run the command again",
    errno.EDQUOT: "disk quota exceeded: free some space and run the command again",
    errno.ENAMETOOLONG: "the name is too long for the file system: choose a shorter name or "
                        "a shallower folder",
    errno.EISDIR: "this is a folder, a file was expected: give a file path",
    errno.ENOTDIR: "a file is in the way of a folder: move the file, or choose another path",
    errno.ENOENT: "no such file or folder: check the path",
    errno.EEXIST: "already exists: remove it, or choose another path",
    errno.ELOOP: "too many symbolic links: check the path",
    errno.EMFILE: "too many open files: close other programs and run the command again",
    errno.EIO: "input/output error: the disk or network share failed; check it and run again",
}


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
    parser = argparse.ArgumentParser(prog="cxresearch", description=__doc__.splitlines()[0],
                                     epilog=_EPILOG)
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
    p.add_argument("path", help="the export (CSV, Qualtrics CSV, XLSX, SPSS .sav, Parquet), or "
                   "a folder of exports: the daily files of one wave, each a partition of it "
                   "(all or nothing; every problem of every file reported)")
    p.add_argument("--instrument", required=True, help="codebook name, e.g. mitto_cx")
    p.add_argument("--wave", default=None, help="wave label, e.g. 2024")
    p.add_argument("--wave-column", default=None, metavar="COLUMN",
                   help="a long file: ingest each value of COLUMN as its own wave (all or "
                        "nothing), instead of --wave; default: the codebook's "
                        "meta.wave_column when neither is given")
    p.add_argument("--wave-period", choices=["month", "quarter", "year"], default=None,
                   help="with --wave-column holding dates: group them into waves")
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
    p.add_argument("--clean", action="store_true",
                   help="remove the run folders that killed or failed runs left in reports/ "
                        "(marked incomplete), then stop")
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
                    p.add_argument("--allow-outside", action="store_true",
                                   help="let the project's [paths] point outside the project "
                                        "folder (refused otherwise)")
                    _add_project_option(p)


def describe_os_error(exc: OSError) -> str:
    """One line for a failed read or write: the path (escaped) and what to do."""
    from cxresearch.errors import printable

    # a rename names the temporary file first and the target second: the target is the one
    # the user knows
    names = [n for n in (exc.filename2, exc.filename) if n not in (None, "")][:1]
    where = " -> ".join(printable(os.fsdecode(n) if isinstance(n, bytes) else n)
                        for n in names)
    advice = _OS_ADVICE.get(exc.errno)
    if advice is None:
        advice = printable(exc.strerror or exc or type(exc).__name__)
        if exc.errno is None and not names:  # a message of our own (FileNotFoundError(...))
            return printable(str(exc))
    return f"{where}: {advice}" if where else advice


def _check_names(args) -> None:
    """Study ids and wave labels, checked once for every sub-command (ValueError)."""
    from cxresearch.paths import check_label

    for attr in ("study", "wave"):
        value = getattr(args, attr, None)
        if value is not None:
            check_label(f"--{attr}", value)
    inst = getattr(args, "instrument", None)
    if inst is not None and not inst.endswith((".yaml", ".yml")) and os.sep not in inst:
        check_label("--instrument", inst)


def _interrupted(command: str) -> str:
    what = {
        "ingest": "nothing half-written was kept (the wave is as it was, or complete)",
        "reproduce": "the run folder is left marked incomplete; later runs skip it and "
                     "`cxresearch reproduce --clean` removes it",
        "codebook": "nothing half-written was kept (files are written whole or not at all)",
    }.get(command, "nothing half-written was kept")
    return f"cxresearch {command}: interrupted (Ctrl-C); {what}"


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; every failure ends here as one line and an exit code (see the
    module docstring)."""
    parser = build_parser()
    _add_project_option(parser)
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:  # pragma: no cover - Ctrl-C while parsing
        print("cxresearch: interrupted (Ctrl-C)", file=sys.stderr)
        return EXIT_INTERRUPTED
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(_interrupted(args.command), file=sys.stderr)
        return EXIT_INTERRUPTED
    except (ValueError, csv.Error) as exc:  # bad input (a wave that exists included: it is
        # also a FileExistsError, but --replace is the answer, not the file system)
        from cxresearch.errors import printable

        text = str(exc) if "\n" in str(exc) else printable(str(exc))
        print(f"cxresearch {args.command}: {text}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"cxresearch {args.command}: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_FILES
    except RecursionError as exc:
        print(f"cxresearch {args.command}: the input is nested too deeply to read ({exc})",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the one boundary: a bug, said in one line
        if os.environ.get("CXRESEARCH_DEBUG"):
            raise
        from cxresearch.errors import printable

        print(f"cxresearch {args.command}: internal error {type(exc).__name__}: "
              f"{printable(str(exc))[:500]} (a bug in cxresearch: run again with "
              f"CXRESEARCH_DEBUG=1 for the traceback and please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _run(args) -> int:
    from pathlib import Path

    from cxresearch.errors import printable
    from cxresearch.paths import PROJECT_FILE, environment, use_project

    project = getattr(args, "project", None)
    if project:
        if not (Path(project).expanduser() / PROJECT_FILE).is_file():
            print(f"cxresearch {args.command}: --project {printable(project)}: no "
                  f"{PROJECT_FILE} there (create a project with: cxresearch init "
                  f"{printable(project)})", file=sys.stderr)
            return EXIT_USAGE
    _check_names(args)
    allow = "1" if getattr(args, "allow_outside", False) else os.environ.get(
        "CXRESEARCH_ALLOW_OUTSIDE")
    # the project is current for this command only (the environment is restored afterwards,
    # so an in-process call never leaks it into what runs next)
    with use_project(project or None), environment(CXRESEARCH_ALLOW_OUTSIDE=allow):
        return int(_handler(args.command)(args, _parse_sets) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
