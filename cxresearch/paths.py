"""Where cxresearch finds its data and writes its reports: project discovery.

A **project** is a folder with a ``cxresearch.toml`` file (``cxresearch init DIR`` creates
one): ``codebooks/``, ``waves/<study>/<wave>/``, ``notebooks/`` and ``reports/<run>/``. The
current project is, in this order:

1. ``$CXRESEARCH_PROJECT`` (set by ``--project DIR`` on every command, and by the reproduce
   pipeline for each notebook kernel);
2. the nearest folder at or above the current directory holding ``cxresearch.toml`` (as git
   finds ``.git``) — :func:`find_project`;
3. the tool's own repository (:func:`package_root`), which is a project too: its
   ``cxresearch.toml`` maps the folders to ``data/instruments``, ``data/waves``, ...

A project's ``[paths]`` table may move any folder (``codebooks``, ``waves``, ``notebooks``,
``reports``, ``examples``, ``published``); relative paths are relative to the project folder.
**Confinement**: every folder must stay inside the project (``waves = "../elsewhere"`` or an
absolute path is refused, naming where it would have written) unless the project opts out
explicitly with ``allow_outside = true`` in ``[paths]``, or the command gets
``--allow-outside`` (which sets ``$CXRESEARCH_ALLOW_OUTSIDE=1`` for that command). The check
is on the path as written (``..`` resolved); a symbolic link the user placed inside the project
is their own explicit choice and is followed.

**Names** that become file or folder names (study ids, wave labels, table and figure names)
follow one rule, :func:`check_name`: at most 100 characters, no control or invisible
characters, no path separators or characters Windows forbids, not ``.``/``..``, no leading or
trailing space or trailing dot, and not a name Windows reserves (``CON``, ``PRN``, ``AUX``,
``NUL``, ``COM1``-``COM9``, ``LPT1``-``LPT9``, also with an extension, in any case).
Codebooks are looked up by name in the project's codebooks folder, then in the packaged
examples (:func:`instrument_dirs`).

Two environment variables redirect reads and writes for tests and the reproduce pipeline:

``CXRESEARCH_DATA``
    root of ``instruments/``, ``published/``, ``waves/`` and ``examples/`` (a run-local data
    folder); a subfolder it lacks falls back to the project's.
``CXRESEARCH_REPORTS``
    folder that figures, tables and ``manifest.json`` are written to.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import tomllib
from pathlib import Path

__all__ = [
    "LABEL_RE",
    "MAX_NAME_LENGTH",
    "WINDOWS_RESERVED",
    "PROJECT_FILE",
    "OutsideProjectError",
    "atomic_save",
    "check_label",
    "check_name",
    "confined",
    "atomic_write",
    "environment",
    "find_project",
    "instrument_dirs",
    "is_package_project",
    "notebooks_dir",
    "outside_allowed",
    "package_root",
    "project_config",
    "sha256_file",
    "spreadsheet_safe",
    "spreadsheet_safe_frame",
    "use_project",
    "write_text_atomic",
    "data_dir",
    "examples_dir",
    "instruments_dir",
    "project_root",
    "published_dir",
    "reports_dir",
    "waves_dir",
]

#: the file that marks a project folder
PROJECT_FILE = "cxresearch.toml"
#: folders of a project created by ``cxresearch init`` (``[paths]`` in the toml may move them)
_DEFAULT_FOLDERS = {"codebooks": "codebooks", "waves": "waves", "notebooks": "notebooks",
                    "reports": "reports", "examples": "examples", "published": "published"}


#: the longest name (study id, wave label, table or figure name) that becomes a file name
MAX_NAME_LENGTH = 100
#: device names Windows reserves in every folder, with or without an extension
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"COM{i}" for i in "123456789\u00b9\u00b2\u00b3"),
                              *(f"LPT{i}" for i in "123456789\u00b9\u00b2\u00b3")})
_FORBIDDEN_CHARS = set('/\\:*?"<>|')


class OutsideProjectError(ValueError):
    """A path a project resolves lies outside the project folder (and no opt-out was given)."""


def check_name(kind: str, value, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """``value`` when it can be a portable file or folder name, else ValueError naming ``kind``.

    The one name rule of the package (study ids, wave labels, table and figure names): a
    non-empty string of at most ``max_length`` characters, with no control, format (bidi) or
    other invisible characters, no ``/ \\ : * ? " < > |``, not ``.`` or ``..``, no leading
    or trailing space, no trailing dot, and not a device name Windows reserves (``CON``,
    ``PRN``, ``AUX``, ``NUL``, ``COM1``-``COM9``, ``LPT1``-``LPT9``; also ``con.txt`` or
    ``Com1``), so that a project copied to Windows keeps every file.

    Examples
    --------
    >>> check_name("wave", "2024-Q1")
    '2024-Q1'
    >>> check_name("wave", "con.txt")     # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ValueError: wave 'con.txt' is a device name Windows reserves ...
    >>> # In R: no equivalent; fs::path_sanitize() strips instead of refusing
    """
    if not isinstance(value, str):
        raise TypeError(f"{kind} must be a string, got {type(value).__name__} {value!r:.80}")
    shown = repr(value) if len(value) <= 60 else repr(value[:57]) + "..."
    if not value:
        raise ValueError(f"{kind} must not be empty")
    if len(value) > max_length:
        raise ValueError(f"{kind} {shown} has {len(value)} characters, more than "
                         f"{max_length}: choose a shorter name")
    bad = [c for c in value if not c.isprintable() or c in _FORBIDDEN_CHARS]
    if bad:
        what = ", ".join(dict.fromkeys(ascii(c) for c in bad))
        raise ValueError(f"{kind} {shown} contains {what}: a file name may hold no control "
                         f"or invisible characters and none of / \\ : * ? \" < > |")
    if value in (".", "..") or value != value.strip() or value.endswith("."):
        raise ValueError(f"{kind} {shown} must not be '.' or '..', start or end with a space, "
                         f"or end with a dot")
    if value.split(".", 1)[0].rstrip().upper() in WINDOWS_RESERVED:
        raise ValueError(f"{kind} {shown} is a device name Windows reserves (CON, PRN, AUX, "
                         f"NUL, COM1-9, LPT1-9): choose another name")
    return value


#: study ids and wave labels (see :func:`check_label`)
LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_label(kind: str, value) -> str:
    """``value`` when it is a valid study id or wave label, else ``ValueError`` naming ``kind``.

    Letters, digits, ``.``, ``_`` and ``-`` (ASCII: no look-alike digits or letters),
    starting with a letter or digit, at most 100 characters, the whole string matched
    (``"2024\\n"`` is refused); and :func:`check_name` (no trailing dot, no name Windows
    reserves such as ``CON`` or ``lpt1.txt``). Study ids and wave labels become folder names.

    Examples
    --------
    >>> check_label("wave", "2021-reconstructed")
    '2021-reconstructed'
    >>> # In R: stopifnot(grepl("^[A-Za-z0-9][A-Za-z0-9._-]*$", x, perl = TRUE))
    """
    if not isinstance(value, str) or not LABEL_RE.fullmatch(value):
        shown = repr(value) if not isinstance(value, str) or len(value) <= 60 else (
            repr(value[:57]) + f"... ({len(value)} characters)")
        raise ValueError(
            f"{kind} must be a non-empty string of ASCII letters, digits, '.', '_' or '-' that "
            f"starts with a letter or digit, at most 100 characters (it becomes a folder name), "
            f"got {shown}")
    return check_name(kind, value)


def outside_allowed(conf: dict | None = None) -> bool:
    """Whether the current command or project opted out of confinement: ``--allow-outside``
    (``$CXRESEARCH_ALLOW_OUTSIDE=1``) or ``allow_outside = true`` in the toml's ``[paths]``."""
    if os.environ.get("CXRESEARCH_ALLOW_OUTSIDE", "") not in ("", "0"):
        return True
    return bool(conf and (conf.get("paths") or {}).get("allow_outside") is True)


def confined(path: str | os.PathLike, root: str | os.PathLike, what: str, *,
             allow: bool = False) -> Path:
    """``root / path`` (``..`` resolved), refused with :class:`OutsideProjectError` when it
    leaves ``root`` and ``allow`` is False; the message names the path it would have used."""
    root = Path(root)
    full = Path(os.path.normpath(root / Path(path).expanduser()))
    if allow or full == root or root in full.parents:
        return full
    raise OutsideProjectError(
        f"{what} resolves to {full}, outside the project {root}: cxresearch would have "
        f"written there. Keep it inside the project, or opt out explicitly with "
        f"`allow_outside = true` under [paths] in {PROJECT_FILE} (or --allow-outside)")


def package_root() -> Path:
    """The tool's own repository (the folder that holds ``cxresearch/`` and ``data/``): the
    packaged example studies, codebooks, ledger and notebook templates."""
    return Path(__file__).resolve().parents[1]


def find_project(start: str | os.PathLike | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the current directory) that holds a
    ``cxresearch.toml``; None when there is none.

    Examples
    --------
    >>> find_project("/")   # doctest: +SKIP
    >>> # In R: rprojroot::find_root(rprojroot::has_file("cxresearch.toml"))
    """
    here = Path(start if start is not None else os.getcwd()).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def project_root() -> Path:
    """The current project: ``$CXRESEARCH_PROJECT``, else :func:`find_project` from the
    current directory, else the tool's repository (:func:`package_root`).

    ``$CXRESEARCH_PROJECT`` must name a folder with a ``cxresearch.toml`` (ValueError if not).
    """
    env = os.environ.get("CXRESEARCH_PROJECT")
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / PROJECT_FILE).is_file():
            raise ValueError(f"project {env!r} (--project / $CXRESEARCH_PROJECT) has no "
                             f"{PROJECT_FILE}; create one with: cxresearch init {env}")
        return root
    return find_project() or package_root()


_CONFIG_CACHE: dict[tuple, dict] = {}


def project_config(root: str | os.PathLike | None = None) -> dict:
    """The parsed ``cxresearch.toml`` of a project (default the current one), with
    ``paths`` completed: every folder as an absolute :class:`~pathlib.Path`.

    Raises ValueError naming the file when the toml does not parse or ``[paths]`` is not a
    table of strings.
    """
    root = Path(root).resolve() if root is not None else project_root()
    file = root / PROJECT_FILE
    try:
        st = file.stat()
        key = (str(file), st.st_mtime_ns, st.st_size, outside_allowed())
    except OSError:
        key = (str(file), None, None, outside_allowed())
    if key not in _CONFIG_CACHE:
        conf: dict = {}
        if key[1] is not None:
            try:
                conf = tomllib.loads(file.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ValueError(f"{file}: not valid TOML ({exc})") from None
        given = dict(conf.get("paths", {})) if isinstance(conf.get("paths", {}), dict) else None
        allow = given.pop("allow_outside", False) if given is not None else False
        if not isinstance(allow, bool):
            raise ValueError(f"{file}: [paths] allow_outside must be true or false, got "
                             f"{allow!r}")
        if given is None or not all(isinstance(v, str) for v in given.values()):
            raise ValueError(f"{file}: [paths] must map folder names to strings, got "
                             f"{conf.get('paths')!r}")
        unknown = sorted(set(given) - set(_DEFAULT_FOLDERS))
        if unknown:
            raise ValueError(f"{file}: unknown folder(s) in [paths]: {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(_DEFAULT_FOLDERS))})")
        for k, v in given.items():
            if not v.strip() or "\x00" in v:
                raise ValueError(f"{file}: [paths] {k} = {v!r} is not a folder name")
            confined(v, root, f"{file}: [paths] {k} = {v!r}",
                     allow=allow or outside_allowed())
        folders = {k: (root / given.get(k, v)).resolve() for k, v in _DEFAULT_FOLDERS.items()}
        _CONFIG_CACHE[key] = {**conf, "root": root, "paths": folders, "allow_outside": allow}
    return _CONFIG_CACHE[key]


@contextlib.contextmanager
def use_project(project: str | os.PathLike | None):
    """Within the block, the current project is ``project`` (a folder with
    ``cxresearch.toml``); None leaves everything as it is. An explicit project also sets aside
    ``$CXRESEARCH_DATA`` so that its own folders are read. Used by the ``project=`` argument
    of ``load_instrument``, ``load_wave`` and ``ingest``; changes the process environment for
    the duration (not for concurrent threads)."""
    if project is None:
        yield None
        return
    root = Path(project).expanduser().resolve()
    if not (root / PROJECT_FILE).is_file():
        raise ValueError(f"project={os.fspath(project)!r} is not a cxresearch project (no "
                         f"{PROJECT_FILE}); create one with: cxresearch init {os.fspath(project)}")
    with environment(CXRESEARCH_PROJECT=str(root), CXRESEARCH_DATA=None):
        yield root


@contextlib.contextmanager
def environment(**values: str | None):
    """Within the block, set environment variables (``None`` unsets one); every variable is
    restored afterwards, also on error. Not for concurrent threads (the environment is the
    process's)."""
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _folder(name: str) -> Path:
    return project_config()["paths"][name]


def is_package_project() -> bool:
    """True when the current project is the tool's own repository."""
    return project_root() == package_root()


def data_dir() -> Path:
    """The run-local data root ``$CXRESEARCH_DATA`` when set, otherwise the folder that holds
    the project's waves (``<project>/data`` in the repository, ``<project>`` in a project made
    by ``cxresearch init``)."""
    env = os.environ.get("CXRESEARCH_DATA")
    return Path(env) if env else _folder("waves").parent


def _data_sub(sub: str) -> Path | None:
    env = os.environ.get("CXRESEARCH_DATA")
    if env and (Path(env) / sub).is_dir():
        return Path(env) / sub
    return None


def instruments_dir() -> Path:
    """The project's codebooks folder (``instruments/`` of ``$CXRESEARCH_DATA`` when that
    holds one). Names are looked up here first, then in the packaged examples:
    :func:`instrument_dirs`."""
    return _data_sub("instruments") or _folder("codebooks")


def instrument_dirs() -> list[Path]:
    """Folders searched for ``<name>.yaml``, in order: :func:`instruments_dir`, the project's
    codebooks folder, the packaged ``data/instruments`` (duplicates removed)."""
    out: list[Path] = []
    for p in (instruments_dir(), _folder("codebooks"), package_root() / "data" / "instruments"):
        if p.resolve() not in [q.resolve() for q in out]:
            out.append(p)
    return out


def published_dir() -> Path:
    """Folder of the published-figures ledger: ``$CXRESEARCH_DATA/published``, the project's
    own ``published/`` when it has one, else the packaged ledger."""
    own = _data_sub("published") or _folder("published")
    return own if own.is_dir() else package_root() / "data" / "published"


def waves_dir() -> Path:
    """Folder of ingested and reconstructed waves (``<study>/<wave>/``):
    ``$CXRESEARCH_DATA/waves`` when set, else the project's waves folder."""
    env = os.environ.get("CXRESEARCH_DATA")
    return Path(env) / "waves" if env else _folder("waves")


def examples_dir() -> Path:
    """Folder of example raw exports (``<study>/``): ``$CXRESEARCH_DATA/examples`` when it
    exists, else the project's (``data/examples`` in the repository; a project made by
    ``cxresearch init`` has none unless it creates ``examples/``)."""
    return _data_sub("examples") or _folder("examples")


def notebooks_dir() -> Path:
    """The project's own notebooks folder."""
    return _folder("notebooks")


def reports_dir() -> Path:
    """Folder that figures, tables and the provenance manifest go to.

    ``$CXRESEARCH_REPORTS`` when set (the reproduce pipeline sets it to ``reports/<run>/``),
    otherwise the project's ``reports/``.
    """
    env = os.environ.get("CXRESEARCH_REPORTS")
    return Path(env) if env else _folder("reports")


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


def _readable(tmp: str) -> None:
    """Give a temporary file the mode a plain ``open()`` would (``0666 & ~umask``), not
    ``mkstemp``'s private 0600, so that written reports are readable like any other file."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb"):
    """Yield a temporary file beside ``path``; on success it replaces ``path`` atomically.

    On any error the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    _readable(tmp)
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
    _readable(tmp)
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
    cell by cell with :func:`spreadsheet_safe`. A carriage return inside a text cell becomes a
    line feed: CSV writers with ``lineterminator="\\n"`` do not quote a bare CR, and a reader
    would start a new row there (``"'\\r=1"`` would put a live ``=1`` on the next line).
    """

    def cell(v):
        if not isinstance(v, str):
            return v
        return spreadsheet_safe(v).replace("\r\n", "\n").replace("\r", "\n")

    out = df.copy()
    out.columns = [cell(c) for c in out.columns]
    for j in range(out.shape[1]):          # by position: duplicate column names are fine
        s = out.iloc[:, j]
        if s.dtype == object or str(s.dtype) in ("string", "str") or str(s.dtype).startswith(
                "string"):
            out.isetitem(j, s.map(cell))
        elif str(s.dtype) == "category":
            out.isetitem(j, s.astype(object).map(cell))
    return out
