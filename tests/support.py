"""Helpers shared by test modules in several folders (``pythonpath = ["tests"]`` in
pyproject.toml puts this folder on the path; a ``conftest`` module cannot be imported by name
once sub-folders have their own)."""

from __future__ import annotations


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
