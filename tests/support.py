"""Helpers shared by test modules in several folders (``pythonpath = ["tests"]`` in
pyproject.toml puts this folder on the path; a ``conftest`` module cannot be imported by name
once sub-folders have their own)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parent / "reference"


@functools.cache
def _reference_json(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))


def r_reference(name: str) -> dict:
    """R's results printed by ``tests/reference/<name>.R`` (``<name>.json``), a fresh copy."""
    return copy.deepcopy(_reference_json(name.removesuffix(".json")))


def reference_csv(name: str, **read_csv) -> pd.DataFrame:
    """The data an R reference script used (``tests/reference/data/<name>.csv``), read afresh
    (tests modify what they read)."""
    return pd.read_csv(REFERENCE / "data" / f"{name.removesuffix('.csv')}.csv", **read_csv)


def fake_wave(data, instrument, manifest=None, design=None, synthetic=None):
    """A :class:`cxresearch.Wave` around a stand-in codebook (any object with the attributes a
    test needs), without the codebook resolution of ``Wave.__init__``."""
    from cxresearch.waves.storage import Wave

    w = Wave.__new__(Wave)
    w.data = data
    w.instrument = instrument
    w.manifest = dict(manifest or {})
    if synthetic is not None:
        w.manifest["synthetic"] = synthetic
    w.quarantine = None
    if design is not None:
        w.design = design
    return w


def spark_tables(workdir: Path, prefix: str):
    """A Spark local-mode session (2 cores, no UI, UTC, Arrow) and ``table(frame)``, which
    registers a DataFrame as a temporary view and returns it as an Ibis table; for the
    ``make test-spark`` modules. Returns ``(spark, con, table)``; the caller stops ``spark``."""
    import ibis
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName(f"cxresearch-{prefix}")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.default.parallelism", "2")
             .config("spark.driver.memory", "1g")
             .config("spark.sql.warehouse.dir", str(workdir / "warehouse"))
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={workdir}")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(spark)
    count = {"i": 0}

    def table(d):
        count["i"] += 1
        d = d.copy()
        for c in d.columns:  # pandas' missing strings must reach Spark as NULL, not "NaN"
            if not pd.api.types.is_numeric_dtype(d[c]):
                d[c] = d[c].astype(object).where(d[c].notna(), None)
        name = f"{prefix}{count['i']}"
        spark.createDataFrame(d).createOrReplaceTempView(name)  # a view: nothing on disk
        return con.table(name)

    return spark, con, table
