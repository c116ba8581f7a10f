"""Where cxresearch finds its data and writes its reports.

Defaults follow the repository layout in DESIGN.md (``data/`` and ``reports/`` beside the
package). Two environment variables override them, so that tests and the reproduce pipeline
can redirect reads and writes without touching the repository:

``CXRESEARCH_DATA``
    root of ``instruments/``, ``published/``, ``waves/`` and ``examples/``.
``CXRESEARCH_REPORTS``
    folder that figures, tables and ``manifest.json`` are written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

__all__ = [
    "atomic_save",
    "atomic_write",
    "sha256_file",
    "spreadsheet_safe",
    "spreadsheet_safe_frame",
    "write_text_atomic",
    "data_dir",
    "examples_dir",
    "instruments_dir",
    "project_root",
    "published_dir",
    "reports_dir",
    "waves_dir",
]


def project_root() -> Path:
    """The repository root (the folder that holds ``cxresearch/`` and ``data/``)."""
    return Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """Root of the data tree (``$CXRESEARCH_DATA`` or ``<root>/data``)."""
    env = os.environ.get("CXRESEARCH_DATA")
    return Path(env) if env else project_root() / "data"


def instruments_dir() -> Path:
    """Folder of the ``<study>.yaml`` codebooks.

    Codebooks always come from the repository unless ``$CXRESEARCH_DATA`` holds its own
    ``instruments/`` folder.
    """
    own = data_dir() / "instruments"
    return own if own.is_dir() else project_root() / "data" / "instruments"


def published_dir() -> Path:
    """Folder of the published-figures ledger."""
    own = data_dir() / "published"
    return own if own.is_dir() else project_root() / "data" / "published"


def waves_dir() -> Path:
    """Folder of ingested and reconstructed waves (``<study>/<wave>/``)."""
    return data_dir() / "waves"


def examples_dir() -> Path:
    """Folder of example raw exports (``<study>/``)."""
    own = data_dir() / "examples"
    return own if own.is_dir() else project_root() / "data" / "examples"


def reports_dir() -> Path:
    """Folder that figures, tables and the provenance manifest go to.

    ``$CXRESEARCH_REPORTS`` when set (the reproduce pipeline sets it to ``reports/<run>/``),
    otherwise ``<root>/reports``.
    """
    env = os.environ.get("CXRESEARCH_REPORTS")
    return Path(env) if env else project_root() / "reports"


# --------------------------------------------------------------------------------------------
# safe writes: the one atomic-write helper of the package (temporary file beside the target,
# fsync, then os.replace), so that a reader never sees a half-written file.


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Yield a temporary file beside ``path``; on success it replaces ``path`` atomically.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8",
                                                            "newline": ""})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    with atomic_write(path, "w") as fh:
        fh.write(text)
    return Path(path)


def atomic_save(path: str | os.PathLike, writer) -> None:
    """Call ``writer(tmp_path)`` and move the result onto ``path`` atomically.

    For writers that insist on a file name (``fig.savefig``, ``DataFrame.to_parquet``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------------------------
# spreadsheet-formula injection (OWASP "CSV injection"): the one neutraliser of every cell and
# header the project writes to CSV or XLSX.

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?")


def spreadsheet_safe(value):
    """A cell that a spreadsheet shows as text, never evaluates as a formula.

    A string beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's advice), unless the whole string is a plain number such as
    ``-3.5`` or ``+12%``, which stays as it is; leading whitespace before such a character
    counts too. Numbers, booleans and missing values are returned unchanged.

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(\"http://x\")")
    '\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe("-3.5"), spreadsheet_safe(-3.5)
    ('-3.5', -3.5)
    """
    if not isinstance(value, str):
        return value
    stripped = value.lstrip(" \u00a0")
    if not stripped:
        return value
    if stripped[0] in _FORMULA_START or value[0] in ("\t", "\r"):
        if _NUMBER.fullmatch(stripped.strip()):
            return value
        return "'" + value
    return value


def spreadsheet_safe_frame(df):
    """A copy of DataFrame ``df`` with every text cell and column name made spreadsheet-safe.

    Numeric columns are untouched (numbers stay numbers); object and string columns are mapped
    cell by cell with :func:`spreadsheet_safe`.
    """
    out = df.copy()
    out.columns = [spreadsheet_safe(str(c)) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or str(s.dtype) in ("string", "str") or str(s.dtype).startswith(
                "string"):
            out[col] = s.map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
        elif str(s.dtype) == "category":
            out[col] = s.astype(object).map(
                lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    return out
