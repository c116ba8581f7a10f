"""Projects (issue 13): discovery, ``cxresearch init``, ``--project``, ``project=``, the
notebook selection of a project (templates + its own notebooks), and the repository as a
project whose observed waves git ignores.

Oracles: the folder layout written by ``init`` (read back from disk), git's own
``check-ignore``, and round trips (a wave ingested with ``project=`` is read back with it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

import cxresearch as cx
from cxresearch import paths
from cxresearch.pipeline import cli, templates
from cxresearch.pipeline import run as runmod
from cxresearch.pipeline.notebooks import NotebookSpec, discover_notebooks
from cxresearch.pipeline.project import init_project

REPO = paths.package_root()
MOBI = REPO / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


@pytest.fixture
def clean_env(monkeypatch):
    """No inherited project or data redirection."""
    for k in ("CXRESEARCH_PROJECT", "CXRESEARCH_DATA", "CXRESEARCH_REPORTS"):
        monkeypatch.delenv(k, raising=False)
    return monkeypatch


@pytest.fixture
def project(tmp_path, clean_env):
    root = init_project(tmp_path / "survey", study="mobi")
    return root


def _mobi_codebook(root: Path, outcome: str | None = None) -> Path:
    from cxresearch.codebooks.draft import draft_codebook

    text = draft_codebook(MOBI, "mobi")
    if outcome:
        text = text.replace("    outcome: null\n", f"    outcome: {outcome}\n", 1)
    path = root / "codebooks" / "mobi.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- init


def test_init_creates_the_layout_and_ignores_data(project):
    for sub in ("codebooks", "waves", "notebooks", "reports"):
        assert (project / sub).is_dir()
    conf = tomllib.loads((project / "cxresearch.toml").read_text())
    assert conf["project"]["name"] == "survey"
    assert conf["project"]["language"] == "en"
    ignore = (project / ".gitignore").read_text().splitlines()
    assert "waves/" in ignore and "reports/" in ignore
    assert "codebook draft" in (project / "README.md").read_text()


def test_init_refuses_hostile_targets(tmp_path, clean_env):
    root = init_project(tmp_path / "p")
    with pytest.raises(ValueError, match="already a cxresearch project"):
        init_project(root)
    with pytest.raises(ValueError, match="inside the cxresearch repository"):
        init_project(REPO / "my_survey")
    with pytest.raises(ValueError, match="already a cxresearch project"):
        init_project(REPO)
    with pytest.raises(ValueError, match="study must be snake_case.*'My Study'"):
        init_project(tmp_path / "q", study="My Study")
    with pytest.raises(ValueError, match="language must be a two-letter code"):
        init_project(tmp_path / "q", language="english")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        init_project(tmp_path / "afile")
    with pytest.raises(TypeError, match="folder must be a path"):
        init_project(3)
    assert not (REPO / "my_survey").exists()


def test_init_inside_another_project_warns(project):
    with pytest.warns(UserWarning, match="inside another cxresearch project"):
        init_project(project / "sub")


# ----------------------------------------------------------------------------- discovery


def test_find_project_walks_up_like_git(project, tmp_path):
    deep = project / "notebooks" / "a" / "b"
    deep.mkdir(parents=True)
    assert paths.find_project(deep) == project
    assert paths.find_project(project / "cxresearch.toml") == project
    assert paths.find_project(tmp_path) is None


def test_current_project_folders(project, clean_env):
    clean_env.chdir(project / "notebooks")
    assert paths.project_root() == project
    assert not paths.is_package_project()
    assert paths.instruments_dir() == project / "codebooks"
    assert paths.waves_dir() == project / "waves"
    assert paths.reports_dir() == project / "reports"
    assert paths.notebooks_dir() == project / "notebooks"
    assert paths.examples_dir() == project / "examples"  # none: the repo's are not borrowed
    # codebooks by name: the project's first, then the packaged ones
    assert paths.instrument_dirs() == [project / "codebooks", REPO / "data" / "instruments"]
    assert cx.load_instrument("ecsi_mobi").path == REPO / "data" / "instruments" / "ecsi_mobi.yaml"


def test_a_project_codebook_shadows_the_packaged_one(project, clean_env):
    src = (REPO / "data" / "instruments" / "ecsi_mobi.yaml").read_text()
    (project / "codebooks" / "ecsi_mobi.yaml").write_text(src.replace(
        "title: ECSI", "title: MINE ECSI"))
    clean_env.chdir(project)
    assert cx.load_instrument("ecsi_mobi").meta["title"].startswith("MINE")
    clean_env.chdir(REPO)
    assert not cx.load_instrument("ecsi_mobi").meta["title"].startswith("MINE")


def test_the_repository_is_a_project(clean_env):
    clean_env.chdir(REPO / "cxresearch")
    assert paths.project_root() == REPO
    assert paths.is_package_project()
    assert paths.instruments_dir() == REPO / "data" / "instruments"
    assert paths.waves_dir() == REPO / "data" / "waves"
    assert paths.published_dir() == REPO / "data" / "published"
    assert paths.examples_dir() == REPO / "data" / "examples"


def test_outside_any_project_the_repository_is_used(tmp_path, clean_env):
    clean_env.chdir(tmp_path)
    assert paths.find_project() is None
    assert paths.project_root() == REPO


def test_bad_project_settings_are_refused(project, clean_env, tmp_path):
    clean_env.setenv("CXRESEARCH_PROJECT", str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="has no cxresearch.toml"):
        paths.project_root()
    clean_env.setenv("CXRESEARCH_PROJECT", str(project))
    (project / "cxresearch.toml").write_text("[paths]\ncodebooks = 3\n")
    with pytest.raises(ValueError, match=r"\[paths\] must map folder names to strings"):
        paths.project_config()
    (project / "cxresearch.toml").write_text("[paths]\nwavez = 'w'\n")
    with pytest.raises(ValueError, match="unknown folder.*wavez"):
        paths.project_config()
    (project / "cxresearch.toml").write_text("[project\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        paths.project_config()


def test_paths_table_moves_a_folder(project, clean_env):
    with open(project / "cxresearch.toml", "a") as fh:
        fh.write('\n[paths]\nwaves = "private/waves"\n')
    clean_env.setenv("CXRESEARCH_PROJECT", str(project))
    assert paths.waves_dir() == project / "private" / "waves"


# ----------------------------------------------------------------------------- project=


def test_project_argument_round_trip_and_environment_restored(project, clean_env, tmp_path):
    _mobi_codebook(project)
    clean_env.chdir(tmp_path)  # elsewhere: discovery alone would give the repository
    clean_env.setenv("CXRESEARCH_DATA", str(tmp_path / "elsewhere"))
    w = cx.ingest(MOBI, "mobi", "2025", project=project)
    assert (project / "waves" / "mobi" / "2025" / "manifest.json").is_file()
    back = cx.load_wave("mobi", "2025", project=project)
    assert back.data.shape == w.data.shape == (250, 24)
    assert cx.load_instrument("mobi", project=project).name == "mobi"
    assert os.environ["CXRESEARCH_DATA"] == str(tmp_path / "elsewhere")  # restored
    assert "CXRESEARCH_PROJECT" not in os.environ
    with pytest.raises(ValueError, match="no codebook named 'mobi'"):
        cx.load_instrument("mobi")  # not in the current (repository) project
    with pytest.raises(ValueError, match="is not a cxresearch project"):
        cx.load_wave("mobi", "2025", project=tmp_path)


# ----------------------------------------------------------------------------- CLI


def test_cli_init_draft_check_ingest_with_project_option(tmp_path, clean_env, capsys):
    clean_env.chdir(tmp_path)
    assert cli.main(["init", "proj", "--study", "mobi"]) == 0
    root = tmp_path / "proj"
    assert cli.main(["codebook", "draft", str(MOBI), "--study", "mobi",
                     "--project", str(root)]) == 0
    assert (root / "codebooks" / "mobi.yaml").is_file()
    # a second draft would overwrite the researcher's edits
    assert cli.main(["codebook", "draft", str(MOBI), "--study", "mobi",
                     "--project", str(root)]) == 1
    assert "pass --force" in capsys.readouterr().err
    assert cli.main(["codebook", "check", "mobi", "--project", str(root)]) == 0
    assert "valid, 24 items" in capsys.readouterr().out
    assert cli.main(["ingest", str(MOBI), "--instrument", "mobi", "--wave", "2025",
                     "--project", str(root)]) == 0
    assert (root / "waves" / "mobi" / "2025" / "responses.parquet").is_file()
    assert cli.main(["ingest", str(MOBI), "--instrument", "mobi", "--wave", "2025",
                     "--project", str(tmp_path / "none")]) == 2
    assert "no cxresearch.toml there" in capsys.readouterr().err


def test_cli_check_prints_every_problem(project, clean_env, capsys):
    path = _mobi_codebook(project)
    doc = yaml.safe_load(path.read_text())
    doc["meta"]["analysis"] = {"outcome": "nothing", "drivers": ["ghost"], "segments": ["cuex1"]}
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    text = text.replace("scale_max: 10", "scale_max: 0", 1)
    path.write_text(text)
    assert cli.main(["codebook", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "scale_min" in out  # from the loader
    path.write_text(text.replace("scale_max: 0", "scale_max: 10", 1))
    assert cli.main(["codebook", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "outcome 'nothing' is neither an item nor an index" in out
    assert "drivers: 'ghost'" in out
    assert "'cuex1' is not a single-choice item" in out
    assert cli.main(["codebook", "check", "no_such_codebook"]) == 1


def test_draft_outside_a_project_never_writes_into_the_repository(tmp_path, clean_env):
    clean_env.chdir(tmp_path)
    assert cli.main(["codebook", "draft", str(MOBI), "--study", "mobi"]) == 0
    assert (tmp_path / "mobi.yaml").is_file()
    assert not (REPO / "data" / "instruments" / "mobi.yaml").exists()


# ----------------------------------------------------------------------------- notebooks


def _spec(name: str) -> NotebookSpec:
    """A template's spec from its committed JSON (no papermill: its import is slow)."""
    path = REPO / "notebooks" / f"{name}.ipynb"
    nb = json.loads(path.read_text())
    meta = nb["metadata"]["cxresearch"]
    params = {}
    for c in nb["cells"]:
        if "parameters" in c.get("metadata", {}).get("tags", []):
            for line in "".join(c["source"]).splitlines():
                if "=" in line and not line.startswith("#"):
                    params[line.split("=")[0].strip()] = None
    return NotebookSpec(path, list(meta["studies"]), list(meta.get("reconstruct", [])),
                        params, dict(meta))


def test_templates_declare_any_study_and_have_a_parameters_cell():
    for name, needs in (("10_wave_report", []), ("11_drivers", ["outcome"]),
                        ("12_tracking", ["waves>=2"])):
        spec = _spec(name)
        assert spec.studies == ["*"] and spec.meta["template"] is True
        assert spec.meta["requires"] == needs
        assert {"study", "wave"} <= set(spec.parameters)
        assert (REPO / "notebooks" / f"{name}.py").is_file()  # the jupytext pair
        nb = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
        assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.slow
def test_discover_reads_the_templates_like_the_pipeline():
    specs = {s.name: s for s in discover_notebooks(REPO / "notebooks")}
    for name in ("10_wave_report", "11_drivers", "12_tracking"):
        assert specs[name].studies == ["*"] and specs[name].meta == _spec(name).meta
        assert {"study", "wave", "conf_level"} <= set(specs[name].parameters)


def test_project_runs_templates_and_its_own_notebooks(project, clean_env):
    clean_env.chdir(project)
    own = project / "notebooks" / "20_mine.ipynb"
    shutil.copy(REPO / "notebooks" / "10_wave_report.ipynb", project / "notebooks" /
                "10_wave_report.ipynb")  # the project's own version replaces the template
    shutil.copy(REPO / "notebooks" / "12_tracking.ipynb", own)
    names = [p.name for p in templates.project_notebooks()]
    assert names == ["10_wave_report.ipynb", "11_drivers.ipynb", "12_tracking.ipynb",
                     "20_mine.ipynb"]
    by = {p.name: p for p in templates.project_notebooks()}
    assert by["10_wave_report.ipynb"].parent == project / "notebooks"
    assert by["11_drivers.ipynb"].parent == REPO / "notebooks"
    assert "00_scorecard.ipynb" not in names  # study notebooks of the repo stay there


def test_template_studies_and_requirements(project, clean_env):
    clean_env.chdir(project)
    assert templates.template_studies(None) == []  # no codebook yet
    _mobi_codebook(project)
    assert templates.template_studies(None) == []  # a codebook, but no wave
    cx.ingest(MOBI, "mobi", "2025")
    assert templates.template_studies(None) == ["mobi"]
    assert templates.template_studies("other") == ["other"]
    specs = {n: _spec(n) for n in ("10_wave_report", "11_drivers", "12_tracking")}
    assert templates._unmet(specs["10_wave_report"], "mobi") is None
    assert "names no outcome" in templates._unmet(specs["11_drivers"], "mobi")
    assert "fewer than two" in templates._unmet(specs["12_tracking"], "mobi")
    _mobi_codebook(project, outcome="cusa")
    assert templates._unmet(specs["11_drivers"], "mobi") is None
    cx.ingest(MOBI, "mobi", "2026")
    assert templates._unmet(specs["12_tracking"], "mobi") is None
    with open(project / "cxresearch.toml", "a") as fh:
        fh.write('templates = "mobi"\n')  # under [reproduce]: a string, not a list
    with pytest.raises(ValueError, match=r"\[reproduce\] templates must be a list"):
        templates.template_studies(None)


def test_study_selection_counts_any_study_templates(project, clean_env):
    clean_env.chdir(project)
    _mobi_codebook(project)
    specs = [_spec(p.stem) for p in templates.project_notebooks()]
    assert {s.name for s in runmod._select(specs, "mobi")} == {
        "10_wave_report", "11_drivers", "12_tracking"}
    with pytest.raises(ValueError, match="no codebook of that name.*mobi"):
        runmod._select(specs, "nope")


# ----------------------------------------------------------------------------- repository


def test_repository_observed_waves_are_git_ignored():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    for rel in ("data/waves/mine/2025/responses.parquet", "data/waves/x/y/manifest.json"):
        out = subprocess.run(["git", "check-ignore", "-q", rel], cwd=REPO)
        assert out.returncode == 0, rel
    out = subprocess.run(["git", "check-ignore", "-q", "data/instruments/mitto_cx.yaml"],
                         cwd=REPO)
    assert out.returncode == 1  # codebooks are not ignored
