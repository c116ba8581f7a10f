"""``cxresearch ingest`` without ``--wave`` or ``--wave-column`` takes the wave column the
codebook names (``meta.wave_column``, which ``codebook draft`` proposes for a year, date or
wave-like column) — and says so on stdout.

Variants: the draft's own proposal (a mapping with ``assumed``), a plain name, a mapping with a
``period`` for dates, ``--wave-period`` overriding it, ``--wave`` overriding the codebook (one
wave), a codebook naming none (usage error naming the key), a codebook naming a column the file
lacks (bad input, one line), and the API helper on names, paths and broken codebooks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxresearch.intake.ingestion import codebook_wave_column
from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    assert cli.main(["init", str(tmp_path / "proj")]) == 0
    return tmp_path / "proj"


def _long(path: Path, column="year", values=None, rows=200) -> Path:
    df = pd.read_csv(MOBI).head(rows)
    df.insert(0, column, values or ["2023"] * (rows // 2) + ["2024"] * (rows - rows // 2))
    df.to_csv(path, index=False)
    return path


def _mobi_with(project, wave_column) -> Path:
    doc = yaml.safe_load((ROOT / "data" / "instruments" / "ecsi_mobi.yaml").read_text("utf-8"))
    if wave_column is not None:
        doc["meta"]["wave_column"] = wave_column
    dst = project / "codebooks" / "ecsi_mobi.yaml"
    dst.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dst


def _waves(project, study="ecsi_mobi") -> list[str]:
    d = project / "waves" / study
    return sorted(p.name for p in d.iterdir() if not p.name.startswith(".")) if d.is_dir() \
        else []


def _ingest(project, f, *extra, instrument="ecsi_mobi"):
    return cli.main(["ingest", str(f), "--instrument", instrument, "--project", str(project),
                     *extra])


def test_the_drafted_proposal_is_used(project, capsys):
    f = _long(project / "long.csv")
    assert cli.main(["codebook", "draft", str(f), "--study", "mb", "--project",
                     str(project)]) == 0
    doc = yaml.safe_load((project / "codebooks" / "mb.yaml").read_text(encoding="utf-8"))
    assert doc["meta"]["wave_column"]["column"] == "year"
    capsys.readouterr()
    assert _ingest(project, f, instrument="mb") == 0
    out = capsys.readouterr().out
    assert "wave column 'year' from the codebook's meta.wave_column" in out
    assert _waves(project, "mb") == ["2023", "2024"]


@pytest.mark.parametrize("wc", ["year", "YEAR", {"column": "year"},
                                {"column": "year", "period": None, "assumed": True}])
def test_a_name_or_a_mapping(project, capsys, wc):
    _mobi_with(project, wc)
    assert _ingest(project, _long(project / "long.csv")) == 0, capsys.readouterr().err
    assert _waves(project) == ["2023", "2024"]


def test_a_period_for_dates_and_its_override(project, capsys):
    _mobi_with(project, {"column": "date", "period": "quarter"})
    f = _long(project / "long.csv", "date", ["2023-02-01"] * 100 + ["2023-05-01"] * 100)
    assert _ingest(project, f) == 0, capsys.readouterr().err
    assert "dates grouped by quarter" in capsys.readouterr().out
    assert _waves(project) == ["2023-Q1", "2023-Q2"]
    assert _ingest(project, f, "--wave-period", "month") == 0, capsys.readouterr().err
    assert _waves(project) == ["2023-02", "2023-05", "2023-Q1", "2023-Q2"]


def test_wave_overrides_the_codebook(project, capsys):
    _mobi_with(project, "year")
    assert _ingest(project, _long(project / "long.csv"), "--wave", "all") == 0
    assert "meta.wave_column" not in capsys.readouterr().out
    assert _waves(project) == ["all"]


def test_no_wave_column_anywhere_is_a_usage_error(project, capsys):
    _mobi_with(project, None)
    assert _ingest(project, _long(project / "long.csv")) == 2
    err = capsys.readouterr().err
    assert "--wave" in err and "meta.wave_column" in err and "Traceback" not in err
    assert _waves(project) == []


def test_codebook_names_a_column_the_file_lacks(project, capsys):
    _mobi_with(project, "fieldwork_round")
    assert _ingest(project, _long(project / "long.csv")) == 1
    err = capsys.readouterr().err
    assert "fieldwork_round" in err and "Traceback" not in err
    assert _waves(project) == []


def test_helper_on_names_paths_and_broken_codebooks(project, tmp_path):
    book = _mobi_with(project, {"column": "d", "period": "month"})
    assert codebook_wave_column(book) == ("d", "month")
    assert codebook_wave_column(ROOT / "data" / "instruments" / "ecsi_mobi.yaml") == (None, None)
    bad = tmp_path / "bad.yaml"
    bad.write_text("items: [\n", encoding="utf-8")
    assert codebook_wave_column(bad) == (None, None)
    assert codebook_wave_column(tmp_path / "missing.yaml") == (None, None)
    shutil.copy(book, tmp_path / "copy.yaml")
    assert codebook_wave_column(tmp_path / "copy.yaml") == ("d", "month")
