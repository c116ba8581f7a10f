"""The analysis spec end to end (issue 23, item 4): with a misspelled driver, `codebook check`
names it and `reproduce` exits non-zero naming it (the drivers template no longer drops
unknown names); with the one edit the draft asks for (naming an outcome among its
candidates), `reproduce` runs the drivers report.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cxresearch import paths

MOBI = paths.package_root() / "data" / "examples" / "ecsi_mobi" / "mobi.csv"


def _run(args, cwd, env):
    return subprocess.run([str(Path(sys.executable).parent / "cxresearch"), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=900)


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("edit,ok", [(("    - perv\n", "    - prev\n"), False), (None, True)])
def test_reproduce_names_what_it_cannot_use(tmp_path, edit, ok):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXRESEARCH_")}
    env["PYTHONPATH"] = str(paths.package_root())
    assert _run(["init", "p", "--study", "mobi"], tmp_path, env).returncode == 0
    proj = tmp_path / "p"
    assert _run(["codebook", "draft", str(MOBI), "--study", "mobi"], proj, env).returncode == 0
    book = proj / "codebooks" / "mobi.yaml"
    text = book.read_text().replace("    outcome: null\n", "    outcome: cusa\n", 1)
    if edit:
        text = text.replace(*edit, 1)
    book.write_text(text)
    check = _run(["codebook", "check", str(book)], proj, env)
    assert (check.returncode == 0) == ok, check.stdout
    assert _run(["ingest", str(MOBI), "--instrument", "mobi", "--wave", "2025"], proj,
                env).returncode == 0
    rep = _run(["reproduce", "--no-progress"], proj, env)
    if ok:
        assert rep.returncode == 0, rep.stdout + rep.stderr
        assert list((proj / "reports" / "latest").rglob("11_drivers-mobi*.html"))
    else:
        assert rep.returncode != 0
        assert "drivers ['prev'] are not items or indices" in rep.stdout + rep.stderr
        assert "'prev' is neither an item nor an index" in check.stdout
