"""Fixtures shared by several test modules.

R references: ``tests/reference/<name>.R`` printed ``<name>.json`` (R's results) and wrote the
data it used under ``tests/reference/data/``; ``support.r_reference`` and
``support.reference_csv`` are the one loader of each (module constants of parametrized tests
import them, tests take the ``r_results`` / ``reference_frame`` fixtures).
"""

from __future__ import annotations

import pytest
from support import r_reference, reference_csv


@pytest.fixture(scope="session")
def r_results():
    """``r_results("survey_core")``: R's results of a reference script (see :func:`r_reference`)."""
    return r_reference


@pytest.fixture(scope="session")
def reference_frame():
    """``reference_frame("apistrat")``: a reference data set (see :func:`reference_csv`)."""
    return reference_csv


@pytest.fixture
def data(tmp_path, monkeypatch):
    """An empty data root (with ``waves/``) that ``CXRESEARCH_DATA`` points at, so tests
    never write into the repository's ``data/``."""
    root = tmp_path / "data"
    (root / "waves").mkdir(parents=True)
    monkeypatch.setenv("CXRESEARCH_DATA", str(root))
    return root
