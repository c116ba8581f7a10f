"""Batch-wise ingest of large Parquet exports (issue 25, item 4): record batches through the
same loop as CSV streaming give the wave, manifest, problems and quarantine of the whole-file
ingest. Tiny batches (``PARQUET_BATCH_ROWS``) and a zero size threshold force the batch route.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError
from cxresearch.intake import batches, readers, streaming
from cxresearch.waves.storage import StreamedWave

CODEBOOK = """format_version: 1
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
  - {id: ok, type: single, levels: [{code: 1, value: "yes", labels: {en: "Yes"}},
                                    {code: 2, value: "no", labels: {en: "No"}}], wording: {en: ok}}
  - {id: note, type: text, wording: {en: note}}
"""


@pytest.fixture
def hx(tmp_path):
    book = tmp_path / "hx.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return book


def _frame(n, bad=()):
    i = np.arange(n)
    q1 = (1 + i % 3).astype(float)
    q1[list(bad)] = 7
    q2 = (i % 50).astype(float)
    q2[i % 11 == 0] = np.nan                  # NaN in a float column: missing
    return pd.DataFrame({"rid": [f"R{k}" for k in i], "q1": q1, "q2": q2,
                         "ok": pd.Categorical(np.where(i % 2 == 0, "Yes", "No")),
                         "note": np.where(i % 7 == 0, "", "a note")})


def _both(monkeypatch, tmp_path, path, study, **kw):
    out = []
    for route in ("whole", "streamed"):
        big = 0 if route == "streamed" else 1 << 60
        monkeypatch.setattr(streaming, "STREAM_MIN_BYTES", big)
        monkeypatch.setattr("cxresearch.intake.ingestion.STREAM_MIN_BYTES", big)
        monkeypatch.setattr(batches, "PARQUET_BATCH_ROWS", 37)
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


def _same(whole, streamed, *, batched=True):
    assert whole[0] == streamed[0], (whole[1], streamed[1])
    assert whole[3] == streamed[3]
    if whole[0] == "error":
        assert whole[1] == streamed[1]
        assert not list(streamed[2].rglob("*.parquet"))
        return
    if batched:
        assert isinstance(streamed[1], StreamedWave)
        assert streamed[1].manifest["reading"]["read"] == "in batches"
    a = cx.load_wave(whole[1].instrument, "w1", root=whole[2])
    b = cx.load_wave(streamed[1].instrument, "w1", root=streamed[2])
    pd.testing.assert_frame_equal(a.data, b.data)
    ma, mb = dict(a.manifest), dict(b.manifest)
    for m in (ma, mb):
        for key in ("created", "files", "package_version"):
            m.pop(key, None)
        m["reading"] = {k: v for k, v in m["reading"].items() if k != "read"}
    assert ma == mb
    if a.quarantine is not None or b.quarantine is not None:
        pd.testing.assert_frame_equal(a.quarantine, b.quarantine)
    assert not [p for p in streamed[2].rglob(".*") if p.is_dir() and p.name != ".locks"]


def test_clean_parquet(monkeypatch, tmp_path, hx):
    f = tmp_path / "x.parquet"
    _frame(500).to_parquet(f, index=False)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx)
    _same(whole, streamed)
    assert streamed[1].manifest["rows_kept"] == 500


@pytest.mark.parametrize("on_error", ["quarantine", "fail"])
def test_rejected_rows_in_several_batches(monkeypatch, tmp_path, hx, on_error):
    f = tmp_path / "x.parquet"
    _frame(400, bad={3, 200, 399}).to_parquet(f, index=False)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error=on_error)
    _same(whole, streamed)
    if on_error == "fail":
        assert [p["row"] for p in streamed[1]] == [5, 202, 401]


@pytest.mark.parametrize("variant", ["strings", "dictionary", "int_codes", "bools", "inf",
                                     "row_groups"])
def test_column_types(monkeypatch, tmp_path, hx, variant):
    df = _frame(300)
    f = tmp_path / "x.parquet"
    if variant == "strings":
        df = df.astype(str).replace({"nan": ""})
    elif variant == "int_codes":
        df["q1"] = df["q1"].astype("int64")
    elif variant == "bools":   # a boolean where a single belongs: refused the same way
        df["ok"] = df.index % 2 == 0
    elif variant == "inf":
        df.loc[100, "q2"] = np.inf
    table = pa.Table.from_pandas(df, preserve_index=False)
    if variant == "dictionary":
        table = table.set_column(table.schema.get_field_index("note"), "note",
                                 pa.compute.dictionary_encode(table["note"]))
    pq.write_table(table, f, row_group_size=50 if variant == "row_groups" else None)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error="quarantine")
    _same(whole, streamed)


def test_blank_rows_and_pii(monkeypatch, tmp_path, hx):
    df = _frame(200).astype(str).replace({"nan": ""})
    df.loc[50] = [""] * 5
    df.loc[120, "note"] = "mail me: someone@example.org"
    f = tmp_path / "x.parquet"
    df.to_parquet(f, index=False)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error="quarantine")
    _same(whole, streamed)
    assert streamed[1].manifest["reading"]["blank_rows_skipped"] == 1


def test_missing_required_column(monkeypatch, tmp_path, hx):
    f = tmp_path / "x.parquet"
    _frame(100).drop(columns=["rid"]).to_parquet(f, index=False)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx)
    _same(whole, streamed)
    assert whole[0] == "error"


@pytest.mark.parametrize("case", ["id_across_batches", "empty"])
def test_cases_for_the_whole_file_reader(monkeypatch, tmp_path, hx, case):
    df = _frame(300)
    if case == "id_across_batches":
        df.loc[250, "rid"] = "R5"
    else:
        df = df.iloc[:0]
    f = tmp_path / "x.parquet"
    df.to_parquet(f, index=False)
    whole, streamed = _both(monkeypatch, tmp_path, f, hx, on_error="quarantine")
    _same(whole, streamed, batched=False)


def test_batches_match_the_whole_reader(tmp_path):
    f = tmp_path / "x.parquet"
    _frame(250).to_parquet(f, index=False)
    got = list(batches.iter_parquet_batches(f, batch_rows=40))
    whole = readers.read_export(f)
    assert len(got) == 7 and got[0].headers == whole.headers
    assert [int(r) for b in got for r in b.rows] == list(whole.rows)
    for k in range(len(whole.headers)):
        joined = pa.concat_arrays([b.columns[k] for b in got])
        assert joined.to_pylist() == whole.columns[k].to_pylist()


def test_not_parquet_is_not_streamable(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_bytes(b"PAR1 not really")
    with pytest.raises(readers.NotStreamable):
        next(batches.iter_parquet_batches(f))
