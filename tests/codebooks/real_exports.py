"""Real exports the draft is tested on (issue 23: every rule on several real surveys, not
tuned to one); import ``real_export_fixture`` into a test module for the ``real_export``
fixture (a conftest.py here would shadow tests/conftest.py, which flat tests import). Each is written to a CSV as a researcher would export it; nothing large is
committed: the data are read from packages installed with the project or from Debian's R
packages, and a test is skipped when its source is absent.

| name | source | licence of the data / package |
|---|---|---|
| mobi | data/examples/ecsi_mobi/mobi.csv (ECSI mobile-phone survey, shipped) | see its README |
| anes96 | statsmodels.datasets.anes96 (American National Election Studies 1996) | public domain |
| fair | statsmodels.datasets.fair (Redbook women's survey 1974, Fair 1978) | public domain |
| gss7402 | R package AER, data GSS7402 (General Social Survey 1974-2002), r-cran-aer | GPL-2/3 |
| affairs | R package AER, data Affairs (Psychology Today survey 1969, Fair 1978) | GPL-2/3 |
| nhanes | R package survey, data nhanes (NHANES 2009-10 subset), r-cran-survey | GPL-2/3 |
| apiclus1 | R package survey, data apiclus1 (California Academic Performance Index) | GPL-2/3 |
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from cxresearch import paths

EXAMPLES = paths.package_root() / "data" / "examples"
R_LIB = Path("/usr/lib/R/site-library")
_R = {"gss7402": ("AER", "GSS7402", "GSS7402"), "affairs": ("AER", "Affairs", "Affairs"),
      "nhanes": ("survey", "nhanes", "nhanes"), "apiclus1": ("survey", "api", "apiclus1")}


def real_frame(name: str) -> pd.DataFrame:
    """The real data set ``name`` as a DataFrame (skips the test when its source is absent)."""
    if name in ("anes96", "fair"):
        sm = pytest.importorskip("statsmodels.datasets")
        return getattr(sm, name).load_pandas().data
    pkg, file, obj = _R[name]
    path = R_LIB / pkg / "data" / f"{file}.rda"
    if not path.is_file():
        pytest.skip(f"{path} is not installed (Debian r-cran-{pkg.lower()})")
    rdata = pytest.importorskip("rdata")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdata.read_rda(str(path))[obj]


@pytest.fixture(scope="session", name="real_export")
def real_export_fixture(tmp_path_factory):
    """``real_export(name)`` -> path of a CSV export of the real data set ``name``."""
    root = tmp_path_factory.mktemp("real")

    def make(name: str) -> Path:
        if name == "mobi":
            return EXAMPLES / "ecsi_mobi" / "mobi.csv"
        out = root / f"{name}.csv"
        if not out.exists():
            df = real_frame(name)
            for c in df.columns:  # R factors as their labels, as an export holds them
                if isinstance(df[c].dtype, pd.CategoricalDtype):
                    df[c] = df[c].astype(object)
            df.to_csv(out, index=False)
        return out

    return make
