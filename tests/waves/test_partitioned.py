"""Waves stored as part files (responses/part-NNNNN.parquet) and stored waves opened in the
engine (``load_wave(..., engine=True)``), issue 25 item 4.

A streamed ingest with a small ``PART_ROWS`` writes several parts; the wave read back equals
the whole-file ingest, every part is checked against its sha256, and the engine route gives
the in-memory route's estimates.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import CodebookChangedWarning, WaveRecoveredWarning
from cxresearch.intake import batches, streaming
from cxresearch.waves.engine import EngineWave
from cxresearch.waves.folders import _complete, response_files
from cxresearch.waves.storage import load_wave, write_wave

CODEBOOK = """format_version: 1
study: px
meta: {title: t, publisher: tests, fieldwork_year: 2024, population: none, source: [tests],
       languages: [en]}
items:
  - {id: rid, type: id, required: true, wording: {en: id}}
  - {id: sat, type: rating, scale_min: 1, scale_max: 5, wording: {en: sat}}
  - {id: rec, type: nps_0_10, wording: {en: rec}}
  - {id: region, type: single, levels: [{code: 1, value: north, labels: {en: North}},
                                        {code: 2, value: south, labels: {en: South}}],
     wording: {en: region}}
  - {id: w, type: weight, wording: {en: weight}}
"""


@pytest.fixture
def px(tmp_path):
    book = tmp_path / "px.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return book


def _export(path, n=1000, seed=0):
    rng = np.random.default_rng(seed)
    pd.DataFrame({"rid": [f"R{seed}-{i}" for i in range(n)],
                  "sat": rng.integers(1, 6, n), "rec": rng.integers(0, 11, n),
                  "region": rng.choice(["North", "South"], n),
                  "w": np.round(rng.gamma(4, 0.25, n), 3)}).to_parquet(path, index=False)
    return path


def _ingest_parts(monkeypatch, path, px, root, part_rows=300):
    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr("cxresearch.intake.ingestion.STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(streaming, "PART_ROWS", part_rows)
    monkeypatch.setattr(batches, "PARQUET_BATCH_ROWS", 100)
    return cx.ingest(path, px, "w1", root=root)


def test_parts_written_and_read_back(monkeypatch, tmp_path, px):
    f = _export(tmp_path / "x.parquet")
    w = _ingest_parts(monkeypatch, f, px, tmp_path / "parts")
    folder = w.path
    assert not (folder / "responses.parquet").exists()
    parts = sorted(p.name for p in (folder / "responses").iterdir())
    assert parts == [f"part-{k:05d}.parquet" for k in range(4)]   # 1000 rows by 300
    m = json.loads((folder / "manifest.json").read_text())
    assert sorted(m["files"]) == [f"responses/{p}" for p in parts]
    assert _complete(folder)
    monkeypatch.setattr("cxresearch.intake.ingestion.STREAM_MIN_BYTES", 1 << 60)
    whole = cx.ingest(f, px, "w1", root=tmp_path / "whole")
    a = load_wave(px, "w1", root=tmp_path / "whole")
    b = load_wave(px, "w1", root=tmp_path / "parts")
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(w.data, a.data)        # the streamed wave, read lazily
    assert (whole.path / "responses.parquet").exists()
    assert response_files(b.path, b.manifest) == [folder / "responses" / p for p in parts]


def test_one_part_keeps_the_single_file_layout(monkeypatch, tmp_path, px):
    w = _ingest_parts(monkeypatch, _export(tmp_path / "x.parquet", 200), px, tmp_path / "r")
    assert (w.path / "responses.parquet").is_file() and not (w.path / "responses").exists()


@pytest.mark.parametrize("damage", ["changed", "removed", "truncated"])
def test_every_part_is_checked(monkeypatch, tmp_path, px, damage):
    w = _ingest_parts(monkeypatch, _export(tmp_path / "x.parquet"), px, tmp_path / "r")
    part = w.path / "responses" / "part-00002.parquet"
    if damage == "changed":
        df = pd.read_parquet(part)
        df.loc[0, "sat"] = 5 if df.loc[0, "sat"] != 5 else 4
        df.to_parquet(part, index=False)
    elif damage == "removed":
        part.unlink()
    else:
        part.write_bytes(part.read_bytes()[:100])
    for engine in (False, True):
        with pytest.raises(ValueError, match="sha256"):
            load_wave(px, "w1", root=tmp_path / "r", engine=engine)


def test_engine_wave_from_storage(monkeypatch, tmp_path, px):
    _ingest_parts(monkeypatch, _export(tmp_path / "x.parquet"), px, tmp_path / "r")
    mem = load_wave(px, "w1", root=tmp_path / "r")
    eng = load_wave(px, "w1", root=tmp_path / "r", engine=True)
    assert isinstance(eng, EngineWave) and eng.path == mem.path
    assert eng.n_rows == 1000 and eng.manifest["rows_kept"] == 1000
    with pytest.raises(TypeError, match="engine"):
        _ = eng.data
    for fn, args in ((cx.mean, ("sat",)), (cx.nps, ("rec",)), (cx.proportion, ("region",))):
        a, b = fn(mem, *args), fn(eng, *args)
        np.testing.assert_allclose(b["estimate"].to_numpy(float),
                                   a["estimate"].to_numpy(float), rtol=1e-12)
        np.testing.assert_allclose(b["se"].to_numpy(float), a["se"].to_numpy(float),
                                   rtol=1e-10)
    with pytest.raises(TypeError, match="engine must be"):
        load_wave(px, "w1", root=tmp_path / "r", engine="yes")


def test_engine_wave_of_a_single_file_wave_and_codebook_change(tmp_path, px):
    f = _export(tmp_path / "x.parquet", 150)
    cx.ingest(f, px, "w1", root=tmp_path / "r")
    eng = load_wave(px, "w1", root=tmp_path / "r", engine=True)
    assert eng.n_rows == 150
    px.write_text(CODEBOOK.replace("wording: {en: sat}", "wording: {en: satisfaction}"),
                  encoding="utf-8")
    with pytest.warns(CodebookChangedWarning):
        load_wave(px, "w1", root=tmp_path / "r", engine=True)


def test_interrupted_replacement_with_parts_recovers(monkeypatch, tmp_path, px):
    """Killed between the two renames of a replace: the complete new (partitioned) wave
    wins, as for a single-file wave."""
    root = tmp_path / "r"
    cx.ingest(_export(tmp_path / "x.parquet", 120), px, "w1", root=root)
    w = _ingest_parts(monkeypatch, _export(tmp_path / "y.parquet", 1000, seed=1), px,
                      tmp_path / "r2")
    study = root / "px"
    old = study / ".w1.old-k1ll3d"
    old.mkdir()
    os.replace(study / "w1", old / "wave")
    shutil.copytree(w.path, study / ".w1.new-k1ll3d")
    with pytest.warns(WaveRecoveredWarning, match="completed an interrupted replacement"):
        back = load_wave(px, "w1", root=root)
    assert len(back.data) == 1000
    assert sorted(p.name for p in study.iterdir()) == ["w1"]


def test_incomplete_partitioned_new_wave_loses(monkeypatch, tmp_path, px):
    root = tmp_path / "r"
    cx.ingest(_export(tmp_path / "x.parquet", 120), px, "w1", root=root)
    w = _ingest_parts(monkeypatch, _export(tmp_path / "y.parquet", 1000, seed=1), px,
                      tmp_path / "r2")
    study = root / "px"
    old = study / ".w1.old-k1ll3d"
    old.mkdir()
    os.replace(study / "w1", old / "wave")
    shutil.copytree(w.path, study / ".w1.new-k1ll3d")
    (study / ".w1.new-k1ll3d" / "responses" / "part-00003.parquet").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WaveRecoveredWarning)
        back = load_wave(px, "w1", root=root)
    assert len(back.data) == 120


def test_write_wave_of_a_plain_wave_is_unchanged(tmp_path, px):
    df = pd.DataFrame({"rid": ["a", "b"], "sat": [1, 2], "rec": [3, 4],
                       "region": ["north", "south"], "w": [1.0, 2.0]})
    inst = cx.load_instrument(px)
    w = cx.Wave(inst.apply_dtypes(df), inst, {"wave": "w1"})
    path = write_wave(w, root=tmp_path / "r")
    assert sorted(p.name for p in path.iterdir()) == ["manifest.json", "responses.parquet"]
