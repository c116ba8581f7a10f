"""Batch-wise ingest of large CSVs (issue 24, item 6): the same wave, manifest and problems as
the whole-file ingest, block by block; what a block cannot decide goes back to the whole-file
reader before anything is written.

The tests force tiny blocks (``BLOCK_BYTES``) and a zero size threshold, and compare both
routes on the same files: clean, Qualtrics, rejected rows (quarantine and fail), PII-looking
values, blank lines, a record with the wrong number of fields, ids repeated across blocks,
missing required columns, and a record longer than a block.
"""

from __future__ import annotations

import csv
import io
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError
from cxresearch.intake import csvbatches, readers, streaming
from cxresearch.waves.storage import StreamedWave

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"
QUALTRICS = ROOT / "data" / "examples" / "mitto_cx" / "mitto_cx_qualtrics.csv"


def _both(monkeypatch, tmp_path, path, study, **kw):
    """(whole-file result, streamed result): waves, or the IngestError problems."""
    out = []
    for route in ("whole", "streamed"):
        monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 0 if route == "streamed" else 1 << 60)
        monkeypatch.setattr("cxresearch.intake.ingestion.STREAM_MIN_BYTES",
                            0 if route == "streamed" else 1 << 60)
        monkeypatch.setattr(streaming, "BLOCK_BYTES", 2048)
        root = tmp_path / route
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                w = cx.ingest(path, study, "w1", root=root, **kw)
                out.append(("wave", w, root, sorted(str(c.message) for c in caught)))
            except IngestError as exc:
                out.append(("error", exc.problems, root, sorted(str(c.message)
                                                                  for c in caught)))
    return out


def _same(whole, streamed, *, streamed_route=True):
    assert whole[0] == streamed[0], (whole[1], streamed[1])
    assert whole[3] == streamed[3]                         # the same warnings
    if whole[0] == "error":
        assert whole[1] == streamed[1]
        assert not (streamed[2] / "hx").exists() or not any((streamed[2]).rglob("*.parquet"))
        return
    ww, sw = whole[1], streamed[1]
    if streamed_route:
        assert isinstance(sw, StreamedWave) and sw.manifest["reading"]["read"] == "in batches"
    a = cx.load_wave(ww.instrument, "w1", root=whole[2])
    b = cx.load_wave(sw.instrument, "w1", root=streamed[2])
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(sw.data, a.data)          # the lazily read answers
    ma, mb = dict(a.manifest), dict(b.manifest)
    for m in (ma, mb):
        for key in ("created", "files", "package_version"):
            m.pop(key, None)
        m["reading"] = {k: v for k, v in m["reading"].items() if k != "read"}
    assert ma == mb
    qa, qb = a.quarantine, b.quarantine
    assert (qa is None) == (qb is None)
    if qa is not None:
        pd.testing.assert_frame_equal(qa, qb)
    assert not [p for p in streamed[2].rglob(".*") if p.is_dir() and p.name != ".locks"]


def test_clean_file(monkeypatch, tmp_path):
    whole, streamed = _both(monkeypatch, tmp_path, MOBI, "ecsi_mobi")
    _same(whole, streamed)
    assert streamed[1].manifest["rows_kept"] == 250


def test_qualtrics_export(monkeypatch, tmp_path):
    whole, streamed = _both(monkeypatch, tmp_path, QUALTRICS, "mitto_cx")
    _same(whole, streamed)


@pytest.fixture
def hx(tmp_path):
    book = tmp_path / "hx.yaml"
    book.write_text("""format_version: 1
study: hx
meta: {title: t, publisher: tests, fieldwork_year: 2024, population: none, source: [tests],
       languages: [en]}
scales:
  three: {ordered: true, levels: [{code: 1, value: a, labels: {en: one}},
                                  {code: 2, value: b, labels: {en: two}},
                                  {code: 3, value: c, labels: {en: three}}]}
items:
  - {id: rid, type: id, required: true, wording: {en: id}}
  - {id: q1, type: likert, scale: three, wording: {en: q1}}
  - {id: q2, type: numeric, wording: {en: q2}}
  - {id: note, type: text, wording: {en: note}}
""", encoding="utf-8")
    return book


def _csv(path, rows, header=("rid", "q1", "q2", "note")):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _rows(n, bad=()):
    out = []
    for i in range(n):
        q1 = "7" if i in bad else str(1 + i % 3)
        out.append([f"R{i}", q1, str(i % 50), "a note" if i % 7 else ""])
    return out


@pytest.mark.parametrize("on_error", ["quarantine", "fail"])
def test_rejected_rows_in_several_blocks(monkeypatch, tmp_path, hx, on_error):
    f = _csv(tmp_path / "x.csv", _rows(900, bad={3, 450, 899}))
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error=on_error)
    _same(whole, streamed)
    if on_error == "fail":
        assert [p["row"] for p in streamed[1]] == [5, 452, 901]


def test_pii_values_and_blank_lines(monkeypatch, tmp_path, hx):
    rows = _rows(600)
    rows[10][3] = "write to someone@example.org"
    rows[500][3] = "from 192.168.1.20"
    f = _csv(tmp_path / "x.csv", rows)
    text = f.read_text().replace("\nR300,", "\n,,,\n\nR300,")
    f.write_text(text)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error="quarantine")
    _same(whole, streamed)


def test_missing_required_column(monkeypatch, tmp_path, hx):
    f = _csv(tmp_path / "x.csv", [[str(i % 3 + 1), "1", ""] for i in range(500)],
             header=("q1", "q2", "note"))
    whole, streamed = _both(monkeypatch, tmp_path, f, hx)
    _same(whole, streamed)
    assert whole[0] == "error"


@pytest.mark.parametrize("case", ["wrong_fields", "id_across_blocks", "long_record"])
def test_cases_for_the_whole_file_reader(monkeypatch, tmp_path, hx, case):
    rows = _rows(800)
    if case == "wrong_fields":
        rows[600] = rows[600] + ["extra"]
    elif case == "id_across_blocks":
        rows[700][0] = "R5"
    else:
        rows[400][3] = "x" * 20_000         # far longer than the 2 KiB block
    f = _csv(tmp_path / "x.csv", rows)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error="quarantine")
    _same(whole, streamed, streamed_route=False)
    if whole[0] == "wave":
        assert streamed[1].manifest["reading"].get("read") != "in batches"
        assert whole[1].manifest["rows_rejected"] >= 1 or case == "long_record"


def test_no_stream_folder_left_on_error(monkeypatch, tmp_path, hx):
    f = _csv(tmp_path / "x.csv", _rows(500, bad={100}))
    monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr("cxresearch.intake.ingestion.STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(streaming, "BLOCK_BYTES", 2048)
    with pytest.raises(IngestError):
        cx.ingest(f, hx, "w1", root=tmp_path / "w")
    left = [p.name for p in (tmp_path / "w" / "hx").iterdir()]
    assert left == [], left


def test_iter_csv_batches_row_numbers(tmp_path):
    f = _csv(tmp_path / "x.csv", _rows(1000))
    batches = list(csvbatches.iter_csv_batches(f, block_size=4096))
    assert len(batches) > 3
    rows = [int(r) for b in batches for r in b.rows]
    assert rows == list(range(2, 1002))
    whole = readers.read_export(f)
    assert [h for h in batches[0].headers] == whole.headers


def test_stale_stream_folder_is_recovered(tmp_path, hx):
    """A killed batch-wise ingest leaves ``.<wave>.stream-<pid>-*``: removed once its process
    is gone, kept while it runs."""
    from cxresearch.waves.storage import recover_wave

    d = tmp_path / "w" / "hx"
    dead = d / ".w1.stream-999999999-abc"
    dead.mkdir(parents=True)
    import os

    alive = d / f".w1.stream-{os.getpid()}-xyz"
    alive.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        recover_wave("hx", "w1", tmp_path / "w")
    assert not dead.exists() and alive.exists()
    shutil.rmtree(alive)


@pytest.mark.parametrize("size_mb", [17, 40])
def test_record_longer_than_arrows_block(tmp_path, hx, size_mb):
    """A 40 MB answer used to fail with Arrow's "straddling object ... increase block size?":
    read in one block instead (the 10 MB free-text answer of issue 24)."""
    rows = _rows(20)
    rows[10][3] = "y" * (size_mb << 20)
    f = _csv(tmp_path / "x.csv", rows)
    raw = readers.read_export(f)
    assert raw.n == 20 and len(raw.columns[3][10].as_py()) == size_mb << 20
