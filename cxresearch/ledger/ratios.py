"""Published "k times more likely" claims re-estimated in a wave.

A report states that one group is k times as likely as another to give an answer ("fully
omnichannel companies are 2.4 times as likely to report significant revenue growth as
immature ones"). :func:`ratio_claims` estimates that risk ratio in a wave, with its interval
(design-based when the wave's codebook declares weights), and puts it beside what the report
states (the ledger row), so a notebook can show both and a reader can judge the claim.

On a reconstruction the ratios were constrained to the published bounds, so agreement there
validates nothing; on an observed wave the same table is a genuine test of the claims.

References
----------
Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., section 3.1 (risk ratio).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from cxresearch.ledger.figures import published
from cxresearch.sampling.design import Design
from cxresearch.statistics.relationships.contingency import two_by_two

__all__ = ["RatioClaim", "ratio_claims"]

_FIELDS = ("label", "item", "level", "versus", "ledger_id")


class RatioClaim(tuple):
    """``(label, item, level, versus, ledger_id)``: one claim, as :func:`ratio_claims` reads it.

    ``label`` names the outcome in words; ``item``/``level`` the answer whose share is compared;
    ``versus`` the comparison group (a key of ``groups``, or ``"rest"``: every other level of
    the exposure); ``ledger_id`` the ledger row holding the published ratio.
    """

    __slots__ = ()

    def __new__(cls, label, item, level, versus, ledger_id):
        return super().__new__(cls, (label, item, level, versus, ledger_id))


def _claims(claims) -> list[tuple]:
    if isinstance(claims, Mapping | str) or not isinstance(claims, Iterable):
        raise TypeError(f"claims must be a list of (label, item, level, versus, ledger_id), "
                        f"got {type(claims).__name__}")
    out = []
    for c in claims:
        if isinstance(c, Mapping):
            missing = [f for f in _FIELDS if f not in c]
            if missing:
                raise ValueError(f"claim {dict(c)!r} lacks {missing}")
            c = tuple(c[f] for f in _FIELDS)
        if not isinstance(c, tuple | list) or len(c) != 5:
            raise ValueError(f"claims must be (label, item, level, versus, ledger_id), got {c!r}")
        out.append(tuple(c))
    if not out:
        raise ValueError("claims is empty: nothing to estimate")
    return out


def ratio_claims(wave, claims, *, exposure: str, exposed, groups=None,
                 exposed_label: str | None = None, ledger=None,
                 conf_level: float = 0.95) -> pd.DataFrame:
    """Risk ratio of each published claim in a wave, beside the published figure.

    Parameters
    ----------
    wave : Wave
        The wave (observed, example or reconstructed); weighted when its codebook declares a
        weight column and every respondent has a weight.
    claims : list of (label, item, level, versus, ledger_id)
        One tuple (or dict with those keys, or :class:`RatioClaim`) per claim.
    exposure : str
        The grouping item (e.g. ``"omnichannel_maturity"``).
    exposed : str or list of str
        The exposure level(s) of the group the claim is about (``"full_omnichannel"``).
    groups : dict or callable, optional
        ``{name: [levels]}`` naming the comparison groups ``versus`` refers to, or a function
        of the wave returning that dict (a reconstruction states in its manifest which stages
        it counted as "immature"). ``versus="rest"``, or a name whose levels are ``None``,
        means every level other than ``exposed``.
    exposed_label : str, optional
        How ``claim`` names the exposed group (default: its level names).
    ledger : DataFrame, optional
        The published-figures ledger (default :func:`cxresearch.published` of the wave's study).
    conf_level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        The ``risk_ratio`` row of :func:`cxresearch.two_by_two` per claim (``estimate, se,
        ci_low, ci_high, p_value, n, ...``) with ``claim`` ("<label> (<exposed> vs <versus>)")
        and ``published`` (the ledger's bound and value, e.g. "gt 2.4").

    Raises
    ------
    ValueError
        An exposure or item that is not a column, a ``versus`` that names no group, a ledger id
        that is not in the ledger.

    Examples
    --------
    >>> claims = [("revenue growth", "revenue_growth", "significant_increase", "immature",
    ...            "mitto_cx.significant_revenue_growth_ratio.full_omnichannel_vs_immature")]
    >>> rr = ratio_claims(w, claims, exposure="omnichannel_maturity",  # doctest: +SKIP
    ...                   exposed="full_omnichannel", groups={"immature": ["no_strategy"]})
    >>> # In R: svyglm(outcome ~ exposed, des, family = quasipoisson()) and exp(coef)
    """
    specs = _claims(claims)
    d = wave.data
    if exposure not in d:
        raise ValueError(f"exposure {exposure!r} is not a column of the wave")
    top = [exposed] if isinstance(exposed, str) else list(exposed)
    name = exposed_label if exposed_label is not None else " or ".join(map(str, top))
    stage = d[exposure].astype("object")
    is_exposed = stage.isin(top)
    named = groups(wave) if callable(groups) else dict(groups or {})
    if ledger is None:
        ledger = published(str(wave.study))
    ledger = ledger.set_index("id") if "id" in ledger.columns else ledger
    weight = wave.instrument.design_columns().get("weights")
    weighted = weight is not None and weight in d and d[weight].notna().all()
    rows = []
    for label, item, level, versus, lid in specs:
        if item not in d:
            raise ValueError(f"claim {label!r}: item {item!r} is not a column of the wave")
        if versus == "rest" or (versus in named and named[versus] is None):
            other = stage.notna() & ~is_exposed
        elif versus in named:
            other = stage.isin(list(named[versus]))
        else:
            raise ValueError(f"claim {label!r}: versus={versus!r} is neither a key of groups "
                             f"({sorted(named)}) nor 'rest'")
        if lid not in ledger.index:
            raise ValueError(f"claim {label!r}: ledger_id {lid!r} is not in the ledger")
        frame = d.assign(_exposed=is_exposed, _outcome=d[item] == level)
        frame = frame[is_exposed | other].dropna(subset=[item])
        design = Design(frame, weights=weight) if weighted else frame
        t = two_by_two(design, exposure="_exposed", outcome="_outcome", conf_level=conf_level)
        pub = ledger.loc[lid]
        rows.append(t[t["measure"] == "risk_ratio"].assign(
            claim=f"{label} ({name} vs {versus})",
            published=f"{pub['bound']} {pub['value']:g}"))
    return pd.concat(rows, ignore_index=True)

