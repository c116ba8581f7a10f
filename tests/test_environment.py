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


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("reproduce:", "test:", "lab:", "bench:"):
        assert target in makefile


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text()[:1500]
    assert "make reproduce" in head and "make test" in head


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
