"""The conda environment file lists the same dependencies, with the same lower bounds, as
pyproject.toml (core and every extra); the Makefile and CI call the documented commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# conda-forge names that differ from PyPI names
CONDA_NAMES = {"pyyaml": "pyyaml"}


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += list(extra)
    return dict(_split(r) for r in reqs)


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, spec = _split(dep)
            if name not in {"python", "pip"}:
                out[name] = spec
    return out


def test_environment_matches_pyproject():
    py, conda = _pyproject(), _conda()
    py = {CONDA_NAMES.get(k, k): v for k, v in py.items()}
    missing = sorted(set(py) - set(conda))
    extra = sorted(set(conda) - set(py))
    differ = sorted(k for k in set(py) & set(conda) if py[k] != conda[k])
    assert not missing, f"in pyproject.toml but not environment.yml: {missing}"
    assert not extra, f"in environment.yml but not pyproject.toml: {extra}"
    assert not differ, f"version bounds differ: {[(k, py[k], conda[k]) for k in differ]}"


def test_python_floor_matches():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert conda_py.replace("python", "") == meta["requires-python"]


def _make_dry_run(*args: str) -> str:
    """What ``make`` would run (``make -n``), as a developer calls it in the repository."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"}, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_ci_runs_make_test(tmp_path):
    """``.ci/run`` (what CI executes) calls ``make test`` from the repository root: run it with
    a stand-in ``make`` that records its arguments and folder."""
    import subprocess

    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "called"
    (fake / "make").write_text(f'#!/bin/sh\necho "$PWD $*" >> {log}\n')
    (fake / "make").chmod(0o755)
    run = subprocess.run(["bash", str(ROOT / ".ci" / "run")], capture_output=True, text=True,
                         env={"PATH": f"{fake}:/usr/bin:/bin"}, timeout=60)
    assert run.returncode == 0, run.stderr
    calls = [line.split() for line in log.read_text().splitlines()]
    assert calls[0] == [str(ROOT), "test"], calls


def test_the_readme_commands_run_what_they_say():
    """The commands the README opens with are make targets, and each runs what it says:
    ``reproduce`` the pipeline, ``test`` the import contracts and the whole suite, ``check``
    the fast loop (no slow or notebook tests), each after the set-up."""
    import re

    head = (ROOT / "README.md").read_text()[:1500]
    block = re.search(r"```bash\n(.*?)```", head, re.S).group(1)
    targets = [line.split()[1] for line in block.splitlines() if line.startswith("make ")]
    assert targets == ["reproduce", "test"]
    install = 'pip install --quiet -e ".[dev,lab]"'
    reproduce = _make_dry_run("-B", "reproduce")
    assert install in reproduce and "bin/cxresearch reproduce --jobs" in reproduce
    test = _make_dry_run("test")
    assert "bin/lint-imports" in test and "-m pytest" in test and "not slow" not in test
    check = _make_dry_run("check")
    assert '-m "not slow and not notebook"' in check and "bin/ruff check" in check


def test_make_lab_installs_the_lab_extra_and_opens_the_notebooks():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lab = {_split(r)[0] for r in meta["optional-dependencies"]["lab"]}
    assert {"jupyterlab", "jupytext"} <= lab
    out = _make_dry_run("-B", "lab")
    assert 'pip install --quiet -e ".[dev,lab]"' in out
    line = next(t for t in out.splitlines() if "jupyter lab" in t or "JUPYTER_CONFIG_PATH" in t)
    config = re.search(r"JUPYTER_CONFIG_PATH=([^$:\s]+)", out).group(1)
    assert Path(config) == ROOT / "notebooks" / ".jupyter" and Path(config).is_dir()
    assert "bin/jupyter lab notebooks/" in out.replace("\\\n", " "), line


def test_every_imported_package_is_declared():
    """Every third-party module the package imports comes from a declared runtime dependency
    (not a [dev] or [lab] extra, not a transitive one), and every runtime dependency that is
    a library is imported somewhere (the kernel and the exporters papermill needs excepted)."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    dists = packages_distributions()
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_split(r)[0] for r in meta["dependencies"]}
    used = {}
    for path in (ROOT / "cxresearch").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "cxresearch" and top not in sys.stdlib_module_names:
                    used.setdefault(top, path.relative_to(ROOT).as_posix())
    undeclared = {}
    for module, where in used.items():
        owners = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not owners & runtime:
            undeclared[module] = (sorted(owners), where)
    assert not undeclared, f"imported but not a declared dependency: {undeclared}"
    imported = {d.lower().replace("_", "-") for m in used for d in dists.get(m, [m])}
    # not imported, declared on purpose: the kernel papermill starts; version pins of what
    # ibis imports (its SQL compiler, the pyarrow extension-type fix)
    not_imported = {"ipykernel", "sqlglot", "pyarrow-hotfix"}
    unimported = runtime - imported - not_imported
    assert not unimported, f"declared but never imported: {sorted(unimported)}"


def test_public_namespace_resolves():
    import cxresearch as cx

    unresolved = []
    for name in cx.__all__:
        try:
            getattr(cx, name)
        except (AttributeError, ImportError) as exc:
            unresolved.append(f"{name}: {exc}")
    assert not unresolved, "\n".join(unresolved)


def test_public_names_stay_functions_after_every_submodule_is_imported():
    """No module shares a name with a public function: importing ``cxresearch.<module>``
    would otherwise rebind ``cx.<name>`` to the module."""
    import importlib
    import pkgutil
    import types

    import cxresearch as cx

    top = [m.name for m in pkgutil.iter_modules(cx.__path__)]
    clashes = sorted(set(top) & set(cx.__all__))
    assert not clashes, f"subpackages or modules named like public functions: {clashes}"
    modules = [m.name for m in pkgutil.walk_packages(cx.__path__, prefix="cxresearch.")]
    assert len(modules) > 40
    for name in modules:
        importlib.import_module(name)
    rebound = [n for n in cx.__all__ if isinstance(getattr(cx, n), types.ModuleType)]
    assert not rebound, f"public names bound to modules: {rebound}"


def test_type_stub_lists_every_public_name_where_it_lives():
    """``__init__.pyi`` (what editors and type checkers read) agrees with ``_API``."""
    import ast

    import cxresearch as cx

    stub = ast.parse((ROOT / "cxresearch" / "__init__.pyi").read_text())
    seen = {}
    for node in stub.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                seen[alias.asname or alias.name] = node.module.removeprefix("cxresearch.")
    assert seen == cx._API, "cxresearch/__init__.pyi is out of date with _API in __init__.py"


def test_import_contracts_hold_without_ignored_imports():
    """The layer contracts hold (import-linter run here, as CI runs it) and none ignores an
    import: no upward import is tolerated anywhere, statistics' topics included."""
    import shutil
    import subprocess
    import sys

    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert not [c["name"] for c in cfg["contracts"] if c.get("ignore_imports")]
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed in this environment")
    run = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert " 0 broken" in run.stdout
