"""key_drivers, reliability, ordinal_logit and two_by_two through Spark (``make test-spark``).

Skipped unless ``CX_TEST_SPARK=1`` and pyspark and a Java runtime are installed, as
``tests/sampling/test_engine_spark.py``. The same random designs and tolerances as the DuckDB
equality tests of these estimators (``test_engine_drivers.py``, ``test_engine_reliability.py``,
``test_engine_relationships.py``), fewer examples: each estimate runs two to four Spark
queries.
"""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest
import test_engine_drivers as kd  # sibling test modules (tests/statistics on sys.path)
import test_engine_relationships as rl
import test_engine_reliability as rel
from hypothesis import HealthCheck, given, settings
from support import spark_tables as start_spark

pytestmark = [
    pytest.mark.skipif(os.environ.get("CX_TEST_SPARK") != "1",
                       reason="Spark tests run with CX_TEST_SPARK=1 (make test-spark)"),
    pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string'"),
]

SPARK = settings(max_examples=int(os.environ.get("CX_SPARK_EXAMPLES", "2")), deadline=None,
                 derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def spark_tables(tmp_path_factory):
    pytest.importorskip("pyspark")
    spark, con, table = start_spark(tmp_path_factory.mktemp("spark"), "cx_m")
    for mod in (kd, rel, rl):
        mod._CON["factory"] = table
    yield con
    for mod in (kd, rel, rl):
        mod._CON.pop("factory", None)
    spark.stop()


def test_backend_is_spark():
    from cxresearch.sampling.design import Design
    des = Design(kd._table(pd.DataFrame({"y": [1.0, 2.0], "w": [1.0, 3.0]})), weights="w")
    assert des.backend == "pyspark"


@SPARK
@given(case=kd.driver_designs())
def test_key_drivers_through_spark(case):
    kd.test_key_drivers_engine_equals_memory.hypothesis.inner_test(method="all", case=case)


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
@SPARK
@given(case=rel.scales())
def test_reliability_through_spark(missing, case):
    rel.test_reliability_engine_equals_memory.hypothesis.inner_test(missing=missing, case=case)


@pytest.mark.parametrize("name", list(rl.ORD))
@SPARK
@given(case=rl.designs())
def test_ordinal_logit_through_spark(name, case):
    rl.test_ordinal_logit_engine_equals_memory.hypothesis.inner_test(name=name, case=case)


@pytest.mark.parametrize("name", list(rl.TWO))
@SPARK
@given(case=rl.designs())
def test_two_by_two_through_spark(name, case):
    rl.test_two_by_two_engine_equals_memory.hypothesis.inner_test(name=name, case=case)
