"""README "Your own survey in ten minutes", executed as written (issue 13).

From an empty temporary folder outside the repository, on the real ECSI export shipped in
``data/examples/ecsi_mobi/mobi.csv``: every command of the README's block runs through the
installed ``cxresearch`` console script; the one edit a researcher makes to the drafted
codebook is the one the README names (an outcome under ``meta.analysis``). Asserts exit 0 for
each command, a report with the wave report and the drivers report, and that the tool's
repository is untouched (``git status --porcelain`` before = after).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxresearch import paths

REPO = paths.package_root()
README = REPO / "README.md"


def readme_commands() -> list[str]:
    """The command lines of the README's "Your own survey in ten minutes" bash block."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## Your own survey in ten minutes")
    block = re.search(r"```bash\n(.*?)```", text[start:], re.S)
    assert block, "no bash block in the section"
    lines = []
    for line in block.group(1).splitlines():
        line = line.split("  #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def test_every_command_of_the_section_is_one_the_cli_accepts():
    """Each command line of the section parses with the command line's own parser (the slow
    test below runs them): init, draft, check, ingest, reproduce, in that order."""
    from cxresearch.pipeline.cli import _add_project_option, build_parser

    parser = build_parser()
    _add_project_option(parser)  # as main() builds it
    commands = []
    for line in readme_commands():
        words = shlex.split(line.replace("$REPO", str(REPO)))
        if words[0] == "cd":
            continue
        assert words[0] == "cxresearch", line
        args = parser.parse_args(words[1:])  # SystemExit (exit 2) on an unknown option
        commands.append(" ".join(w for w in (args.command, getattr(args, "codebook_command",
                                                                      None)) if w))
    assert commands == ["init", "codebook draft", "codebook check", "ingest", "reproduce"]


def _git_status() -> str | None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        return None
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_readme_walk_through_from_an_empty_folder(tmp_path):
    assert REPO not in tmp_path.parents
    before = _git_status()
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXRESEARCH_")}
    env.update(REPO=str(REPO), PATH=f"{bindir}{os.pathsep}{env.get('PATH', '')}")
    cwd = tmp_path
    timings = []
    for line in readme_commands():
        if line.startswith("cd "):
            cwd = cwd / shlex.split(line)[1]
            continue
        if line.startswith("cxresearch reproduce"):
            line += " --no-progress --jobs 2"
        t0 = time.perf_counter()
        out = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True,
                             text=True, timeout=900)
        timings.append((line, time.perf_counter() - t0))
        assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"
        if " codebook draft " in f" {line} ":
            # the README's one review edit: name the outcome for the drivers report
            book = cwd / "codebooks" / "mobi.yaml"
            text = book.read_text(encoding="utf-8")
            assert "    outcome: null\n" in text  # meta.analysis, proposed by the draft
            book.write_text(text.replace("    outcome: null\n", "    outcome: cusa\n", 1),
                            encoding="utf-8")
    print("\n".join(f"{s:6.1f} s  {c}" for c, s in timings))
    project = tmp_path / "my_survey"
    latest = project / "reports" / "latest"
    assert latest.is_dir()
    report = latest / "notebooks"
    assert (report / "10_wave_report-mobi.html").is_file()
    assert (report / "11_drivers-mobi.html").is_file()
    assert not (report / "12_tracking-mobi.html").exists()  # one wave: nothing to track
    assert (latest / "tables" / "mobi_indices.csv").is_file()
    assert (project / "waves" / "mobi" / "2025" / "responses.parquet").is_file()
    html = (report / "10_wave_report-mobi.html").read_text(encoding="utf-8")
    assert "cusa" in html.lower() and "Error" not in re.sub(r"<[^>]+>", "", html)[:200]
    # nothing of the walk-through in the repository, not even in git-ignored folders
    assert not (REPO / "data" / "instruments" / "mobi.yaml").exists()
    assert not (REPO / "data" / "waves" / "mobi").exists()
    assert not (REPO / "reports" / "latest" / "notebooks" / "10_wave_report-mobi.html").exists()
    if before is not None:
        after = _git_status()
        if os.environ.get("CI"):
            assert after == before, "the walk-through changed the repository"
        else:  # a shared checkout others edit meanwhile: only what the walk-through could touch
            changed = set(after.splitlines()) - set(before.splitlines())
            ours = [c for c in changed if c.startswith("??") and (
                c[3:].startswith(("data/", "reports/")) or "mobi" in c or "my_survey" in c)
                or c[3:] in ("data/examples/ecsi_mobi/mobi.csv", "cxresearch.toml")]
            assert not ours, f"the walk-through changed the repository: {ours}"
