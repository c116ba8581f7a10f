"""Where an engine design's rows live: Parquet/CSV files, a DuckDB relation or an Ibis table.

:func:`as_table` turns what a user hands to ``cx.Design`` into an Ibis table expression. Files
are read by an embedded DuckDB (out of core, nothing loaded into Python); a DuckDB relation is
used on its own connection; an Ibis table is used on whatever backend it lives (DuckDB, Spark,
a warehouse), so the same aggregation runs there.

Examples
--------
>>> import pandas as pd, ibis
>>> t = as_table(ibis.memtable(pd.DataFrame({"y": [1, 2]})))
>>> sorted(t.columns)
['y']
>>> # In R (sqlsurvey / svydb): a design on a database table instead of a data.frame
"""

from __future__ import annotations

import glob as _glob
import os
from pathlib import Path

__all__ = ["as_table", "describe_source", "is_engine_source"]

_PARQUET = (".parquet", ".pq", ".parq")
_CSV = (".csv", ".csv.gz", ".tsv", ".txt")


def _ibis():
    try:
        import ibis
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ImportError("engine designs need ibis-framework and duckdb "
                          "(pip install 'ibis-framework[duckdb]')") from e
    return ibis


def is_engine_source(obj) -> bool:
    """True for a path, a DuckDB relation or an Ibis table (what an engine design reads)."""
    if isinstance(obj, str | os.PathLike):
        return True
    if isinstance(obj, list | tuple) and obj and all(isinstance(p, str | os.PathLike)
                                                      for p in obj):
        return True
    mod = type(obj).__module__
    return mod.startswith("ibis.") or mod.startswith("duckdb") or mod.startswith("_duckdb")


def _files(source) -> tuple[list[str], str]:
    """Expand a path, glob, folder or list of paths into files of one kind."""
    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    out: list[str] = []
    for it in items:
        s = os.fspath(it)
        if any(c in s for c in "*?["):
            hits = sorted(_glob.glob(s, recursive=True))
            if not hits:
                raise FileNotFoundError(f"source {s!r} matches no file")
            out += hits
        elif Path(s).is_dir():
            hits = sorted(str(p) for p in Path(s).rglob("*") if p.is_file()
                          and p.name.lower().endswith(_PARQUET + _CSV)
                          and not p.name.startswith((".", "_")))
            if not hits:
                raise FileNotFoundError(f"folder {s!r} holds no Parquet or CSV file")
            out += hits
        elif Path(s).is_file():
            out.append(s)
        else:
            raise FileNotFoundError(f"source {s!r} is not a file, folder or glob")
    kinds = {"parquet" if f.lower().endswith(_PARQUET) else
             "csv" if f.lower().endswith(_CSV) else "?" for f in out}
    if "?" in kinds:
        bad = next(f for f in out if not f.lower().endswith(_PARQUET + _CSV))
        raise ValueError(f"source file {bad!r} is neither Parquet nor CSV")
    if len(kinds) > 1:
        raise ValueError("source mixes Parquet and CSV files; point it at one kind")
    return out, kinds.pop()


def as_table(source, *, con=None):
    """An Ibis table for ``source``.

    Parameters
    ----------
    source : str, path, list of paths, duckdb relation or ibis Table
        A Parquet or CSV file, a glob (``"exports/*.parquet"``), a folder (read recursively;
        hive partitions such as ``study=x/wave=2024-05`` become columns), a DuckDB relation,
        or an Ibis table on any backend.
    con : ibis backend or duckdb connection, optional
        Where to read files (default: a new in-process DuckDB), or the DuckDB connection a
        relation belongs to (default: DuckDB's default connection, where ``duckdb.sql``
        relations live).
    """
    ibis = _ibis()
    if isinstance(source, ibis.expr.types.Table):
        return source
    mod = type(source).__module__
    if mod.startswith("duckdb") or mod.startswith("_duckdb"):
        import duckdb
        dcon = con if con is not None else duckdb.default_connection()
        dcon = getattr(dcon, "con", dcon)  # an ibis duckdb backend holds its connection
        name = f"cx_rel_{id(source):x}"
        try:
            source.create_view(name, replace=True)
            backend = ibis.duckdb.from_connection(dcon)
            return backend.table(name)
        except Exception as e:
            raise ValueError("could not use the DuckDB relation on its connection; pass "
                             "con=<the duckdb connection it was made on>") from e
    if isinstance(source, str | os.PathLike) or isinstance(source, list | tuple):
        files, kind = _files(source)
        backend = con if con is not None else ibis.duckdb.connect()
        if kind == "parquet":
            hive = any("=" in Path(f).parent.name for f in files)
            return backend.read_parquet(files, hive_partitioning=hive)
        return backend.read_csv(files)
    raise TypeError(f"source must be a DataFrame, a path/glob/folder of Parquet or CSV files, "
                    f"a DuckDB relation or an Ibis table, got {type(source).__name__}")


def describe_source(table) -> str:
    """Backend name of an Ibis table (for result notes)."""
    try:
        return table.get_backend().name
    except Exception:  # noqa: BLE001 - unbound memtables have no backend yet
        return "duckdb"
