"""Waves under concurrency, crashes and hostile labels: no silent loss, ever.

Classes: concurrent writers of one new wave (threads, processes, real ``cxresearch ingest``
processes): exactly one wins, the others fail with "already exists" and write nothing;
replacement killed between its two renames (left-over states built by hand, and a real
SIGKILL at that instant): the next load/list/write recovers — a complete new wave wins, else
the old one is restored — and left-over hidden folders are removed and reported; look-alike
wave labels and study ids.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest

from cxresearch.errors import WaveExistsError, WaveRecoveredWarning
from cxresearch.waves.storage import (
    Wave,
    check_label,
    list_waves,
    load_wave,
    recover_wave,
    wave_dir,
    write_wave,
)

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / "bin" / "python"
CLI = ROOT / ".venv" / "bin" / "cxresearch"
CODEBOOK = """\
format_version: 1
study: hx
meta: {title: T, publisher: P, fieldwork_year: 2024, population: p, source: [none],
       languages: [en]}
items:
  - {id: rid, type: id, wording: {en: Respondent}}
  - id: sat
    type: likert
    wording: {en: Satisfied}
    levels:
      - {code: 1, value: disagree, labels: {en: Disagree}}
      - {code: 2, value: neutral, labels: {en: Neutral}}
      - {code: 3, value: agree, labels: {en: Agree}}
"""


@pytest.fixture
def hx(tmp_path):
    path = tmp_path / "hx.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    return path


def _wave(hx, n: int, label: str = "w1") -> Wave:
    df = pd.DataFrame({"rid": pd.array([f"r{i}" for i in range(n)], dtype="string"),
                       "sat": pd.array([1 + i % 3 for i in range(n)], dtype="Int64")})
    return Wave(df, hx, {"study": "hx", "wave": label})


def _study(data) -> Path:
    return data / "waves" / "hx"


def _visible(data) -> list[str]:
    return sorted(p.name for p in _study(data).iterdir())


# --------------------------------------------------------------------------- concurrent writers


def test_threads_racing_on_one_new_wave_exactly_one_wins(data, hx):
    for round_ in range(3):  # bounded: a few rounds of 4 writers
        label = f"race{round_}"
        results: dict[int, object] = {}
        start = threading.Barrier(4)

        def writer(k, label=label, results=results, start=start):
            w = _wave(hx, 3 + k, label)
            start.wait()
            try:
                write_wave(w)
                results[k] = "won"
            except WaveExistsError as exc:
                results[k] = exc

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        winners = [k for k, r in results.items() if r == "won"]
        assert len(winners) == 1, results
        assert all("already exists" in str(r) for k, r in results.items() if r != "won")
        stored = load_wave(hx, label)
        assert len(stored.data) == 3 + winners[0]  # the winner's rows, not a mixture
    assert _visible(data) == ["race0", "race1", "race2"]  # no hidden left-overs


_RACER = textwrap.dedent("""
    import sys
    import pandas as pd
    from cxresearch.errors import WaveExistsError
    from cxresearch.waves.storage import Wave, write_wave
    n = int(sys.argv[2])
    df = pd.DataFrame({"rid": pd.array([f"r{i}" for i in range(n)], dtype="string"),
                       "sat": pd.array([1] * n, dtype="Int64")})
    try:
        write_wave(Wave(df, sys.argv[1], {"study": "hx", "wave": "proc"}))
        print("won", n)
    except WaveExistsError as exc:
        print("lost", exc)
        sys.exit(3)
""")


@pytest.mark.slow
def test_processes_racing_on_one_new_wave(data, hx):
    procs = [subprocess.Popen([str(PY), "-c", _RACER, str(hx), str(5 + k)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 3, 3], outs
    winner = codes.index(0)
    assert len(load_wave(hx, "proc").data) == 5 + winner
    assert all("already exists" in out for (out, _), c in zip(outs, codes, strict=True) if c)
    assert _visible(data) == ["proc"]


@pytest.mark.slow
def test_two_cli_ingests_of_one_new_wave(data, hx, tmp_path):
    exports = []
    for k, n in enumerate((4, 7)):
        p = tmp_path / f"export{k}.csv"
        p.write_text("rid,sat\n" + "".join(f"r{i},{1 + i % 3}\n" for i in range(n)), "utf-8")
        exports.append(p)
    env = {**os.environ, "CXRESEARCH_DATA": str(data)}
    procs = [subprocess.Popen([str(CLI), "ingest", str(p), "--instrument", str(hx),
                               "--wave", "cli"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
             for p in exports]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], outs
    loser = codes.index(1)
    assert "already exists" in outs[loser][1]
    assert "Traceback" not in outs[loser][1]
    m = json.loads((_study(data) / "cli" / "manifest.json").read_text("utf-8"))
    assert m["source_file"] == exports[codes.index(0)].name
    assert m["rows_kept"] == (4, 7)[codes.index(0)]
    assert _visible(data) == ["cli"]


def test_existing_wave_is_refused_before_anything_is_written(data, hx):
    write_wave(_wave(hx, 4))
    before = sorted(p.name for p in _study(data).rglob("*"))
    with pytest.raises(WaveExistsError, match="already exists.*nothing was written"):
        write_wave(_wave(hx, 9))
    assert sorted(p.name for p in _study(data).rglob("*")) == before
    assert len(load_wave(hx, "w1").data) == 4


# --------------------------------------------------------------------------- killed replacements


def _stranded(data, hx, new_complete: bool, with_old: bool = True):
    """The state a replace killed between its two renames leaves: no wave, the old copy in
    .w1.old-*/wave, the new one in .w1.new-* (complete or not)."""
    write_wave(_wave(hx, 4))
    target = _study(data) / "w1"
    staged = write_wave(_wave(hx, 9, "staging"))
    new = _study(data) / ".w1.new-k1ll3d"
    os.rename(staged, new)
    manifest = json.loads((new / "manifest.json").read_text("utf-8"))
    manifest["wave"] = "w1"
    (new / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    if not new_complete:
        (new / "responses.parquet").write_bytes(b"PAR1 truncated")
    if with_old:
        old = _study(data) / ".w1.old-k1ll3d"
        old.mkdir()
        os.rename(target, old / "wave")
    return target


def test_killed_replace_with_complete_new_wave_recovers_the_new(data, hx):
    _stranded(data, hx, new_complete=True)
    with pytest.warns(WaveRecoveredWarning, match="completed an interrupted replacement"):
        w = load_wave(hx, "w1")
    assert len(w.data) == 9
    assert _visible(data) == ["w1"]


def test_killed_replace_with_incomplete_new_wave_restores_the_old(data, hx):
    _stranded(data, hx, new_complete=False)
    with pytest.warns(WaveRecoveredWarning, match="restored w1"):
        w = load_wave(hx, "w1")
    assert len(w.data) == 4
    assert _visible(data) == ["w1"]


def test_new_folder_without_manifest_restores_the_old(data, hx):
    _stranded(data, hx, new_complete=True)
    (_study(data) / ".w1.new-k1ll3d" / "manifest.json").unlink()
    with pytest.warns(WaveRecoveredWarning, match="restored"):
        assert len(load_wave(hx, "w1").data) == 4


def test_list_waves_recovers_a_stranded_wave(data, hx):
    _stranded(data, hx, new_complete=False)
    with pytest.warns(WaveRecoveredWarning):
        listed = list_waves("hx", root=data / "waves")
    assert list(listed["wave"]) == ["w1"]


def test_next_write_recovers_first(data, hx):
    _stranded(data, hx, new_complete=True)
    with pytest.warns(WaveRecoveredWarning), pytest.raises(WaveExistsError):
        write_wave(_wave(hx, 2))  # recovered wave exists: refused, not silently replaced
    assert len(load_wave(hx, "w1").data) == 9


def test_ingest_after_a_killed_replace_sees_the_recovered_wave(data, hx, tmp_path):
    import cxresearch as cx

    _stranded(data, hx, new_complete=False)
    export = tmp_path / "e.csv"
    export.write_text("rid,sat\nr1,1\n", "utf-8")
    with pytest.warns(WaveRecoveredWarning), pytest.raises(WaveExistsError,
                                                          match="nothing was read"):
        cx.ingest(export, hx, "w1")
    assert len(load_wave(hx, "w1").data) == 4


def test_leftover_temp_folders_beside_a_good_wave_are_removed_and_reported(data, hx):
    write_wave(_wave(hx, 4))
    for name in (".w1.new-abc", ".w1.tmp-old1", ".w1.old-xyz"):
        (_study(data) / name).mkdir()
        (_study(data) / name / "junk").write_text("x")
    with pytest.warns(WaveRecoveredWarning, match="removed the left-over folder"):
        done = recover_wave("hx", "w1")
    assert len(done) == 3
    assert _visible(data) == ["w1"]
    assert recover_wave("hx", "w1") == []  # idempotent


def test_killed_first_write_leaves_no_wave(data, hx):
    # a create killed before its rename: the temporary folder is cleaned, no wave appears
    staged = write_wave(_wave(hx, 9, "staging"))
    os.rename(staged, _study(data) / ".w1.new-k1ll3d")
    with pytest.warns(WaveRecoveredWarning, match="removed"):
        assert recover_wave("hx", "w1")
    with pytest.raises(FileNotFoundError):
        load_wave(hx, "w1")
    assert _visible(data) == []


_KILLER = textwrap.dedent("""
    import os, signal, sys
    import pandas as pd
    from cxresearch.waves import storage
    n, when = int(sys.argv[2]), sys.argv[3]
    real_rename, real_replace = os.rename, os.replace
    def rename(src, dst):
        if when == "between" and str(dst).endswith("/w1") and ".new-" in str(src):
            os.kill(os.getpid(), signal.SIGKILL)   # the old wave is already moved aside
        return real_rename(src, dst)
    def replace(src, dst):
        if when == "before" and str(src).endswith("/w1"):
            os.kill(os.getpid(), signal.SIGKILL)   # the new wave is complete, not yet swapped
        return real_replace(src, dst)
    storage.os.rename, storage.os.replace = rename, replace
    df = pd.DataFrame({"rid": pd.array([f"r{i}" for i in range(n)], dtype="string"),
                       "sat": pd.array([2] * n, dtype="Int64")})
    storage.write_wave(storage.Wave(df, sys.argv[1], {"study": "hx", "wave": "w1"}),
                       replace=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("when,rows", [("between", 9), ("before", 4)])
def test_real_sigkill_during_replace(data, hx, when, rows):
    write_wave(_wave(hx, 4))
    proc = subprocess.run([str(PY), "-c", _KILLER, str(hx), "9", when], capture_output=True,
                          text=True, timeout=120, env={**os.environ,
                                                       "CXRESEARCH_DATA": str(data)})
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    hidden = [n for n in _visible(data) if n.startswith(".")]
    assert hidden  # the kill left its folders behind
    with pytest.warns(WaveRecoveredWarning):
        w = load_wave(hx, "w1")
    # killed between the renames: the complete new wave wins; killed before: the old stays
    assert len(w.data) == rows
    assert _visible(data) == ["w1"]


def test_unresolvable_leftovers_are_reported_not_hidden(data, hx, monkeypatch):
    _stranded(data, hx, new_complete=True)

    def no_lock(target):
        raise PermissionError(f"read-only: {target}")

    from cxresearch.waves import folders  # where the lock and the recovery live
    monkeypatch.setattr(folders, "_wave_lock", no_lock)
    with pytest.warns(WaveRecoveredWarning, match="could not be resolved.*w1.old-k1ll3d"):
        with pytest.raises(FileNotFoundError):
            load_wave(hx, "w1")


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("label", [
    "2024\n", "2024 ", " 2024", "２０２４", "2024\u200b", "20\u202e24", "../2024", "a/b",
    ".hidden", "", "x" * 101, "2024\r", "w\x00", "ﬁ2024",
])
def test_lookalike_wave_labels_are_refused(data, hx, label):
    with pytest.raises(ValueError, match="wave must be"):
        wave_dir("hx", label)
    with pytest.raises(ValueError):
        write_wave(_wave(hx, 2, label))
    with pytest.raises(ValueError):
        load_wave(hx, label)


@pytest.mark.parametrize("study", ["hx\n", "h x", "hx/..", "ｈｘ", None, 3, ["hx"]])
def test_bad_study_ids_are_refused(study):
    with pytest.raises(ValueError, match="study must be"):
        check_label("study", study)


def test_list_waves_skips_lookalike_folders_made_by_hand(data, hx):
    write_wave(_wave(hx, 3, "2024"))
    fake = _study(data) / "2024\n"
    shutil.copytree(_study(data) / "2024", fake)
    with pytest.warns(UserWarning, match="not a valid wave label"):
        listed = list_waves("hx", root=data / "waves")
    assert list(listed["wave"]) == ["2024"]


def test_good_labels_pass():
    for label in ("2024", "2021-reconstructed", "w1.b", "A_2"):
        assert check_label("wave", label) == label


@pytest.mark.parametrize("dtype", ["Float64", "float64"])
@pytest.mark.parametrize("value", [float("inf"), float("-inf")])
def test_infinite_numbers_are_never_stored(data, hx, dtype, value):
    w = _wave(hx, 3)
    w.data = w.data.assign(score=pd.array([1.0, value, 2.0], dtype=dtype))
    with pytest.raises(ValueError, match="column 'score'.*infinite"):
        write_wave(w)
    assert not _study(data).exists() or _visible(data) == []


def test_write_wave_checks_its_arguments(data, hx):
    with pytest.raises(TypeError, match="wave must be a Wave"):
        write_wave(pd.DataFrame())
    with pytest.raises(TypeError, match="replace must be True or False"):
        write_wave(_wave(hx, 2), replace="yes")
    assert not _study(data).exists() or _visible(data) == []
