"""Fixtures shared by several test modules.

R references: ``tests/reference/<name>.R`` printed ``<name>.json`` (R's results) and wrote the
data it used under ``tests/reference/data/``. :func:`r_reference` and :func:`reference_csv`
are the one loader of each (module constants of parametrized tests call them directly, tests
take the ``r_results`` / ``reference_frame`` fixtures).
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parent / "reference"


@functools.cache
def _reference_json(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))


def r_reference(name: str) -> dict:
    """R's results printed by ``tests/reference/<name>.R`` (``<name>.json``), a fresh copy."""
    return copy.deepcopy(_reference_json(name.removesuffix(".json")))


def reference_csv(name: str, **read_csv) -> pd.DataFrame:
    """The data an R reference script used (``tests/reference/data/<name>.csv``), read afresh
    (tests modify what they read)."""
    return pd.read_csv(REFERENCE / "data" / f"{name.removesuffix('.csv')}.csv", **read_csv)


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
