"""Ingesting the example exports: each ingests cleanly, round-trips through load_wave with the
codebook's dtypes, and carries a manifest that explains where its rows came from."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch import paths
from cxresearch.intake.ingestion import summary
from cxresearch.intake.readers import read_export
from cxresearch.pipeline import cli

EXAMPLES = {
    "mitto_cx": ("mitto_cx/mitto_cx_qualtrics.csv", "csv", 96),
    "mopinion_dcxm": ("mopinion_dcxm/mopinion_dcxm_responses.xlsx", "xlsx", 72),
    "cxn_dcx": ("cxn_dcx/cxn_dcx_responses.sav", "sav", 64),
    "gscx_trends": ("gscx_trends/gscx_trends_2024.csv", "csv", 110),
}
MANIFEST_KEYS = {"study", "wave", "synthetic", "source_file", "source_sha256", "rows_read",
                 "rows_kept", "rows_rejected", "rejections", "codebook_sha256",
                 "package_version", "created", "columns"}




@pytest.mark.parametrize("study", sorted(EXAMPLES))
def test_example_ingests_cleanly_and_round_trips(study, data):
    rel, fmt, n = EXAMPLES[study]
    path = paths.examples_dir() / rel
    wave = cx.ingest(path, study, "example")
    m = wave.manifest
    assert MANIFEST_KEYS <= set(m)
    assert (m["rows_read"], m["rows_kept"], m["rows_rejected"], m["rejections"]) == (n, n, 0, [])
    assert m["reading"]["format"] == fmt
    assert m["source_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    inst = cx.load_instrument(study)
    assert m["codebook_sha256"] == inst.sha256
    # made-up respondents are labelled so, never passed off as observed data
    assert m["synthetic"] is True and m["example"] is True

    folder = data / "waves" / study / "example"
    on_disk = json.loads((folder / "manifest.json").read_text())
    assert on_disk["files"]["responses.parquet"] == hashlib.sha256(
        (folder / "responses.parquet").read_bytes()).hexdigest()

    back = cx.load_wave(study, "example")
    assert list(back.data.columns) == inst.columns()
    for col in back.data.columns:
        assert back.data[col].dtype == inst.dtype(col), col
    pd.testing.assert_frame_equal(back.data, wave.data)
    assert back.synthetic and back.label == "example" and back.study == study
    assert back.design().n == n


def test_real_example_is_observed(data):
    w = cx.ingest(paths.examples_dir() / "ecsi_mobi" / "mobi.csv", "ecsi_mobi", "example",
                  write=False)
    assert w.manifest["synthetic"] is False and "example" not in w.manifest
    assert w.manifest["rows_kept"] == 250


def test_committed_examples_are_the_listed_made_up_files():
    listing = json.loads((paths.examples_dir() / "made_up.json").read_text())
    for study, (rel, _fmt, _n) in EXAMPLES.items():
        digest = hashlib.sha256((paths.examples_dir() / rel).read_bytes()).hexdigest()
        assert listing["files"][rel] == digest, f"{study}: rerun data/examples/make_examples.py"


def test_qualtrics_example_details(data):
    w = cx.ingest(paths.examples_dir() / EXAMPLES["mitto_cx"][0], "mitto_cx", "example",
                  write=False)
    m = w.manifest
    assert m["reading"]["qualtrics"] is True and m["reading"]["header_rows"] == 3
    assert sorted(m["columns_dropped"]["pii"]) == ["IPAddress", "RecipientEmail"]
    assert "UserLanguage" in m["columns_dropped"]["ignored"]
    assert m["answers"]["label_zh"] > 0  # some respondents answered in Chinese
    assert m["columns_mapped"]["ResponseId"] == "respondent_id"
    # split multi-select columns (choice text when ticked) and the joined one (Q5)
    assert w.data["channels_used__email"].notna().all()
    assert w.data.filter(like="channels_planned__").any(axis=1).any()
    assert w.data["omnichannel_maturity"].cat.ordered
    assert str(w.data["nps"].dtype) == "Int64"


def test_sav_example_uses_value_labels_and_user_missing(data):
    w = cx.ingest(paths.examples_dir() / EXAMPLES["cxn_dcx"][0], "cxn_dcx", "example",
                  write=False)
    assert w.manifest["answers"]["missing_declared_in_file"] > 0
    assert w.data["data_fragmentation"].isna().sum() == w.manifest["answers"][
        "missing_declared_in_file"]
    # every multi-select respects its max_choices
    for it in cx.load_instrument("cxn_dcx").items.values():
        if it.type == "multi" and it.max_choices:
            assert w.data.filter(like=f"{it.id}__").sum(axis=1).max() <= it.max_choices


def test_readers_row_numbers_with_multiline_values_and_blank_lines(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text('a,b\n1,"two\nlines"\n\n3,x\n4\n5,y\n', encoding="utf-8")
    raw = read_export(p)
    # record 1 is the header; the quoted value spans two physical lines but is one row
    assert raw.rows.tolist() == [2, 4, 6]
    assert raw.info["blank_rows_skipped"] == 1
    assert [p["row"] for p in raw.problems] == [5]


def test_cli_success_and_failure(tmp_path, data, capsys):
    src = paths.examples_dir() / EXAMPLES["gscx_trends"][0]
    assert cli.main(["ingest", str(src), "--instrument", "gscx_trends", "--wave", "2024"]) == 0
    out = capsys.readouterr().out
    assert "gscx_trends/2024: 110 rows read, 110 kept, 0 rejected" in out
    assert "written to" in out
    # again without --replace: refused, exit 1, existing wave untouched
    assert cli.main(["ingest", str(src), "--instrument", "gscx_trends", "--wave", "2024"]) == 1
    assert "already exists" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id;Top trends;Investment priorities\nG1;Nonsense;Personalisation\n"
                   "G1;Data and analytics;Teleportation\n", encoding="utf-8")
    assert cli.main(["ingest", str(bad), "--instrument", "gscx_trends", "--wave", "x"]) == 1
    err = capsys.readouterr().err
    assert "4 problem(s)" in err and "'Nonsense'" in err and "'Teleportation'" in err
    assert "appears more than once" in err
    assert not (data / "waves" / "gscx_trends" / "x").exists()
    assert cli.main(["ingest", str(bad), "--instrument", "gscx_trends", "--wave", "x",
                     "--on-error", "quarantine"]) == 0
    out = capsys.readouterr().out
    assert "2 rows read, 0 kept, 2 rejected" in out and "quarantine.csv" in out


def test_summary_mentions_drops_and_synthetic(data):
    w = cx.ingest(paths.examples_dir() / EXAMPLES["mopinion_dcxm"][0], "mopinion_dcxm",
                  "example", write=False)
    text = summary(w)
    assert "(synthetic example)" in text and "dropped 1 pii column(s): Email" in text
