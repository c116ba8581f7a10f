"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest


@pytest.fixture
def data(tmp_path, monkeypatch):
    """An empty data root (with ``waves/``) that ``CXRESEARCH_DATA`` points at, so tests
    never write into the repository's ``data/``."""
    root = tmp_path / "data"
    (root / "waves").mkdir(parents=True)
    monkeypatch.setenv("CXRESEARCH_DATA", str(root))
    return root
