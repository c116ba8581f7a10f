"""Confinement of a project's paths and the project file written by a serializer (issue 24,
items 2 and 3).

Classes, several variants each:

A. ``[paths]`` pointing outside the project (``../outside``, an absolute path elsewhere, a
   path that climbs out after going in, ``~``) is refused by every command that resolves it —
   ``ingest``, ``codebook draft``, ``reproduce`` — naming where it would have written, exit 1,
   nothing written outside; paths inside the project (relative, absolute, with ``..`` that
   stays inside) are fine.
B. Explicit opt-outs: ``allow_outside = true`` under ``[paths]`` and ``--allow-outside``;
   a non-boolean ``allow_outside`` is refused.
C. ``cxresearch init`` writes ``cxresearch.toml`` with a TOML serializer: hostile project
   names (a trailing backslash, quotes, ``"]`` table-like text, unicode, 100 characters) round
   trip exactly; control characters, over-long names and hostile parent folders (a line break
   and a ``[paths]`` table in the folder name) never change what the file says.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from cxresearch import paths
from cxresearch.pipeline import cli

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.delenv("CXRESEARCH_DATA", raising=False)
    monkeypatch.delenv("CXRESEARCH_ALLOW_OUTSIDE", raising=False)
    assert cli.main(["init", str(tmp_path / "proj")]) == 0
    proj = tmp_path / "proj"
    shutil.copy(ROOT / "data" / "instruments" / "ecsi_mobi.yaml", proj / "codebooks")
    pd.read_csv(MOBI).head(20).to_csv(proj / "export.csv", index=False)
    return proj


def _set_paths(project: Path, **entries) -> None:
    lines = ["[paths]"] + [f"{k} = {_toml(v)}" for k, v in entries.items()]
    conf = project / paths.PROJECT_FILE
    conf.write_text(conf.read_text() + "\n" + "\n".join(lines) + "\n")


def _toml(v) -> str:
    import tomli_w

    return tomli_w.dumps({"x": v}).split("=", 1)[1].strip()


OUTSIDE = ["../outside", "{tmp}/elsewhere", "sub/../../outside", "waves/../../../x"]


@pytest.mark.parametrize("where", OUTSIDE)
def test_ingest_refuses_waves_outside(project, tmp_path, capsys, where):
    _set_paths(project, waves=where.format(tmp=tmp_path))
    code = cli.main(["ingest", str(project / "export.csv"), "--instrument", "ecsi_mobi",
                     "--wave", "w1", "--project", str(project)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "outside the project" in err and "would have written" in err
    assert "allow_outside" in err and "--allow-outside" in err
    assert not list(tmp_path.glob("**/w1/manifest.json"))


@pytest.mark.parametrize("where", OUTSIDE)
def test_draft_refuses_codebooks_outside(project, tmp_path, capsys, where):
    _set_paths(project, codebooks=where.format(tmp=tmp_path))
    code = cli.main(["codebook", "draft", str(project / "export.csv"), "--study", "fresh",
                     "--project", str(project)])
    err = capsys.readouterr().err
    assert code == 1 and "outside the project" in err, err
    assert not list(tmp_path.glob("**/fresh.yaml"))


@pytest.mark.parametrize("key", ["reports", "notebooks", "examples", "published"])
def test_reproduce_refuses_any_folder_outside(project, tmp_path, capsys, key):
    _set_paths(project, **{key: str(tmp_path / "elsewhere")})
    code = cli.main(["reproduce", "--no-progress", "--project", str(project)])
    err = capsys.readouterr().err
    assert code == 1 and f"[paths] {key}" in err and str(tmp_path / "elsewhere") in err
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("where", ["data/waves", "{proj}/store/waves", "a/../waves2"])
def test_inside_paths_are_fine(project, where, capsys):
    _set_paths(project, waves=where.format(proj=project))
    code = cli.main(["ingest", str(project / "export.csv"), "--instrument", "ecsi_mobi",
                     "--wave", "w1", "--project", str(project)])
    assert code == 0, capsys.readouterr().err
    target = (project / where.format(proj=project)).resolve() / "ecsi_mobi" / "w1"
    assert (target / "manifest.json").is_file()


def test_opt_out_in_the_project_file(project, tmp_path):
    _set_paths(project, waves=str(tmp_path / "shared_waves"), allow_outside=True)
    assert cli.main(["ingest", str(project / "export.csv"), "--instrument", "ecsi_mobi",
                     "--wave", "w1", "--project", str(project)]) == 0
    assert (tmp_path / "shared_waves" / "ecsi_mobi" / "w1" / "manifest.json").is_file()


def test_opt_out_on_the_command_line(project, tmp_path):
    _set_paths(project, waves="../shared")
    base = ["ingest", str(project / "export.csv"), "--instrument", "ecsi_mobi", "--wave",
            "w1", "--project", str(project)]
    assert cli.main(base) == 1
    assert cli.main([*base, "--allow-outside"]) == 0
    assert (tmp_path / "shared" / "ecsi_mobi" / "w1" / "manifest.json").is_file()
    assert cli.main([*base, "--replace"]) == 1        # the opt-out held for that command only


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_allow_outside_must_be_boolean(project, capsys, value):
    _set_paths(project, allow_outside=value)
    assert cli.main(["codebook", "check", "ecsi_mobi", "--project", str(project)]) == 1
    assert "allow_outside must be true or false" in capsys.readouterr().err


def test_api_refuses_too(project, tmp_path):
    import cxresearch as cx

    _set_paths(project, waves="../outside")
    with pytest.raises(paths.OutsideProjectError, match="would have written"):
        cx.ingest(project / "export.csv", "ecsi_mobi", "w1", project=project)
    assert not (tmp_path / "outside").exists()


# ------------------------------------------------------------------ C. the project file


@pytest.mark.parametrize("name", ["ends with \\", 'quote " inside', "']\n" [:2] + "x",
                                  "[paths]", "waves = '..'", "日本語のプロジェクト",
                                  "n" * 100, "tab-free # not a comment", "\\u0041"])
def test_hostile_names_round_trip(tmp_path, name):
    root = tmp_path / "p"
    assert cli.main(["init", str(root), "--name", name]) == 0
    conf = tomllib.loads((root / paths.PROJECT_FILE).read_text(encoding="utf-8"))
    assert conf["project"]["name"] == name
    assert set(conf) == {"project", "report", "reproduce"}
    assert "paths" not in conf


@pytest.mark.parametrize("name", ["bell\x07", "nl\nname", "\x01", "n" * 101, " padded",
                                  "", "rlo\u202eevil"])
def test_bad_names_refused(tmp_path, capsys, name):
    root = tmp_path / "p"
    assert cli.main(["init", str(root), "--name", name]) == 1
    err = capsys.readouterr().err
    assert "project name" in err and "Traceback" not in err
    assert not (root / paths.PROJECT_FILE).exists()


@pytest.mark.parametrize("parent", ["x\n[paths]\nwaves = '..'\n#", "back\\slash\\",
                                    'q"uote', "# comment"])
def test_hostile_parent_folder(tmp_path, parent):
    root = tmp_path / parent / "proj"
    root.parent.mkdir(parents=True)
    assert cli.main(["init", str(root), "--study", "members"]) == 0
    conf = tomllib.loads((root / paths.PROJECT_FILE).read_text(encoding="utf-8"))
    assert conf["project"]["name"] == "proj" and "paths" not in conf
    assert paths.project_config(root)["paths"]["waves"] == root.resolve() / "waves"


@pytest.mark.parametrize("folder", ["x\n[paths]\nwaves = '..'\n#", "bell\x07"])
def test_hostile_folder_name_needs_a_name(tmp_path, capsys, folder):
    root = tmp_path / folder
    assert cli.main(["init", str(root)]) == 1
    assert "--name" in capsys.readouterr().err
    assert cli.main(["init", str(root), "--name", "fine"]) == 0
    conf = tomllib.loads((root / paths.PROJECT_FILE).read_text(encoding="utf-8"))
    assert conf["project"]["name"] == "fine" and "paths" not in conf
