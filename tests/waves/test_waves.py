"""Wave objects and their storage: atomic writes, no silent overwrite, dtypes restored on load,
codebook changes detected."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import cxresearch as cx
from cxresearch import paths
from cxresearch.waves.storage import (
    CodebookChangedWarning,
    Wave,
    WaveExistsError,
    list_waves,
    load_wave,
    write_wave,
)


def _wave(n=4, label="2024", **manifest):
    inst = cx.load_instrument("mitto_cx")
    df = pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)],
        "role": ["marketing", "customer_service"] * (n // 2),
        "omnichannel_maturity": [1, 4, 2, 3][:n] * (n // 4 or 1),
        "nps": [9, 6, 7, 10][:n] * (n // 4 or 1),
        "weight": [1.0, 2.0, 0.5, 1.5][:n] * (n // 4 or 1),
    })
    df = inst.apply_dtypes(df)
    return Wave(df, inst, {"wave": label, **manifest})


def test_wave_attributes_and_design(data):
    w = _wave(synthetic=True)
    assert (w.study, w.label, w.synthetic) == ("mitto_cx", "2024", True)
    assert "4 respondents" in repr(w) and "synthetic" in repr(w)
    d = w.design()
    assert d.weights.tolist() == [1.0, 2.0, 0.5, 1.5]


def test_write_then_load_restores_dtypes(data):
    w = _wave()
    folder = write_wave(w)
    assert folder == data / "waves" / "mitto_cx" / "2024"
    m = json.loads((folder / "manifest.json").read_text())
    for key in ("study", "wave", "synthetic", "rows_kept", "codebook_sha256", "package_version",
                "created", "columns", "files"):
        assert key in m
    assert m["synthetic"] is False and m["rows_kept"] == 4
    back = load_wave("mitto_cx", "2024")
    assert back.data["omnichannel_maturity"].cat.ordered
    assert list(back.data["omnichannel_maturity"].astype(str)) == [
        "no_strategy", "full_omnichannel", "early_stage", "partial_omnichannel"]
    assert str(back.data["nps"].dtype) == "Int64"
    pd.testing.assert_frame_equal(back.data, w.data)


def test_refuses_to_overwrite_without_replace(data):
    write_wave(_wave(n=4))
    with pytest.raises(WaveExistsError, match="already exists.*nothing was written.*replace=True"):
        write_wave(_wave(n=2))
    assert len(load_wave("mitto_cx", "2024").data) == 4
    write_wave(_wave(n=2), replace=True)
    assert len(load_wave("mitto_cx", "2024").data) == 2
    # no temporary or old folders left beside the wave
    assert [p.name for p in (data / "waves" / "mitto_cx").iterdir()] == ["2024"]


def test_wave_exists_error_is_a_value_error_for_the_cli(data):
    assert issubclass(WaveExistsError, FileExistsError)
    assert issubclass(WaveExistsError, ValueError)


def test_failed_write_leaves_nothing(data, monkeypatch):
    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write_wave(_wave())
    assert list((data / "waves" / "mitto_cx").iterdir()) == []


def test_failed_replace_keeps_the_old_wave(data, monkeypatch):
    write_wave(_wave(n=4))
    with monkeypatch.context() as m, pytest.raises(ZeroDivisionError):
        m.setattr(pd.DataFrame, "to_parquet", lambda *a, **k: 1 / 0)
        write_wave(_wave(n=2), replace=True)
    assert len(load_wave("mitto_cx", "2024").data) == 4


def test_codebook_change_warns(data, tmp_path, monkeypatch):
    write_wave(_wave())
    own = data / "instruments"
    shutil.copytree(paths.project_root() / "data" / "instruments", own)
    with open(own / "mitto_cx.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n# edited after the wave was written\n")
    with pytest.warns(CodebookChangedWarning, match="codebook mitto_cx changed since wave 2024"):
        load_wave("mitto_cx", "2024")


def test_tampered_responses_are_refused(data):
    folder = write_wave(_wave())
    df = pd.read_parquet(folder / "responses.parquet")
    df.iloc[:1].to_parquet(folder / "responses.parquet")
    with pytest.raises(ValueError, match="does not match the sha256 in its manifest"):
        load_wave("mitto_cx", "2024")


def test_missing_wave_lists_what_exists(data):
    write_wave(_wave(label="2023"))
    with pytest.raises(FileNotFoundError, match="no wave mitto_cx/2099.*waves of mitto_cx: 2023"):
        load_wave("mitto_cx", "2099")


def test_list_waves(data):
    write_wave(_wave(label="2023"))
    write_wave(_wave(label="2021-reconstructed", synthetic=True))
    out = list_waves()
    assert out[["study", "wave", "synthetic"]].values.tolist() == [
        ["mitto_cx", "2021-reconstructed", True], ["mitto_cx", "2023", False]]
    assert list_waves("cxn_dcx").empty


@pytest.mark.parametrize("label", ["", "../x", "a/b", ".hidden", None])
def test_bad_wave_labels(data, label):
    with pytest.raises(ValueError, match="manifest\\['wave'\\] must be"):
        _wave(label=label)


def test_quarantine_is_written_and_read_back(data):
    q = pd.DataFrame({"_source_row": ["5"], "_reasons": ["nps: out of scale"], "nps": ["11"]})
    w = _wave()
    w.quarantine = q
    folder = write_wave(w)
    assert (folder / "quarantine.csv").is_file()
    m = json.loads((folder / "manifest.json").read_text())
    assert m["rows_rejected"] == 1 and "quarantine.csv" in m["files"]
    pd.testing.assert_frame_equal(load_wave("mitto_cx", "2024").quarantine, q)
