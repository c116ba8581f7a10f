"""Ingest a raw survey export: validate it against the study's codebook and store a wave.

``cx.ingest(path, instrument, wave)`` reads the export (:mod:`cxresearch.readers`: CSV in
UTF-8/UTF-16/GB18030 with a sniffed delimiter, Qualtrics CSV, XLSX, SPSS ``.sav``, Parquet),
maps its columns to codebook items, recodes every answer to the codebook's codes and checks
it, and writes ``data/waves/<study>/<wave>/`` (``responses.parquet`` + ``manifest.json``).

Rules (what a researcher can rely on):

* **Columns** map to items by item id, codebook alias or question wording (in any codebook
  language); exact matches first, then ignoring case, width and spacing when that names one
  item only. A multi-select arrives either as one column per option (``<item>__<value>``,
  ``<item>_<value>``, ``<item>_<code>``; cells 1/0, true/false, or the option's label as
  Qualtrics writes it) or as one column of delimited labels.
* **Answers** may be codes, level values or labels in any codebook language; case, width and
  spacing are ignored only when that leaves one candidate. Missing-value codes and labels
  become NA; an empty cell is NA (an error for a required item).
* **Dropped columns are counted, never silent**: PII-flagged items, Qualtrics metadata and the
  codebook's ``ignore_columns`` are dropped and listed in the manifest. Other *unknown* columns
  are dropped with a warning and listed too — unless they look like a misspelled codebook
  header (an error naming the likely item) or most of the file is unknown (an error: probably
  another study's export, with the codebook it matches best).
* **Bad input**: every problem is collected and reported at once with its row (1-based, as a
  spreadsheet shows the file: header = row 1), column, value and a hint. With
  ``on_error="fail"`` nothing is written; with ``on_error="quarantine"`` rows with problems go
  to ``quarantine.csv`` with their reasons and are counted in the manifest. File- and
  column-level problems (unreadable file, missing required item, ...) always fail.
* **Personal data never leaves ingestion**: ``pii: true`` items are dropped before anything
  else; ``quarantine.csv`` holds only the columns mapped to non-PII items (never Qualtrics
  metadata such as ``IPAddress``, never unknown columns, never the text of an unreadable
  record); values that look like e-mail or IP addresses in any other column (the respondent
  id included) raise :class:`~cxresearch.errors.PiiSuspectedWarning` naming the column and
  are withheld from every message, problem record and quarantine cell.
* **SPSS value labels** that contradict the codebook are an error naming the column, the
  file's code and label and the codebook's meaning (``trust_file_labels=True`` reads the
  file's labels instead): see :mod:`cxresearch.intake.labels`.
* **Numbers** must be finite: ``1e309``, a 400-digit integer, ``inf`` or ``nan`` text are
  refused with row, column and value (never stored as infinity). Spreadsheet booleans are
  ``TRUE``/``FALSE`` text, refused in coded and numeric items.
* **Made-up examples** (the exports that ``data/examples/make_examples.py`` writes, listed by
  sha256 in ``data/examples/made_up.json``) are illustrative respondents, not data of any
  study: their waves are marked ``synthetic: true, example: true``. Every other file is
  observed data (``synthetic: false``) unless the caller says otherwise.

* **Large CSV and Parquet exports** (at least
  :data:`~cxresearch.intake.streaming.STREAM_MIN_BYTES`) are read, validated and written block
  by block (:mod:`cxresearch.intake.streaming`; Parquet by record batches): the same wave,
  manifest and problems, with memory independent of the number of rows (5M rows, an 870 MiB
  file: 453 MiB peak, against 4.2 GB read whole); a wave of more than
  :data:`~cxresearch.intake.streaming.PART_ROWS` rows is stored as part files.
* **A folder of exports** (the daily files of continuous feedback) is one wave, a partition
  per file, all or nothing (:mod:`cxresearch.intake.folder`).
* **Long files** holding several waves: ``wave_column=`` (and ``wave_period=`` for dates)
  ingests each value as its own wave, all or nothing (:mod:`cxresearch.intake.longfile`).
  On the command line, ``cxresearch ingest FILE --instrument S`` with neither ``--wave`` nor
  ``--wave-column`` takes the column the codebook names under ``meta.wave_column`` (which
  ``codebook draft`` proposes), and says so.

Validation is vectorized: each column is dictionary-encoded once and only its distinct values
are looked up, so a million rows cost little more than reading them. The steps live in
:mod:`cxresearch.intake.validation`.
"""

from __future__ import annotations

import sys
import warnings
from os import PathLike
from pathlib import Path

from cxresearch import paths
from cxresearch.codebooks.instrument import load_instrument
from cxresearch.errors import PiiSuspectedWarning, UnknownColumnsWarning, printable
from cxresearch.intake.batches import data_bytes
from cxresearch.intake.folder import ingest_folder
from cxresearch.intake.longfile import ingest_long
from cxresearch.intake.readers import NotStreamable, read_export
from cxresearch.intake.streaming import STREAM_MIN_BYTES, ingest_streamed
from cxresearch.intake.validation import _validate
from cxresearch.waves.storage import (
    WaveExistsError,
    recover_wave,
    sha256_file,
    wave_dir,
    write_wave,
)

__all__ = ["STREAM_MIN_BYTES", "PiiSuspectedWarning", "UnknownColumnsWarning",
           "codebook_wave_column", "ingest", "run_cli", "summary"]


def ingest(path, instrument, wave: str | None = None, *, on_error: str = "fail",
           replace: bool = False, write: bool = True, root=None, synthetic: bool | None = None,
           encoding: str | None = None, sheet: str | None = None, project=None,
           trust_file_labels: bool = False, wave_column: str | None = None,
           wave_period: str | None = None):
    """Validate a raw export against its codebook and store it as a wave.

    Parameters
    ----------
    path : path
        The export: CSV/TSV (UTF-8, UTF-8 with BOM, UTF-16, GB18030/GBK; delimiter , ; tab |
        sniffed), a Qualtrics CSV export, XLSX, SPSS ``.sav`` (value labels used) or Parquet.
        Or a **folder** of such exports (daily files of continuous feedback): every file in
        it is a partition of the one wave ``wave``, validated on its own, all or nothing,
        every problem of every file reported at once (:mod:`cxresearch.intake.folder`).
    instrument : str or Instrument
        Codebook name (``"mitto_cx"``) or a loaded instrument.
    wave : str
        Wave label, e.g. ``"2024"``; the folder name under ``data/waves/<study>/``. Not with
        ``wave_column``.
    wave_column : str, optional
        A long file holding several waves (continuous feedback, a tracking export): each value
        of this column is ingested as its own wave, labelled by the value (which must be a
        valid wave label). Every wave is validated on its own rows (a respondent id may recur
        across waves); all or nothing: if any wave has a problem, or exists without
        ``replace``, nothing is written. The column itself is not stored unless it is a
        codebook item. Returns a list of waves, sorted by label.
    wave_period : {"month", "quarter", "year"}, optional
        With ``wave_column`` holding dates: group them into waves labelled ``2024-03``,
        ``2024-Q1`` or ``2024``. Dates are read as ISO (``2024-03-31``, with or without a time)
        or day-first (``31/03/2024``, ``31.03.2024``); an unreadable date is an error with its
        row.
    on_error : {"fail", "quarantine"}
        ``"fail"``: any problem raises :class:`~cxresearch.errors.IngestError` listing every
        problem and nothing is written. ``"quarantine"``: rows with problems are set aside in
        ``quarantine.csv`` (with their reasons) and the rest is kept; file- and column-level
        problems still fail.
    replace : bool, default False
        Overwrite an existing wave (otherwise :class:`~cxresearch.waves.WaveExistsError`).
    write : bool, default True
        Write the wave; ``False`` only validates and returns it.
    root : path, optional
        Folder of waves (default ``paths.waves_dir()``).
    synthetic : bool, optional
        Label the wave synthetic. Default: True for the made-up example exports (their
        sha256 is listed in ``data/examples/made_up.json``; the manifest also gets
        ``example: true``), else False — real exports, including the real ECSI example.
    encoding, sheet : str, optional
        Force a text encoding; choose an XLSX worksheet.
    trust_file_labels : bool, default False
        SPSS ``.sav`` value labels and user-missing declarations that contradict the codebook
        (reversed labels, a numeral naming another code, a code the codebook lacks, a valid
        code declared missing) are an error naming the column, the file's code and label and
        the codebook's; ``True`` reads the file's labels instead (recoded by the codebook).
    project : path, optional
        A project folder (with ``cxresearch.toml``): its codebooks, and its ``waves/`` to
        write to. Default: the current project (``--project``, or found from the current
        directory, as git finds ``.git``).

    Returns
    -------
    cxresearch.waves.Wave
        (A list of them with ``wave_column``.)

    Warns
    -----
    PiiSuspectedWarning
        A column not marked ``pii`` (the respondent id included) holds values that look like
        e-mail or IP addresses; the warning names the column, never a value. Such values are
        withheld from every message and from ``quarantine.csv``, which holds only the columns
        mapped to non-PII items.

    Raises
    ------
    IngestError
        With ``problems``: dicts ``row, column, value, problem, hint`` (and ``kind``).

    References
    ----------
    Qualtrics, "Data & Analysis: Exporting response data" (CSV legacy/new formats, ImportId
    header row). IBM SPSS Statistics, value labels and user-missing values.

    Examples
    --------
    >>> import cxresearch as cx
    >>> w = cx.ingest("export.csv", "mitto_cx", "2024")          # doctest: +SKIP
    >>> w.manifest["rows_kept"], w.manifest["rejections"]        # doctest: +SKIP
    >>> ws = cx.ingest("feedback.csv", "members", wave_column="date",
    ...                wave_period="quarter")                     # doctest: +SKIP
    >>> # In R (no direct equivalent): haven::read_sav("export.sav") + validation by hand
    """
    if project is not None:
        with paths.use_project(project):
            return ingest(path, instrument, wave, on_error=on_error, replace=replace,
                          write=write, root=root, synthetic=synthetic, encoding=encoding,
                          sheet=sheet, trust_file_labels=trust_file_labels,
                          wave_column=wave_column, wave_period=wave_period)
    if on_error not in ("fail", "quarantine"):
        raise ValueError(f"on_error must be 'fail' or 'quarantine', got {on_error!r}")
    for name, flag in (("replace", replace), ("write", write),
                       ("trust_file_labels", trust_file_labels)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if instrument is None:
        raise TypeError("instrument must be a codebook name, path or Instrument, got None")
    if not isinstance(path, str | PathLike):
        raise TypeError(f"path must be a file path, got {type(path).__name__}")
    if wave_column is not None or wave_period is not None:
        if wave is not None:
            raise ValueError(f"give either wave (one wave) or wave_column (a wave per value), "
                             f"not both: wave={wave!r}, wave_column={wave_column!r}")
        return ingest_long(path, instrument, wave_column, wave_period=wave_period,
                           on_error=on_error, replace=replace, write=write, root=root,
                           synthetic=synthetic, encoding=encoding, sheet=sheet,
                           trust_file_labels=trust_file_labels)
    if wave is None:
        raise TypeError("ingest() needs wave (the wave label) or wave_column (a column whose "
                        "values are the wave labels)")
    inst = load_instrument(instrument)
    path = Path(path)
    target = wave_dir(inst.name, wave, root)  # also validates the label
    if write:  # a replacement killed earlier is resolved first (it may leave no wave)
        recover_wave(inst.name, wave, root)
    if write and target.exists() and not replace:
        raise WaveExistsError(
            f"wave {inst.name}/{wave} already exists at {target}; nothing was read or written "
            "(pass replace=True, or --replace on the command line, to overwrite it)")
    if path.is_dir():   # a folder of exports (daily files): one wave, a part per file
        if not write:
            raise ValueError(f"a folder of exports ({path}) is ingested batch by batch and "
                             "written as it is validated; write=False takes one file")
        if sheet is not None:
            raise ValueError("sheet= chooses a worksheet of one XLSX file, not of a folder")
        return ingest_folder(path, inst, wave, on_error=on_error, replace=replace, root=root,
                             synthetic=synthetic, encoding=encoding,
                             trust_file_labels=trust_file_labels)
    if write and sheet is None and path.is_file() and data_bytes(path) >= STREAM_MIN_BYTES:
        try:   # a large CSV: read, validated and written batch by batch (bounded memory)
            return ingest_streamed(inst, path, wave, on_error=on_error, replace=replace,
                                   root=root, synthetic=synthetic, encoding=encoding,
                                   trust_file_labels=trust_file_labels)
        except NotStreamable:
            pass   # nothing was written: the whole-file reader decides
    raw = read_export(path, encoding=encoding, sheet=sheet)
    out = _validate(inst, raw, path, wave, on_error=on_error, synthetic=synthetic,
                    trust_file_labels=trust_file_labels, sha=sha256_file(path))
    if write:
        write_wave(out, replace=replace, root=root)
    return out


def codebook_wave_column(instrument) -> tuple[str | None, str | None]:
    """``(column, period)`` of a codebook's ``meta.wave_column`` (a name, or a mapping with
    ``column`` and ``period``), ``(None, None)`` when it names none.

    ``instrument`` is a codebook name, path or :class:`Instrument`; a codebook that does not
    load gives ``(None, None)`` here (ingest then reports its problems).

    Examples
    --------
    >>> codebook_wave_column("ecsi_mobi")
    (None, None)
    >>> # In R: no equivalent (a long file is split with split(df, df$year))
    """
    from cxresearch.errors import CodebookError

    try:
        inst = load_instrument(instrument)
    except (CodebookError, ValueError, TypeError, OSError):
        return None, None
    wc = (inst.meta or {}).get("wave_column")
    if isinstance(wc, str) and wc.strip():
        return wc, None
    if isinstance(wc, dict) and isinstance(wc.get("column"), str) and wc["column"].strip():
        period = wc.get("period")
        return wc["column"], period if period in ("month", "quarter", "year") else None
    return None, None


def run_cli(args, parse_sets) -> int:
    """``cxresearch ingest PATH --instrument NAME --wave LABEL [--on-error] [--replace]``."""
    wave_column = getattr(args, "wave_column", None)
    period = getattr(args, "wave_period", None)
    if args.wave is None and wave_column is None:
        # the codebook may name its wave column (`meta.wave_column`, proposed by the draft)
        wave_column, meta_period = codebook_wave_column(args.instrument)
        if wave_column is not None:
            period = period if period is not None else meta_period
            print(f"wave column {printable(wave_column)!r} from the codebook's "
                  f"meta.wave_column" + (f", dates grouped by {period}" if period else "")
                  + " (give --wave LABEL to ingest the file as one wave)")
    if (args.wave is None) == (wave_column is None):
        print("cxresearch ingest: give --wave LABEL (one wave) or --wave-column COLUMN (one "
              "wave per value of the column; or name it under meta.wave_column in the "
              "codebook), not both and not neither", file=sys.stderr)
        return 2
    if period is not None and wave_column is None:
        print("cxresearch ingest: --wave-period needs --wave-column (the date column)",
              file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownColumnsWarning)
            warnings.simplefilter("always", PiiSuspectedWarning)
            w = ingest(args.path, args.instrument, args.wave, on_error=args.on_error,
                       replace=args.replace,
                       trust_file_labels=bool(getattr(args, "trust_file_labels", False)),
                       wave_column=wave_column, wave_period=period)
    except ValueError as exc:  # IngestError lists every problem; exit status 1 (an OSError
        print(f"cxresearch ingest: {exc}", file=sys.stderr)  # goes to the CLI's boundary)
        return 1
    for msg in dict.fromkeys(printable(c.message) for c in caught):  # once per message
        print(f"warning: {msg}", file=sys.stderr)
    for one in (w if isinstance(w, list) else [w]):
        print(summary(one, one.path))
    if isinstance(w, list):
        print(f"{len(w)} wave(s) from one file, column {printable(wave_column)!r}"
              + (f" grouped by {period}" if period else "") + ": "
              + ", ".join(one.label for one in w))
    return 0


def summary(w, where=None) -> str:
    """A few lines describing an ingested wave (what the CLI and the pipeline print)."""
    m = w.manifest
    r = m.get("reading", {})
    lines = [f"{m['study']}/{m['wave']}: {m['rows_read']} rows read, {m['rows_kept']} kept, "
             f"{m['rows_rejected']} rejected" + (" (synthetic example)" if m.get("example")
                                                 else "")]
    files = m.get("source_files")
    if files:   # a folder of exports
        kinds = ", ".join(sorted({str(f.get("format")) for f in files}))
        lines.append(f"  source folder {printable(m['source_file'])}: {len(files)} file(s) "
                     f"({kinds}), {printable(files[0]['file'])} … "
                     f"{printable(files[-1]['file'])}")
    else:
        lines.append(f"  source {printable(m['source_file'])} ({r.get('format')}"
                     + (f", {r['encoding']}" if r.get("encoding") else "")
                     + (", Qualtrics" if r.get("qualtrics") else "") + ")")
    for reason, cols in (m.get("columns_dropped") or {}).items():
        lines.append(f"  dropped {len(cols)} {reason} column(s): {', '.join(cols)}")
    for rej in m.get("rejections", []):
        lines.append(f"  rejected: {rej['count']} × {rej['reason']} ({rej['column']})")
    if where is not None:
        lines.append(f"  written to {where}")
        if m["rows_rejected"]:
            lines.append(f"  rejected rows with reasons: {Path(where) / 'quarantine.csv'}")
    return "\n".join(printable(line) for line in lines)  # headers, file names: escaped
