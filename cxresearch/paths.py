"""Where cxresearch finds its data and writes its reports.

Defaults follow the repository layout in DESIGN.md (``data/`` and ``reports/`` beside the
package). Two environment variables override them, so that tests and the reproduce pipeline
can redirect reads and writes without touching the repository:

``CXRESEARCH_DATA``
    root of ``instruments/``, ``published/``, ``waves/`` and ``examples/``.
``CXRESEARCH_REPORTS``
    folder that figures, tables and ``manifest.json`` are written to.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "data_dir",
    "examples_dir",
    "instruments_dir",
    "project_root",
    "published_dir",
    "reports_dir",
    "waves_dir",
]


def project_root() -> Path:
    """The repository root (the folder that holds ``cxresearch/`` and ``data/``)."""
    return Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """Root of the data tree (``$CXRESEARCH_DATA`` or ``<root>/data``)."""
    env = os.environ.get("CXRESEARCH_DATA")
    return Path(env) if env else project_root() / "data"


def instruments_dir() -> Path:
    """Folder of the ``<study>.yaml`` codebooks.

    Codebooks always come from the repository unless ``$CXRESEARCH_DATA`` holds its own
    ``instruments/`` folder.
    """
    own = data_dir() / "instruments"
    return own if own.is_dir() else project_root() / "data" / "instruments"


def published_dir() -> Path:
    """Folder of the published-figures ledger."""
    own = data_dir() / "published"
    return own if own.is_dir() else project_root() / "data" / "published"


def waves_dir() -> Path:
    """Folder of ingested and reconstructed waves (``<study>/<wave>/``)."""
    return data_dir() / "waves"


def examples_dir() -> Path:
    """Folder of example raw exports (``<study>/``)."""
    own = data_dir() / "examples"
    return own if own.is_dir() else project_root() / "data" / "examples"


def reports_dir() -> Path:
    """Folder that figures, tables and the provenance manifest go to.

    ``$CXRESEARCH_REPORTS`` when set (the reproduce pipeline sets it to ``reports/<run>/``),
    otherwise ``<root>/reports``.
    """
    env = os.environ.get("CXRESEARCH_REPORTS")
    return Path(env) if env else project_root() / "reports"
