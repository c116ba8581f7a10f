"""Which notebooks a project runs, and for which studies the study-agnostic templates run.

A template is a notebook whose ``metadata["cxresearch"]`` has ``"template": true`` and
``"studies": ["*"]``; ``"requires"`` lists what a study needs for it (``"outcome"``: the
codebook names ``meta.analysis.outcome``; ``"waves>=2"``: two observed waves). Used by
:func:`cxresearch.pipeline.run.reproduce`; see its module docstring.

Examples
--------
>>> from cxresearch.pipeline.templates import project_notebooks, template_studies
>>> [p.name for p in project_notebooks()]            # doctest: +SKIP
>>> template_studies(None)                           # doctest: +SKIP
>>> # In R: no equivalent (a list of .Rmd files rendered per study with params)
"""

from __future__ import annotations

import json
from pathlib import Path

from cxresearch import paths
from cxresearch.pipeline.notebooks import NotebookSpec

__all__ = ["project_notebooks", "template_studies"]

RECONSTRUCTED_SUFFIX = "-reconstructed"


def _is_template(spec: NotebookSpec) -> bool:
    return bool(spec.meta.get("template")) and spec.studies == ["*"]


def project_notebooks() -> list[Path]:
    """The notebooks a reproduce run of the current project executes (see the module's
    docstring): the repository's ``notebooks/``; or, in a project of one's own, the packaged
    templates plus the project's ``notebooks/``."""
    own_dir = paths.notebooks_dir()
    own = sorted(p for p in own_dir.glob("*.ipynb") if not p.name.startswith(("_", ".")))
    if paths.is_package_project():
        return own
    packaged = paths.package_root() / "notebooks"
    mine = {p.name for p in own}
    templates = []
    for nb in sorted(packaged.glob("*.ipynb")):
        if nb.name.startswith(("_", ".")) or nb.name in mine:
            continue
        try:  # the metadata only (papermill's inspection is slow and not needed here)
            meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {})
        except (OSError, ValueError):
            continue
        block = meta.get("cxresearch", {})
        if block.get("template") and block.get("studies") == ["*"]:
            templates.append(nb.resolve())
    return sorted(templates + own, key=lambda p: p.name)


def template_studies(study: str | None, example_exports=None) -> list[str]:
    """The studies the templates run for: ``study``; else ``[reproduce] templates`` of
    ``cxresearch.toml``; else every study with a codebook in the project's codebooks folder
    and at least one wave (stored, or an example export listed by ``example_exports``, the
    pipeline's :func:`~cxresearch.pipeline.run.example_exports`)."""
    if study is not None:
        return [study]
    conf = paths.project_config().get("reproduce", {})
    if "templates" in conf:
        listed = conf["templates"]
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            raise ValueError(f"cxresearch.toml: [reproduce] templates must be a list of study "
                             f"names, got {listed!r}")
        return list(listed)
    books = sorted(p.stem for p in paths.project_config()["paths"]["codebooks"].glob("*.yaml"))
    waves = paths.waves_dir()
    with_examples = {st for st, _, _ in (example_exports() if example_exports else [])}
    return [b for b in books if b in with_examples or any(
        (w / "manifest.json").is_file() for w in (waves / b).glob("*"))]


def _unmet(spec: NotebookSpec, study: str, example_exports=None) -> str | None:
    """Why a template cannot run for ``study`` (its ``requires``), or None."""
    needs = list(spec.meta.get("requires", []))
    if not needs:
        return None
    try:
        from cxresearch.codebooks.instrument import load_instrument

        inst = load_instrument(study)
    except Exception as exc:
        return f"codebook {study!r} does not load ({type(exc).__name__})"
    if "outcome" in needs and not (inst.meta.get("analysis") or {}).get("outcome"):
        return "the codebook names no outcome (meta.analysis.outcome)"
    if "waves>=2" in needs:
        folder = paths.waves_dir() / study
        observed = [w for w in folder.glob("*") if (w / "manifest.json").is_file()
                    and not w.name.endswith(RECONSTRUCTED_SUFFIX)]
        stored = {w.name for w in observed}
        examples = {label for _, label, _ in (example_exports(study) if example_exports
                                              else [])} - stored
        if len(stored) + len(examples) < 2:
            return "fewer than two observed waves"
    return None
