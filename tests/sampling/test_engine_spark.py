"""The equality tests through Spark (local mode, Ibis's pyspark backend): ``make test-spark``.

Skipped unless ``CX_TEST_SPARK=1`` (so ``make test`` stays fast) and pyspark and a Java
runtime are installed. The same random designs as ``test_engine_equality.py`` (fewer examples:
a Spark query costs about a second), the same estimators and the same 1e-12 tolerance:
Spark sums DOUBLEs in partitions, in yet another order.
"""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
import test_engine_equality as eq  # a sibling test module (tests/sampling on sys.path)
import test_engine_rake as rk
from hypothesis import HealthCheck, given, settings
from support import spark_tables as start_spark

pytestmark = [
    pytest.mark.skipif(os.environ.get("CX_TEST_SPARK") != "1",
                       reason="Spark tests run with CX_TEST_SPARK=1 (make test-spark)"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string'"),
    pytest.mark.filterwarnings("ignore::cxresearch.errors.SmallCellWarning"),
]

SPARK = settings(max_examples=int(os.environ.get("CX_SPARK_EXAMPLES", "3")), deadline=None,
                 derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def spark_tables(tmp_path_factory):
    pytest.importorskip("pyspark")
    spark, con, table = start_spark(tmp_path_factory.mktemp("spark"), "cx_t")
    eq._CON["factory"] = table
    yield con
    eq._CON.pop("factory", None)
    spark.stop()


def test_backend_is_spark(spark_tables):
    import pandas as pd

    from cxresearch.sampling.design import Design
    des = Design(eq._ibis_table(pd.DataFrame({"y": [1.0, 2.0], "w": [1.0, 3.0]})),
                 weights="w")
    assert des.backend == "pyspark"


@pytest.mark.parametrize("name", ["mean_domain_df", "total", "proportion", "nps",
                                  "likert_index"])
@SPARK
@given(case=eq.designs())
def test_spark_equals_memory(name, case):
    d, spec = case
    eq._check(d, spec, eq.ESTIMATORS[name])


@SPARK
@given(case=eq.designs())
def test_spark_crosstab_equals_memory(case):
    eq.test_crosstab_engine_equals_memory.hypothesis.inner_test(case)


@SPARK
@given(case=eq.designs())
def test_spark_continuous_mean_by_sums_equals_memory(case):
    inner = eq.test_continuous_mean_total_by_sums_equal_memory.hypothesis.inner_test
    inner(lambda des: eq.cx.mean(des, ["y", "q1"], by=["ch", "fcr"], df="domain"), case)
    inner(lambda des: eq.cx.total(des, "y", by="fcr"), case)


@SPARK
@given(case=eq.designs())
def test_spark_linear_regression_by_cross_products_equals_memory(case):
    eq._check_regress(*case, "gaussian", "y ~ q1 + ch + b", max_cells=1)


@pytest.mark.parametrize("study, export", [("api_schools", "api_2000.csv"),
                                           ("beps_1997", "beps.csv")])
def test_spark_wave_report_equals_memory(spark_tables, study, export):
    """The wave report's sections on a wave whose rows are a Spark table (``cx.open_wave``):
    items, segment estimates and segment tests (Wald F from regress's engine route; the
    classical ANOVA F from two GROUP BYs) as in memory, to 1e-12."""
    import warnings
    from pathlib import Path

    import cxresearch as cx
    from cxresearch.report.narrative import wavereport as wr

    surveys = Path(__file__).resolve().parents[1] / "pipeline" / "surveys"
    inst = cx.load_instrument(surveys / study / f"{study}.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = cx.ingest(str(surveys / study / export), inst, "2000", write=False)
        rows = mem.data.copy()
        for c in rows.columns:
            if isinstance(rows[c].dtype, pd.CategoricalDtype):
                rows[c] = rows[c].astype(object)
        eng = cx.open_wave(eq._ibis_table(rows), inst, wave="2000")
        assert eng.backend == "pyspark"
        segs, outs = wr.segments(inst), wr.segment_outcomes(inst)
        pairs = [(wr.item_estimates(mem)[0], wr.item_estimates(eng)[0]),
                 *zip(wr.segment_comparisons(mem, outs, segs),
                      wr.segment_comparisons(eng, outs, segs), strict=True)]
    for a, b in pairs:
        assert len(a) == len(b) and len(a)
        for c in ("estimate", "se", "statistic", "p_value", "n"):
            if c in a:
                pd.testing.assert_series_equal(a[c].astype(float), b[c].astype(float),
                                               rtol=1e-12, atol=1e-12)


@SPARK
@given(case=eq.designs())
def test_spark_logistic_regression_by_sums_equals_memory(case):
    eq._check_regress(*case, "binomial", "b ~ y + ch", max_cells=1)


@SPARK
@given(case=rk.raked_cases())
def test_spark_rake_equals_memory(case):
    """cx.rake on a Spark table (the factors joined as an Ibis memtable) = rake in memory, and
    the calibrated SEs after it (tests/sampling/test_engine_rake.py)."""
    from cxresearch.sampling.design import Design
    assert Design(rk._ibis_table(case[0])).backend == "pyspark"
    rk.test_estimates_after_raking_engine_equal_memory.hypothesis.inner_test("nps", case)
    rk.test_crosstab_after_raking_engine_equal_memory.hypothesis.inner_test(case)
