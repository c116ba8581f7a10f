"""``cxresearch init DIR``: a project folder for a researcher's own survey.

A project is a folder with ``cxresearch.toml`` (project name, default language, report
options, optionally ``[paths]`` moving a folder), ``codebooks/`` (one ``<study>.yaml`` per
study), ``waves/<study>/<wave>/`` (ingested waves), ``notebooks/`` (the project's own
notebooks, run alongside the packaged templates) and ``reports/<run>/``. Its ``.gitignore``
keeps ``waves/`` and ``reports/`` — respondent data and generated output — out of version
control. Commands find the project by walking up from the current directory (as git finds
``.git``) or take ``--project DIR``; see :mod:`cxresearch.paths`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cxresearch.paths import (
    MAX_NAME_LENGTH,
    PROJECT_FILE,
    check_name,
    find_project,
    package_root,
    write_text_atomic,
)

__all__ = ["init_project", "run_cli", "run_codebook_cli"]

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

def _project_toml(name: str, language: str, study: str | None) -> str:
    """The ``cxresearch.toml`` of a new project. Every value is written by the TOML serializer
    (``tomli_w``), never pasted into text: a name ending in a backslash, holding a quote, a
    control character or a line that looks like a table stays one string. The comments are
    fixed text (no name or folder in them)."""
    import tomli_w

    def table(name_: str, body: dict) -> str:
        return tomli_w.dumps({name_: body})

    return "".join([
        "# cxresearch project (created by `cxresearch init`). Commands run anywhere below this\n"
        "# folder find it, as git finds .git; or pass --project with this folder.\n",
        "# [project] language: default language of labels and wordings in reports\n",
        table("project", {"name": name, "language": language}),
        "\n# [report] confidence: level of every interval in the templates; formats: figure\n"
        "# formats the templates save\n",
        table("report", {"confidence": 0.95, "formats": ["png", "svg"]}),
        "\n# [paths]                      # move a folder (relative to this file); defaults shown\n"
        "# codebooks = \"codebooks\"\n# waves = \"waves\"\n# notebooks = \"notebooks\"\n"
        "# reports = \"reports\"\n"
        "# allow_outside = false       # true lets a folder above lie outside this project\n",
        "\n# [reproduce] templates: studies the packaged templates (wave report, drivers,\n"
        "# tracking) run for when `cxresearch reproduce` gets no --study; default: every study\n"
        "# with a codebook here and a wave\n",
        "[reproduce]\n",
        "".join("# " + line + "\n" for line in
                tomli_w.dumps({"templates": [study] if study else []}).splitlines()),
    ])


_GITIGNORE = """\
# respondent data and generated reports stay out of version control
waves/
reports/
.ipynb_checkpoints/
"""

_README = """\
# {name}

A cxresearch project. The steps (see the cxresearch README, "Your own survey in ten minutes"):

    cxresearch codebook draft EXPORT.csv --study {study}   # writes codebooks/{study}.yaml
    # review codebooks/{study}.yaml: every `assumed: true` entry is a guess to check
    cxresearch codebook check codebooks/{study}.yaml
    cxresearch ingest EXPORT.csv --instrument {study} --wave 2025
    cxresearch reproduce --study {study}                   # report in reports/latest/

- `codebooks/`  one codebook (YAML) per study
- `waves/`      ingested waves, `waves/<study>/<wave>/` (git-ignored: respondent data)
- `notebooks/`  your own notebooks; `reproduce` runs them next to the packaged templates
- `reports/`    one folder per `reproduce` run, `reports/latest` is the newest (git-ignored)
"""


def init_project(folder: str | os.PathLike, study: str | None = None, *,
                 name: str | None = None, language: str = "en") -> Path:
    """Create a project folder (or complete an existing folder that has no project yet).

    Parameters
    ----------
    folder : path
        The project folder; created when missing. It must not already hold a
        ``cxresearch.toml``, and must lie outside the tool's own repository.
    study : str, optional
        Name of the first study (snake_case), used in the README's example commands.
    name : str, optional
        Project name (default: the folder name).
    language : str, default "en"
        Default language of labels and wordings.

    Returns
    -------
    pathlib.Path
        The project folder.

    Examples
    --------
    >>> from cxresearch.pipeline.project import init_project
    >>> init_project("my_survey", study="members")      # doctest: +SKIP
    >>> # In R: usethis::create_project("my_survey") is the nearest equivalent
    """
    if not isinstance(folder, str | os.PathLike) or not os.fspath(folder):
        raise TypeError(f"folder must be a path, got {folder!r}")
    if study is not None and not _NAME.match(str(study)):
        raise ValueError(f"study must be snake_case (letters, digits, _), got {study!r:.120}")
    if study is not None:
        check_name("study", study)
    if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2}", language):
        raise ValueError(f"language must be a two-letter code such as 'en', got {language!r}")
    root = Path(folder).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ValueError(f"folder {os.fspath(folder)!r} exists and is not a folder")
    if (root / PROJECT_FILE).exists():
        raise ValueError(f"{root} is already a cxresearch project ({PROJECT_FILE} exists)")
    pkg = package_root()
    if root == pkg or pkg in root.parents:
        raise ValueError(f"folder {os.fspath(folder)!r} is inside the cxresearch repository "
                         f"({pkg}); create your project elsewhere so that nothing you do "
                         f"writes into the tool")
    outer = find_project(root.parent) if root.parent != root else None
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__} {name!r:.80}")
    given = name is not None
    name = name if given else root.name
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable() or name != name.strip():
        raise ValueError(
            f"project name {name!r:.120} must be 1 to {MAX_NAME_LENGTH} printable characters "
            f"without control characters or surrounding spaces"
            + ("" if given else " (it defaults to the folder name: pass --name NAME)"))
    for sub in ("codebooks", "waves", "notebooks", "reports"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    example = study or "my_study"
    write_text_atomic(root / PROJECT_FILE, _project_toml(name, language, study))
    if not (root / ".gitignore").exists():
        write_text_atomic(root / ".gitignore", _GITIGNORE)
    if not (root / "README.md").exists():
        write_text_atomic(root / "README.md", _README.format(name=name, study=example))
    if outer is not None:
        import warnings

        warnings.warn(f"{root} lies inside another cxresearch project ({outer}); commands run "
                      f"in {root} use the new project", stacklevel=2)
    return root


def run_cli(args, parse_sets=None) -> int:
    """``cxresearch init DIR [--study NAME] [--name NAME] [--language xx]``."""
    root = init_project(args.dir, study=args.study, name=args.name, language=args.language)
    print(f"cxresearch project created in {root}")
    print("  cxresearch.toml, codebooks/, waves/ (git-ignored), notebooks/, reports/ "
          "(git-ignored), README.md")
    step = args.study or "NAME"
    print(f"next: cd {root} && cxresearch codebook draft YOUR_EXPORT.csv --study {step}")
    return 0


def _draft_target(study: str, out: str | None) -> Path:
    """Where ``codebook draft`` writes: ``-o``, else the project's codebooks folder, else (no
    project of the user's own) ``./<study>.yaml`` — never into the tool's repository."""
    from cxresearch import paths

    if out is not None:
        target = Path(out).expanduser().resolve()
    elif not paths.is_package_project():
        target = paths.project_config()["paths"]["codebooks"] / f"{study}.yaml"
    else:
        target = Path.cwd().resolve() / f"{study}.yaml"
    if target.is_dir():
        import errno

        raise IsADirectoryError(errno.EISDIR, "is a folder, a codebook file was expected",
                                str(target))
    pkg = paths.package_root()
    if (pkg in target.parents and os.environ.get("CXRESEARCH_PROJECT") is None
            and find_project() != pkg):
        raise ValueError(f"refusing to write {target} inside the cxresearch repository; run "
                         f"`cxresearch init DIR` and draft inside that project, or pass -o")
    return target


def run_codebook_cli(args, parse_sets=None) -> int:
    """``cxresearch codebook draft EXPORT --study NAME [-o PATH] [--force]`` and
    ``cxresearch codebook check PATH_OR_NAME``."""
    from cxresearch.codebooks.draft import check_codebook, draft

    if args.codebook_command == "draft":
        target = _draft_target(args.study, args.output)
        if target.exists() and not args.force:
            raise ValueError(f"{target} exists; pass --force to overwrite it (your edits to it "
                             f"would be lost) or -o another path")
        drafted = draft(args.export, args.study, max_levels=args.max_levels)
        text = drafted.yaml
        write_text_atomic(target, text)
        review = target.with_name(target.stem + ".review.html")
        write_text_atomic(review, drafted.review)
        n_items = n_assumed = len({d["id"] for d in drafted.decisions if d["id"]})
        print(f"codebook draft written to {target}: {n_items} items, {n_assumed} inferred "
              f"choices marked `assumed: true` to review")
        print(f"review page (riskiest item first): {review}")
        print(f"next: review it, then `cxresearch codebook check {target}`")
        return 0
    from cxresearch import paths

    path = Path(args.path)
    if not path.is_file() and not args.path.endswith((".yaml", ".yml")):  # a codebook name
        found = [d / f"{args.path}.yaml" for d in paths.instrument_dirs()
                 if (d / f"{args.path}.yaml").is_file()]
        path = found[0] if found else path
    if not path.is_file():
        raise ValueError(f"codebook {args.path!r}: no such file or codebook name")
    problems = check_codebook(path)
    if problems:
        print(f"codebook {path} has {len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    from cxresearch.codebooks.instrument import load_instrument

    inst = load_instrument(path)
    assumed = [i.id for i in inst if getattr(i, "assumed", False)]
    print(f"codebook {path}: valid, {len(inst.items)} items, {len(inst.indices)} indices"
          + (f"; {len(assumed)} still marked assumed: {', '.join(assumed[:8])}"
             + (" ..." if len(assumed) > 8 else "") if assumed else ""))
    return 0
