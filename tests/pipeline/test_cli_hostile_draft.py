"""Hostile ``codebook draft`` (and friends) through the CLI (issue 24, item 4; audit round):
every failure is one line on stderr, no traceback, the documented exit code, nothing
half-written left behind, and an existing codebook untouched.

Classes, several variants each (the tests run as root, where permission bits do not bite, so
read-only and full-disk are simulated at the lowest writer — ``tempfile.mkstemp``, ``os.fsync``,
``os.replace`` — or made real with a file where a folder should be):

A. read-only project: ``mkstemp`` raising EROFS/EACCES; ``codebooks`` is a file; the project's
   ``[paths] codebooks`` names a file.
B. full disk: ENOSPC/EDQUOT at fsync or rename of the codebook, or of the review page.
C. ``-o`` a folder (with and without ``--force``, trailing slash), ``-o`` under a file.
D. over-long and odd ``--study`` (65, 101, 300, 5,000 characters; reserved; control chars).
E. header fields over 128 KiB (first, middle, last column).
F. Ctrl-C inside ``codebook draft`` and ``codebook check``.
G. ``save_table`` with a 300-character name or a folder as destination.
H. the real console script (a subprocess) on four of these; random bytes as the export.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    assert cli.main(["init", str(tmp_path / "proj")]) == 0
    proj = tmp_path / "proj"
    pd.read_csv(MOBI).head(30).to_csv(proj / "export.csv", index=False)
    return proj


def _one_line(capsys, code, expected_code, *needles):
    err = capsys.readouterr().err
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for n in needles:
        assert n.lower() in lines[0].lower(), (n, lines[0])
    return lines[0]


def _draft(project, *extra, study="s"):
    return cli.main(["codebook", "draft", str(project / "export.csv"), "--study", study,
                     "--project", str(project), *extra])


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith(".")
                  and p.name.endswith(".tmp"))


# ------------------------------------------------------------------ A. read-only project


@pytest.mark.parametrize("err_no,needle", [(errno.EROFS, "read-only"),
                                           (errno.EACCES, "permission denied"),
                                           (errno.EPERM, "not permitted")])
def test_read_only_project_simulated_at_mkstemp(project, capsys, monkeypatch, err_no, needle):
    def refuse(*a, **k):
        raise OSError(err_no, os.strerror(err_no), k.get("dir", a[-1] if a else "?"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    code = _draft(project)
    _one_line(capsys, code, cli.EXIT_FILES, "codebooks", needle)
    assert not (project / "codebooks" / "s.yaml").exists()


def test_codebooks_folder_is_a_file(project, capsys):
    shutil.rmtree(project / "codebooks")
    (project / "codebooks").write_text("not a folder")
    _one_line(capsys, _draft(project), cli.EXIT_FILES, "codebooks")
    assert (project / "codebooks").read_text() == "not a folder"


def test_project_file_names_a_file_for_codebooks(project, capsys):
    (project / "afile").write_text("x")
    toml = project / "cxresearch.toml"
    text = toml.read_text(encoding="utf-8")
    assert "\n[paths]" not in text
    toml.write_text(text + '\n[paths]\ncodebooks = "afile"\n', encoding="utf-8")
    _one_line(capsys, _draft(project), cli.EXIT_FILES, "afile")


# ------------------------------------------------------------------ B. full disk


@pytest.mark.parametrize("err_no,needle", [(errno.ENOSPC, "no space left"),
                                           (errno.EDQUOT, "quota")])
@pytest.mark.parametrize("where", ["fsync", "replace"])
@pytest.mark.parametrize("which", [".yaml", ".review.html"])
def test_full_disk_keeps_the_old_codebook(project, capsys, monkeypatch, err_no, needle, where,
                                          which):
    book = project / "codebooks" / "s.yaml"
    book.write_text("# my edited codebook\n", encoding="utf-8")
    real = {"fsync": os.fsync, "replace": os.replace}[where]
    target = {"fsync": None, "replace": None}

    def fail(*a):
        if where == "replace" and str(a[1]).endswith(which) or where == "fsync" and \
                target.get("count", 0) == (0 if which == ".yaml" else 1):  # codebook first
            raise OSError(err_no, os.strerror(err_no))
        target["count"] = target.get("count", 0) + 1
        return real(*a)

    monkeypatch.setattr(os, where, fail)
    _one_line(capsys, _draft(project, "--force"), cli.EXIT_FILES, needle)
    assert _leftovers(project) == []
    if which == ".yaml":  # the codebook write failed: the researcher's edits are intact
        assert book.read_text(encoding="utf-8") == "# my edited codebook\n"
    assert not (project / "codebooks" / "s.review.html").exists()


@pytest.mark.parametrize("which", ["s.yaml", "s.review.html"])
def test_full_disk_on_a_first_draft_leaves_nothing(project, capsys, monkeypatch, which):
    real = os.replace

    def fail(src, dst):
        if str(dst).endswith(which):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail)
    _one_line(capsys, _draft(project), cli.EXIT_FILES, "no space left")
    assert list((project / "codebooks").iterdir()) == []


# ------------------------------------------------------------------ C. -o a folder


@pytest.mark.parametrize("force", [[], ["--force"]])
@pytest.mark.parametrize("slash", ["", "/"])
def test_output_is_a_folder(project, capsys, tmp_path, force, slash):
    (tmp_path / "dir.yaml").mkdir()
    code = _draft(project, "-o", str(tmp_path / "dir.yaml") + slash, *force)
    _one_line(capsys, code, cli.EXIT_FILES, "dir.yaml", "folder")
    assert (tmp_path / "dir.yaml").is_dir() and not any((tmp_path / "dir.yaml").iterdir())


def test_output_under_a_file(project, capsys, tmp_path):
    (tmp_path / "plain").write_text("x")
    code = _draft(project, "-o", str(tmp_path / "plain" / "s.yaml"), "--force")
    _one_line(capsys, code, cli.EXIT_FILES, "plain")
    assert (tmp_path / "plain").read_text() == "x"


# ------------------------------------------------------------------ D. --study


@pytest.mark.parametrize("study", ["s" * 65, "s" * 101, "s" * 300, "s" * 5000, "é" * 300,
                                   "CON", "lpt1", "a\nb", "a/b", "..", "a\x00b", ""])
def test_odd_study_names_are_one_line(project, capsys, study):
    code = _draft(project, study=study)
    _one_line(capsys, code, cli.EXIT_BAD_INPUT, "study")
    assert list((project / "codebooks").iterdir()) == []


# ------------------------------------------------------------------ E. header > 128 KiB


@pytest.mark.parametrize("pos", [0, 1, 2])
@pytest.mark.parametrize("size", [128 * 1024 + 1, 600 * 1024])
def test_header_field_over_128_kib(project, capsys, pos, size):
    heads = ["q1", "q2", "q3"]
    heads[pos] = "h" * size
    rows = "\n".join(",".join(str((i + j) % 5 + 1) for j in range(3)) for i in range(30))
    (project / "export.csv").write_text(",".join(heads) + "\n" + rows + "\n", encoding="utf-8")
    line = _one_line(capsys, _draft(project), cli.EXIT_BAD_INPUT, "header")
    assert len(line) < 1000
    assert list((project / "codebooks").iterdir()) == []


# ------------------------------------------------------------------ F. Ctrl-C


@pytest.mark.parametrize("target", ["cxresearch.codebooks.draft.draft",
                                    "cxresearch.codebooks.draft.check_codebook"])
def test_ctrl_c_in_codebook_commands(project, capsys, monkeypatch, target):
    def interrupt(*a, **k):
        raise KeyboardInterrupt

    mod, name = target.rsplit(".", 1)
    monkeypatch.setattr(__import__(mod, fromlist=[name]), name, interrupt)
    if name == "draft":
        code = _draft(project)
    else:
        shutil.copy(ROOT / "data" / "instruments" / "ecsi_mobi.yaml", project / "codebooks")
        code = cli.main(["codebook", "check", str(project / "codebooks" / "ecsi_mobi.yaml"),
                         "--project", str(project)])
    _one_line(capsys, code, cli.EXIT_INTERRUPTED, "interrupted")
    assert _leftovers(project) == []


# ------------------------------------------------------------------ G. save_table


def _save_table(where, name):
    from cxresearch.report.output.save import save_table

    df = pd.DataFrame({"a": [1, 2]})
    return save_table(df, name, outdir=where)


# save.py is being changed by another engineer (save_* argument handling): these cases are
# reported there, not fixed here; non-strict so that their fix turns them green.


@pytest.mark.parametrize("name", ["t" * 300, "t" * 256, "t_" * 150])
def test_save_table_over_long_name_is_a_value_error(tmp_path, name):
    with pytest.raises((ValueError, OSError)) as info:
        _save_table(tmp_path, name)
    msg = str(info.value)
    assert "Traceback" not in msg and ("long" in msg or "name" in msg), msg
    assert isinstance(info.value, ValueError), f"{type(info.value).__name__}: {msg}"


def test_save_table_destination_is_a_folder(tmp_path):
    (tmp_path / "tbl.csv").mkdir()
    with pytest.raises((ValueError, OSError)) as info:
        _save_table(tmp_path, "tbl")
    assert isinstance(info.value, ValueError), f"{type(info.value).__name__}: {info.value}"
    assert "folder" in str(info.value) or "director" in str(info.value)


# ------------------------------------------------------------------ H. the real console script


@pytest.mark.parametrize("case", ["study300", "folder_force", "header_200k", "binary"])
def test_console_script_prints_no_traceback(project, tmp_path, case):
    import subprocess
    import sys

    export = project / "export.csv"
    extra: list[str] = []
    study = "s"
    if case == "study300":
        study = "s" * 300
    elif case == "folder_force":
        (tmp_path / "out.yaml").mkdir()
        extra = ["-o", str(tmp_path / "out.yaml"), "--force"]
    elif case == "header_200k":
        export.write_text("q" * 200_000 + ",q2\n1,2\n2,3\n", encoding="utf-8")
    else:
        export.write_bytes(bytes(range(256)) * 40)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXRESEARCH_")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-m", "cxresearch.pipeline.cli", "codebook", "draft",
                          str(export), "--study", study, *extra, "--project", str(project)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode in (cli.EXIT_BAD_INPUT, cli.EXIT_FILES), out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert len([ln for ln in out.stderr.splitlines() if ln.strip()]) == 1, out.stderr
    assert list((project / "codebooks").iterdir()) == []


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), head=st.sampled_from([b"", b"q1,q2\n", b"\xef\xbb\xbf",
                                                            b"PK\x03\x04", b"$FL2"]),
       suffix=st.sampled_from([".csv", ".xlsx", ".sav", ".tsv"]))
def test_random_exports_never_an_internal_error(project, capsys, data, head, suffix):
    export = project / f"fz{suffix}"
    export.write_bytes(head + data)
    code = cli.main(["codebook", "draft", str(export), "--study", "fz", "--force",
                     "--project", str(project)])
    out = capsys.readouterr()
    assert code in (cli.EXIT_OK, cli.EXIT_BAD_INPUT, cli.EXIT_FILES), out.err
    assert "Traceback" not in out.err
    written = sorted(p.name for p in (project / "codebooks").iterdir())
    assert written in ([], ["fz.review.html", "fz.yaml"]), written
    assert _leftovers(project) == []


# ------------------------------------------------------------------ I. the wrong kind of path


@pytest.mark.parametrize("kind,needle", [("folder", "is a folder"),
                                         ("device", "not a regular file"),
                                         ("missing", "does not exist")])
def test_export_and_codebook_of_the_wrong_kind(project, capsys, tmp_path, kind, needle):
    where = {"folder": tmp_path / "d.yaml", "device": Path("/dev/null"),
             "missing": tmp_path / "nope.yaml"}[kind]
    if kind == "folder":
        where.mkdir()
    code = cli.main(["codebook", "draft", str(where), "--study", "s", "--project",
                     str(project)])
    _one_line(capsys, code, cli.EXIT_BAD_INPUT, str(where), needle)
    code = cli.main(["ingest", str(project / "export.csv"), "--instrument", str(where),
                     "--wave", "w", "--project", str(project)])
    _one_line(capsys, code, cli.EXIT_BAD_INPUT, str(where),
              needle if kind != "missing" else "does not exist")
    code = cli.main(["codebook", "check", str(where), "--project", str(project)])
    _one_line(capsys, code, cli.EXIT_BAD_INPUT, str(where),
              needle if kind != "missing" else "no such file")
