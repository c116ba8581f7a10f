"""A folder of daily exports ingested as one wave (issue 25, item 4): each file a partition,
all or nothing, every problem of every file reported at once with its file name, ids unique
across files; on the command line too.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError
from cxresearch.pipeline import cli

CODEBOOK = """format_version: 1
study: fx
meta: {title: t, publisher: tests, fieldwork_year: 2024, population: none, source: [tests],
       languages: [en]}
items:
  - {id: rid, type: id, required: true, wording: {en: id}}
  - {id: sat, type: rating, scale_min: 1, scale_max: 5, required: true, wording: {en: sat}}
  - {id: channel, type: single, levels: [{code: 1, value: phone, labels: {en: Phone}},
                                         {code: 2, value: chat, labels: {en: Chat}}],
     wording: {en: channel}}
  - {id: email, type: text, pii: true, aliases: [Email], wording: {en: e-mail}}
"""


@pytest.fixture
def fx(tmp_path):
    book = tmp_path / "fx.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return book


def _day(folder, day, n=40, bad=(), start=0, kind="csv", header=("rid", "sat", "channel")):
    rows = [[f"{day}-{start + i}", "9" if i in bad else str(1 + i % 5),
             "Phone" if i % 2 else "Chat"] for i in range(n)]
    path = folder / f"2026-11-{day:02d}.{kind}"
    if kind == "parquet":
        pd.DataFrame(rows, columns=list(header)).to_parquet(path, index=False)
    else:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def days(tmp_path):
    folder = tmp_path / "2026-11"
    folder.mkdir()
    for d in (1, 2, 3):
        _day(folder, d)
    _day(folder, 4, kind="parquet")
    (folder / ".hidden.csv").write_text("junk")
    (folder / "notes.md").write_text("not an export")
    (folder / "sub").mkdir()
    return folder


def test_folder_is_one_wave(days, fx, tmp_path):
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    m = w.manifest
    assert [f["file"] for f in m["source_files"]] == [
        "2026-11-01.csv", "2026-11-02.csv", "2026-11-03.csv", "2026-11-04.parquet"]
    assert all(f["rows_read"] == f["rows_kept"] == 40 for f in m["source_files"])
    assert m["rows_kept"] == 160 and m["source_file"] == "2026-11"
    parts = sorted(p.name for p in (w.path / "responses").iterdir())
    assert len(parts) == 4                      # a part file per export
    back = cx.load_wave(fx, "2026-11", root=tmp_path / "r")
    one = pd.concat([cx.ingest(p, fx, f"d{k}", write=False).data
                     for k, p in enumerate(sorted(days.glob("2026-11-*")))],
                    ignore_index=True)
    pd.testing.assert_frame_equal(back.data, one)
    eng = cx.load_wave(fx, "2026-11", root=tmp_path / "r", engine=True)
    assert eng.n_rows == 160


def test_every_problem_of_every_file_at_once(days, fx, tmp_path):
    _day(days, 2, bad={3, 7})
    _day(days, 3, header=("rid", "channel"))          # a required column missing
    (days / "2026-11-05.csv").write_bytes(b"")          # an empty file
    with pytest.raises(IngestError) as err:
        cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    files = [(p.get("file"), p.get("row"), p.get("kind")) for p in err.value.problems]
    assert ("2026-11-02.csv", 5, "not_in_scale") in files or \
        any(f == "2026-11-02.csv" and r == 5 for f, r, _ in files)
    assert any(f == "2026-11-02.csv" and r == 9 for f, r, _ in files)
    assert any(f == "2026-11-03.csv" and k == "missing_required_item" for f, _, k in files)
    assert any(f == "2026-11-05.csv" for f, _, _ in files)
    assert "2026-11-02.csv, row 5" in str(err.value)
    assert not (tmp_path / "r" / "fx" / "2026-11").exists()
    assert [p.name for p in (tmp_path / "r" / "fx").iterdir()] == []


def test_quarantine_names_the_file(days, fx, tmp_path):
    _day(days, 2, bad={3})
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r", on_error="quarantine")
    assert w.manifest["rows_rejected"] == 1
    q = pd.read_csv(w.path / "quarantine.csv", dtype=str)
    assert list(q["_source_file"]) == ["2026-11-02.csv"] and list(q["_source_row"]) == ["5"]


def test_ids_repeated_across_files(days, fx, tmp_path):
    _day(days, 3, start=0, n=40)
    f = days / "2026-11-03.csv"
    f.write_text(f.read_text().replace("3-5,", "1-5,").replace("3-6,", "1-6,"))
    with pytest.raises(IngestError, match="2 respondent id"):
        cx.ingest(days, fx, "2026-11", root=tmp_path / "r")


def test_pii_column_dropped_in_every_file(days, fx, tmp_path):
    df = pd.read_csv(days / "2026-11-01.csv", dtype=str)
    df["Email"] = "someone@example.org"
    df.to_csv(days / "2026-11-01.csv", index=False)
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    assert "email" not in w.data.columns
    assert "someone" not in (w.path / "manifest.json").read_text()


def test_unstreamable_csv_falls_back_to_the_whole_reader(days, fx, tmp_path, monkeypatch):
    from cxresearch.intake import streaming

    monkeypatch.setattr(streaming, "BLOCK_BYTES", 256)
    f = _day(days, 2, n=200)
    lines = f.read_text().splitlines()
    lines[150] += ",extra"                         # wrong number of fields, far in the file
    f.write_text("\n".join(lines) + "\n")
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r", on_error="quarantine")
    assert w.manifest["rows_rejected"] == 1
    assert w.manifest["rows_kept"] == 40 * 3 + 199


def test_replace_to_add_a_day(days, fx, tmp_path):
    cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    _day(days, 5)
    with pytest.raises(cx.waves.storage.WaveExistsError):
        cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r", replace=True)
    assert w.manifest["rows_kept"] == 200 and len(w.manifest["source_files"]) == 5


def test_refusals(tmp_path, fx):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no export file"):
        cx.ingest(empty, fx, "w1", root=tmp_path / "r")
    with pytest.raises(ValueError, match="write=False"):
        cx.ingest(empty, fx, "w1", root=tmp_path / "r", write=False)


def test_cli(days, fx, tmp_path, capsys, monkeypatch):
    data = tmp_path / "data"
    (data / "waves").mkdir(parents=True)
    monkeypatch.setenv("CXRESEARCH_DATA", str(data))
    code = cli.main(["ingest", str(days), "--instrument", str(fx), "--wave", "2026-11"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "160 kept" in out.out and "4 file(s)" in out.out
    m = json.loads((data / "waves" / "fx" / "2026-11" / "manifest.json").read_text())
    assert len(m["source_files"]) == 4
    _day(days, 2, bad={0})
    code = cli.main(["ingest", str(days), "--instrument", str(fx), "--wave", "2026-12"])
    err = capsys.readouterr().err
    assert code == 1 and "2026-11-02.csv, row 2" in err
    assert np.all([not p.name.startswith(".") or p.name == ".locks"
                   for p in (data / "waves" / "fx").iterdir()])


def test_mixed_formats_and_column_orders(days, fx, tmp_path):
    df = pd.read_csv(days / "2026-11-02.csv", dtype=str)
    df[["channel", "sat", "rid"]].to_csv(days / "2026-11-02.csv", index=False)
    x = pd.read_csv(days / "2026-11-03.csv", dtype=str)
    (days / "2026-11-03.csv").unlink()
    x.to_excel(days / "2026-11-03.xlsx", index=False)
    w = cx.ingest(days, fx, "2026-11", root=tmp_path / "r")
    formats = [f["format"] for f in w.manifest["source_files"]]
    assert formats == ["csv", "csv", "xlsx", "parquet"]
    assert w.manifest["rows_kept"] == 160
    back = cx.load_wave(fx, "2026-11", root=tmp_path / "r")
    assert list(back.data.columns) == ["rid", "sat", "channel"]
    assert back.data["rid"].is_unique
