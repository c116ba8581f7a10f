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


def fake_wave(data, instrument, manifest=None, design=None, synthetic=None):
    """A :class:`cxresearch.Wave` around a stand-in codebook (any object with the attributes a
    test needs), without the codebook resolution of ``Wave.__init__``."""
    from cxresearch.waves.storage import Wave

    w = Wave.__new__(Wave)
    w.data = data
    w.instrument = instrument
    w.manifest = dict(manifest or {})
    if synthetic is not None:
        w.manifest["synthetic"] = synthetic
    w.quarantine = None
    if design is not None:
        w.design = design
    return w
