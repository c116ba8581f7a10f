"""JupyterLab hook for the repository's notebooks: they are saved without outputs.

``make lab`` starts JupyterLab with ``notebooks/.jupyter/`` on ``JUPYTER_CONFIG_PATH``, whose
``jupyter_server_config.json`` registers :func:`strip_outputs` as the contents manager's
pre-save hook. jupytext's contents manager (registered by jupytext >= 1.16) then writes the
``.ipynb`` without outputs and its paired ``NN_topic.py`` (``notebooks/jupytext.toml``), so a
notebook run and saved in Lab is ready to commit. Executed copies with outputs are what
``cxresearch reproduce`` writes to ``reports/<run>/notebooks/``.
"""

from __future__ import annotations

from pathlib import Path

from cxresearch import paths

__all__ = ["strip_notebook", "strip_outputs"]


def strip_notebook(nb) -> bool:
    """Remove outputs, execution counts and execution timings in place; True if any were there."""
    changed = False
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            changed |= bool(cell.get("outputs")) or cell.get("execution_count") is not None
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata", {})
        changed |= meta.pop("execution", None) is not None
    return changed


def strip_outputs(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Pre-save hook: notebooks under the repository's ``notebooks/`` are saved without outputs.

    Notebooks elsewhere (an executed copy under ``reports/``, a scratch notebook) keep theirs.
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    os_path = None
    if contents_manager is not None and hasattr(contents_manager, "_get_os_path"):
        os_path = Path(contents_manager._get_os_path(path))
    if os_path is not None:
        committed = (paths.project_root() / "notebooks").resolve()
        if committed not in os_path.resolve().parents:
            return
    strip_notebook(model["content"])
