"""The Examples sections of the sampling modules run."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:The 'future.infer_string'")
@pytest.mark.parametrize("module", ["cxresearch.sampling.variance", "cxresearch.sampling.engine",
                                    "cxresearch.sampling.sources", "cxresearch.sampling.sums",
                                    "cxresearch.statistics.models.engine_linear"])
def test_docstring_examples_run(module):
    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
