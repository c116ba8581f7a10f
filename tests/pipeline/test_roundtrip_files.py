"""Structured files the tool writes are written by their serializers (issue 24, item 2): with
hostile file names, headers, values and parameters, ``manifest.json``, ``quarantine.csv``,
``run.json``, the run's ``.incomplete`` marker and ``cxresearch.toml`` read back exactly."""

from __future__ import annotations

import csv
import json
import tomllib
import warnings
from pathlib import Path

import pytest

import cxresearch as cx
from cxresearch.pipeline import cli
from cxresearch.pipeline import run as pipeline
from cxresearch.pipeline.faults import INCOMPLETE

HOSTILE = ['a"b', "back\\slash\\", "nl\nx", "tab\tx", "}{[]", "'; DROP", "=1+2", "é😀",
           '"},\n"wave": "pwned"']


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
  - {id: rid, type: id, wording: {en: id}}
  - {id: q1, type: likert, scale: three, wording: {en: q1}}
  - {id: note, type: text, wording: {en: note}}
""", encoding="utf-8")
    return book


@pytest.mark.parametrize("name", [h for h in HOSTILE if "\n" not in h and "\t" not in h])
def test_manifest_and_quarantine_round_trip(tmp_path, hx, name):
    f = tmp_path / f"export {name.replace('/', '_')}.csv"
    rows = [["rid", "q1", "note"], ["R1", "1", name], ["R2", "9", name], ["R3", "2", ""]]
    with open(f, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cx.ingest(f, hx, "w1", root=tmp_path / "w", on_error="quarantine")
    m = json.loads((w.path / "manifest.json").read_text(encoding="utf-8"))
    assert m["source_file"] == f.name and m["wave"] == "w1" and m["study"] == "hx"
    with open(w.path / "quarantine.csv", encoding="utf-8", newline="") as fh:
        q = list(csv.DictReader(fh))
    assert len(q) == 1 and q[0]["rid"] == "R2"


def test_run_json_and_marker_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    assert cli.main(["init", str(tmp_path / "p")]) == 0
    seen = {}

    def stop(run_data, *a, **k):
        seen["marker"] = json.loads((run_data.parent / INCOMPLETE).read_text())
        raise RuntimeError('half "way"\n{"ok": true}')

    monkeypatch.setattr(pipeline, "_prepare_data", stop)
    assert cli.main(["reproduce", "--no-progress", "--project", str(tmp_path / "p")]) == 4
    [run] = [d for d in (tmp_path / "p" / "reports").iterdir() if d.is_dir()]
    info = json.loads((run / "run.json").read_text())
    assert info["ok"] is False and info["error"] == 'RuntimeError: half "way"\n{"ok": true}'
    assert set(seen["marker"]) == {"pid", "host", "started"}


@pytest.mark.parametrize("name", HOSTILE[:3] + HOSTILE[4:])
def test_toml_round_trip(tmp_path, name):
    root = tmp_path / "p"
    code = cli.main(["init", str(root), f"--name={name}"])
    if not name.isprintable():
        assert code == 1
        return
    assert code == 0
    conf = tomllib.loads((root / "cxresearch.toml").read_text(encoding="utf-8"))
    assert conf["project"]["name"] == name and set(conf) == {"project", "report", "reproduce"}
    assert Path(root / "README.md").is_file()
