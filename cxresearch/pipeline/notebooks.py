"""Notebooks the reproduce pipeline runs: what they declare, and running one with papermill.

Used by :mod:`cxresearch.pipeline`; a notebook declares in ``metadata["cxresearch"]`` the
``studies`` it covers and the reconstructions it reads (see the pipeline's docstring), and its
parameters in one cell tagged ``parameters``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cxresearch import paths
from cxresearch.paths import write_text_atomic

__all__ = ["NotebookResult", "NotebookSpec", "discover_notebooks", "execute_notebook",
           "reader_html"]


@dataclass
class NotebookSpec:
    """A notebook the pipeline can run: where it is and what it declares."""

    path: Path
    studies: list[str]
    reconstruct: list[str]
    parameters: dict  # name -> default (as written in the parameters cell)
    meta: dict = field(default_factory=dict)  # the whole metadata["cxresearch"] block

    @property
    def name(self) -> str:
        return self.path.stem

    def covers(self, study: str | None) -> bool:
        return study is None or "*" in self.studies or study in self.studies


def notebooks_dir() -> Path:
    """The repository's ``notebooks/`` folder."""
    return paths.project_root() / "notebooks"


def discover_notebooks(where: str | os.PathLike | Iterable | None = None) -> list[NotebookSpec]:
    """The runnable notebooks (``NN_topic.ipynb``; names starting with ``_`` are skipped).

    Parameters
    ----------
    where : folder or iterable of notebook paths, optional
        Defaults to the repository's ``notebooks/``.

    Returns
    -------
    list of NotebookSpec, sorted by name.
    """
    import nbformat
    import papermill as pm

    if where is None:
        where = notebooks_dir()
    if isinstance(where, str | os.PathLike):
        files = sorted(p for p in Path(where).glob("*.ipynb") if not p.name.startswith("_"))
    else:
        files = sorted(Path(p) for p in where)
    specs = []
    for path in files:
        nb = nbformat.read(path, as_version=4)
        meta = nb.metadata.get("cxresearch", {})
        studies = list(meta.get("studies", ["*"]))
        params = {k: v["default"] for k, v in pm.inspect_notebook(str(path)).items()}
        recon = list(meta.get("reconstruct", []))
        specs.append(NotebookSpec(path.resolve(), studies, recon, params, dict(meta)))
    return specs


@dataclass
class NotebookResult:
    """What happened to one notebook in a run."""

    name: str
    ok: bool
    seconds: float
    parameters: dict
    output: str | None = None
    html: str | None = None
    cell: int | None = None  # failing cell, counted from 1 in the notebook as committed
    execution_count: int | None = None
    error: str | None = None
    source: str | None = None  # first lines of the failing cell
    retried_after: str | None = None  # kernel failure of a first attempt, run once more

    def describe(self) -> str:
        again = f"; kernel retried once after {self.retried_after}" if self.retried_after else ""
        if self.ok:
            return f"{self.name}: ok ({self.seconds:.1f} s{again})"
        where = "" if self.cell is None else f" in cell {self.cell}"
        if self.execution_count is not None:
            where += f" (In [{self.execution_count}])"
        text = f"{self.name}: FAILED{where}: {self.error}{again}"
        if self.source:
            text += "\n" + "\n".join(f"    | {line}" for line in self.source.splitlines())
        if self.output:
            text += f"\n    see {self.output}"
        return text


def _committed_cell(executed: str, index: int) -> int:
    """1-based position, in the notebook as committed, of cell ``index`` of the executed copy
    (papermill inserts an ``injected-parameters`` cell when parameters are passed)."""
    try:
        import nbformat

        cells = nbformat.read(executed, as_version=4).cells[:index]
        injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)
    except Exception:
        injected = 0
    return index - injected + 1


def reader_html(executed: str | os.PathLike) -> str:
    """The reader's HTML of an executed notebook: outputs only (code cells and prompts hidden,
    nbconvert's ``exclude_input``), headed by a link to the executed ``.ipynb`` beside it for
    those who want the code."""
    import nbformat
    from nbconvert import HTMLExporter

    executed = Path(executed)
    nb = nbformat.read(executed, as_version=4)
    from urllib.parse import quote

    from cxresearch.report.narrative.story import esc

    link = nbformat.v4.new_markdown_cell(   # the file name is escaped: it is no markup
        f"*Reader's version: the code is hidden. The notebook with its code and outputs is "
        f"[{esc(executed.name)}]({quote(executed.name)}).*")
    link.id = "cxresearch-reader-link"
    nb.cells.insert(0, link)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def execute_notebook(task: dict) -> dict:
    """Run one notebook with papermill (in a worker process) and export it to HTML.

    ``task`` holds ``name, input, output, parameters, kernel_name, cwd, timeout`` and ``env``
    (set in this process, so that the kernel inherits it); returns the fields of a
    :class:`NotebookResult`. The kernel's own stderr goes to ``<output>.log``.
    """
    os.environ.update(task["env"])
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    res = {"name": task["name"], "ok": False, "parameters": task["parameters"],
           "output": task["output"]}
    t0 = time.perf_counter()
    # the kernel's own stderr (start-up chatter, warnings) goes to <name>.log, not the terminal
    log = os.open(Path(task["output"]).with_suffix(".log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    saved = os.dup(2)
    os.dup2(log, 2)
    try:
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    task["input"], task["output"], parameters=task["parameters"],
                    kernel_name=task["kernel_name"], progress_bar=False, log_output=False,
                    cwd=task["cwd"], start_timeout=120, execution_timeout=task["timeout"],
                )
                res["ok"] = True
                res.pop("error", None)
            except PapermillExecutionError as exc:  # a cell raised: the notebook's fault
                src = (exc.source or "").strip().splitlines()
                res.update(cell=_committed_cell(task["output"], exc.cell_index),
                           execution_count=exc.exec_count,
                           error=f"{exc.ename}: {exc.evalue}".strip(),
                           source="\n".join(src[:4] + (["..."] if len(src) > 4 else [])))
            except TimeoutError as exc:  # a cell ran past the timeout: not retried
                res["error"] = f"{type(exc).__name__}: {exc}".strip()
            except Exception as exc:  # kernel died or did not start, unreadable notebook, ...
                res["error"] = f"{type(exc).__name__}: {exc}".strip()
                if attempt == 1:  # a kernel that failed to start or died is tried once more
                    res["retried_after"] = res["error"]
                    continue
            break
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(log)
    res["seconds"] = time.perf_counter() - t0
    if Path(task["output"]).is_file():
        try:
            body = reader_html(task["output"])
            html = Path(task["output"]).with_suffix(".html")
            write_text_atomic(html, body)
            res["html"] = str(html)
        except Exception as exc:  # the executed notebook is still there
            res["error"] = (res.get("error") or "") + f" [HTML export failed: {exc}]"
    else:
        res["output"] = None
    return res
