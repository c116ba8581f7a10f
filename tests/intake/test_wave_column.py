"""Long files with a wave column (issue 23, item 3): ``cxresearch ingest FILE --instrument X
--wave-column COL [--wave-period month|quarter|year]`` and ``cx.ingest(..., wave_column=...)``.

Classes, several variants each:

A. Values become waves (years, quarter/month/year of dates in ISO and day-first forms); the
   wave column is not stored; each manifest records where its rows came from.
B. Bad wave values refuse the whole file, nothing written: empty cells, labels that cannot be
   folder names (``CON``, ``../x``, 101 characters), unreadable dates, an unknown column.
C. All or nothing: a bad answer in one wave, an existing wave without ``--replace`` (and
   ``--replace`` replacing all), a failure half-way through the renames.
D. The CLI: usage errors, the summary; end to end in a project made by ``cxresearch init``,
   ``reproduce`` shows the tracking report without a manual split (slow).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import IngestError, WaveExistsError
from cxresearch.intake.longfile import wave_labels
from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    assert cli.main(["init", str(tmp_path / "proj")]) == 0
    proj = tmp_path / "proj"
    shutil.copy(ROOT / "data" / "instruments" / "ecsi_mobi.yaml", proj / "codebooks")
    return proj


def _long(path: Path, n1: int = 100, column: str = "year", values=None, rows: int = 200):
    df = pd.read_csv(MOBI).head(rows)
    if values is None:
        values = ["2023"] * n1 + ["2024"] * (rows - n1)
    df.insert(0, column, values)
    df.to_csv(path, index=False)
    return path


def _waves(project) -> list[str]:
    d = project / "waves" / "ecsi_mobi"
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() \
        else []


# ------------------------------------------------------------------ A. values become waves


def test_years_become_waves(project):
    f = _long(project / "long.csv")
    waves = cx.ingest(f, "ecsi_mobi", wave_column="year", project=project)
    assert [w.label for w in waves] == ["2023", "2024"]
    assert [len(w.data) for w in waves] == [100, 100]
    assert _waves(project) == ["2023", "2024"]
    assert "year" not in waves[0].data.columns
    m = cx.load_wave("ecsi_mobi", "2024", project=project).manifest
    assert m["wave_column"] == "year" and m["waves_in_file"] == ["2023", "2024"]
    assert m["rows_read"] == 100 and m["rows_in_file"] == 200
    # the rows are the file's own, in order
    first = pd.read_csv(MOBI).head(200).iloc[100:]
    got = cx.load_wave("ecsi_mobi", "2024", project=project).data
    assert got["cuex1"].astype(float).tolist() == first["CUEX1"].astype(float).tolist()


@pytest.mark.parametrize("period,values,expected", [
    ("quarter", ["2023-02-10"] * 50 + ["15/05/2023"] * 50 + ["2024-01-03T10:00"] * 100,
     {"2023-Q1": 50, "2023-Q2": 50, "2024-Q1": 100}),
    ("month", ["2023-02-10"] * 50 + ["28.02.2023"] * 50 + ["2023-03"] * 100,
     {"2023-02": 100, "2023-03": 100}),
    ("year", ["2023-12-31 23:59"] * 150 + ["01/01/2024"] * 50, {"2023": 150, "2024": 50}),
])
def test_dates_grouped_by_period(project, period, values, expected):
    f = _long(project / "long.csv", column="date", values=values)
    waves = cx.ingest(f, "ecsi_mobi", wave_column="date", wave_period=period,
                      project=project)
    assert {w.label: len(w.data) for w in waves} == expected
    assert all(w.manifest["wave_period"] == period for w in waves)


def test_wave_labels_unit():
    labels, bad = wave_labels(["2024-02-29", " 2024 ", ""], None)
    assert [b[0] for b in bad] == [0, 2] or [b[0] for b in bad] == [2]
    labels, bad = wave_labels(["2024-02-29", "29/02/2024", "2024-13-01", "soon"], "month")
    assert labels[:2].tolist() == ["2024-02", "2024-02"]
    assert [b[0] for b in bad] == [2, 3]


def test_column_found_ignoring_case(project):
    f = _long(project / "long.csv", column="Year")
    waves = cx.ingest(f, "ecsi_mobi", wave_column="year", project=project, write=False)
    assert [w.label for w in waves] == ["2023", "2024"]
    assert _waves(project) == []          # write=False writes nothing


# ------------------------------------------------------------------ B. bad wave values


@pytest.mark.parametrize("bad", ["", "CON", "../x", "a" * 101, "20\x0124", "lpt1.csv",
                                 "wave 1"])
def test_bad_wave_values_refuse_the_file(project, bad):
    values = ["2023"] * 199 + [bad]
    f = _long(project / "long.csv", values=values)
    with pytest.raises(IngestError) as err:
        cx.ingest(f, "ecsi_mobi", wave_column="year", project=project)
    assert err.value.problems[0]["row"] == 201
    assert _waves(project) == []


@pytest.mark.parametrize("bad", ["31/02/2024", "2024/02/01", "yesterday", "", "2024-00-10"])
def test_unreadable_dates_refuse_the_file(project, bad):
    f = _long(project / "long.csv", column="date", values=["2024-01-01"] * 199 + [bad])
    with pytest.raises(IngestError, match="date"):
        cx.ingest(f, "ecsi_mobi", wave_column="date", wave_period="quarter", project=project)
    assert _waves(project) == []


def test_unknown_column_and_bad_arguments(project):
    f = _long(project / "long.csv")
    with pytest.raises(IngestError, match="no column 'yr'"):
        cx.ingest(f, "ecsi_mobi", wave_column="yr", project=project)
    with pytest.raises(ValueError, match="wave_period"):
        cx.ingest(f, "ecsi_mobi", wave_column="year", wave_period="week", project=project)
    with pytest.raises(ValueError, match="not both"):
        cx.ingest(f, "ecsi_mobi", "2024", wave_column="year", project=project)
    with pytest.raises(TypeError, match="wave_column"):
        cx.ingest(f, "ecsi_mobi", project=project)
    assert _waves(project) == []


# ------------------------------------------------------------------ C. all or nothing


def test_bad_answer_in_one_wave_writes_nothing(project):
    f = project / "long.csv"
    _long(f)
    df = pd.read_csv(f, dtype=str)
    df.loc[150, "CUEX1"] = "eleven"
    df.to_csv(f, index=False)
    with pytest.raises(IngestError) as err:
        cx.ingest(f, "ecsi_mobi", wave_column="year", project=project)
    assert any(p["problem"].startswith("wave 2024:") and p["row"] == 152
               for p in err.value.problems)
    assert _waves(project) == []
    # quarantine keeps the rest of that wave and writes both
    waves = cx.ingest(f, "ecsi_mobi", wave_column="year", project=project,
                      on_error="quarantine")
    assert [len(w.data) for w in waves] == [100, 99]


def test_existing_wave_needs_replace(project):
    f = _long(project / "long.csv")
    one = _long(project / "one.csv", values=["x"] * 200)
    cx.ingest(one, "ecsi_mobi", "2024", project=project)   # a wave 2024 already there
    before = (project / "waves" / "ecsi_mobi" / "2024" / "manifest.json").read_text()
    with pytest.raises(WaveExistsError, match="2024"):
        cx.ingest(f, "ecsi_mobi", wave_column="year", project=project)
    assert _waves(project) == ["2024"]                         # 2023 not written either
    assert (project / "waves" / "ecsi_mobi" / "2024" / "manifest.json").read_text() == before
    waves = cx.ingest(f, "ecsi_mobi", wave_column="year", project=project, replace=True)
    assert _waves(project) == ["2023", "2024"]
    assert cx.load_wave("ecsi_mobi", "2024", project=project).manifest["wave_column"] == "year"
    assert len(waves[1].data) == 100


def test_failure_during_renames_is_undone(project, monkeypatch):
    f = _long(project / "long.csv")
    one = _long(project / "one.csv", values=["x"] * 200)
    cx.ingest(one, "ecsi_mobi", "2023", project=project)
    old = cx.load_wave("ecsi_mobi", "2023", project=project).manifest["source_file"]
    real = os.rename
    calls = {"n": 0}

    def flaky(a, b):
        if ".new-" in str(a):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device", str(b))
        return real(a, b)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OSError):
        cx.ingest(f, "ecsi_mobi", wave_column="year", project=project, replace=True)
    monkeypatch.setattr(os, "rename", real)
    assert _waves(project) == ["2023"]
    assert cx.load_wave("ecsi_mobi", "2023", project=project).manifest["source_file"] == old
    left = [p.name for p in (project / "waves" / "ecsi_mobi").iterdir()
            if p.name.startswith(".")]
    assert left == [], left


# ------------------------------------------------------------------ D. CLI and end to end


def test_cli_usage_and_summary(project, capsys):
    f = _long(project / "long.csv")
    base = ["ingest", str(f), "--instrument", "ecsi_mobi", "--project", str(project)]
    assert cli.main(base) == 2
    assert cli.main([*base, "--wave", "x", "--wave-column", "year"]) == 2
    assert cli.main([*base, "--wave", "x", "--wave-period", "year"]) == 2
    capsys.readouterr()
    assert cli.main([*base, "--wave-column", "year"]) == 0
    out = capsys.readouterr().out
    assert "2 wave(s) from one file, column 'year': 2023, 2024" in out
    assert cli.main([*base, "--wave-column", "year"]) == 1          # exists: no --replace
    err = capsys.readouterr().err
    assert "already exist" in err and "Traceback" not in err
    assert cli.main([*base, "--wave-column", "year", "--replace"]) == 0


@pytest.mark.slow
def test_end_to_end_tracking_without_manual_split(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("CXRESEARCH_DATA", None)

    def run(*argv, cwd):
        out = subprocess.run([sys.executable, "-m", "cxresearch.pipeline.cli", *argv],
                             cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, out.stdout + out.stderr
        return out

    run("init", "proj", cwd=tmp_path)
    proj = tmp_path / "proj"
    shutil.copy(ROOT / "data" / "instruments" / "ecsi_mobi.yaml", proj / "codebooks")
    _long(proj / "feedback.csv", column="date",
          values=["2023-03-01"] * 80 + ["12/06/2023"] * 60 + ["2023-09-30"] * 110, rows=250)
    run("ingest", "feedback.csv", "--instrument", "ecsi_mobi", "--wave-column", "date",
        "--wave-period", "quarter", cwd=proj)
    out = run("reproduce", "--no-progress", "--jobs", "2", cwd=proj)
    assert "12_tracking-ecsi_mobi: ok" in out.stdout, out.stdout
    assert "Example exports:" not in out.stdout
    html = (proj / "reports" / "latest" / "notebooks" / "12_tracking-ecsi_mobi.html")
    text = html.read_text(encoding="utf-8")
    for label in ("2023-Q1", "2023-Q2", "2023-Q3"):
        assert label in text
    assert not list((proj / "reports" / "latest").rglob("*.lock"))


def test_panel_ids_recur_across_waves_but_not_within(tmp_path):
    """A respondent id may recur across waves (a panel), not within one wave."""
    book = tmp_path / "hx.yaml"
    book.write_text("""format_version: 1
study: hx
meta: {title: t, publisher: tests, fieldwork_year: 2024, population: none, source: [tests],
       languages: [en]}
items:
  - {id: rid, type: id, required: true, wording: {en: id}}
  - {id: q, type: numeric, wording: {en: q}}
""", encoding="utf-8")
    f = tmp_path / "panel.csv"
    f.write_text("wave,rid,q\n2023,A,1\n2023,B,2\n2024,A,3\n2024,B,4\n", encoding="utf-8")
    waves = cx.ingest(f, book, wave_column="wave", root=tmp_path / "w")
    assert [len(w.data) for w in waves] == [2, 2]
    f.write_text("wave,rid,q\n2023,A,1\n2023,A,2\n2024,A,3\n", encoding="utf-8")
    with pytest.raises(IngestError, match="wave 2023: respondent id 'A' appears more"):
        cx.ingest(f, book, wave_column="wave", root=tmp_path / "w2")
    assert not (tmp_path / "w2" / "hx").exists() or not any((tmp_path / "w2" / "hx").iterdir())
