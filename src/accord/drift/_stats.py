"""Two-sample comparisons that stay honest as samples grow.

Small samples get a hypothesis test (a p-value against ``alpha``); large samples, where any
test finds *some* difference, get an effect size against a fixed threshold. Rates always get a
test plus a minimum effect (Cohen's h). See docs/drift.md for the numbers and why.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

from accord.drift._model import (
    CategoricalProfile,
    FieldKind,
    NumericProfile,
    Profile,
    RateProfile,
)

TestName = Literal[
    "z-test",
    "fisher-exact",
    "chi-square",
    "jensen-shannon",
    "kolmogorov-smirnov",
    "wasserstein",
    "none",
]


@dataclass(frozen=True)
class Thresholds:
    """Decision rules for a drift check (defaults documented in docs/drift.md)."""

    #: Family-wise false-alarm rate of one check; split over the fields (Bonferroni).
    alpha: float = 0.01
    #: Fewer values than this on either side: the field is not decided.
    min_samples: int = 50
    #: From this many values on *both* sides, categorical and numeric fields use distances.
    large_n: int = 5_000
    #: Jensen-Shannon distance (base 2, in [0, 1]) above which a categorical field drifted.
    js_distance: float = 0.05
    #: Wasserstein distance divided by the baseline's standard deviation.
    wasserstein: float = 0.1
    #: Minimum |Cohen's h| between two rates for a significant change to count as drift.
    rate_effect: float = 0.05
    #: Expected cell count below which a rate is tested with Fisher's exact test.
    fisher_below: float = 5.0
    #: Categories seen fewer times than this (both sides together) are pooled as "(rare)".
    rare_category: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if self.min_samples < 2:
            raise ValueError(f"min_samples must be >= 2, got {self.min_samples}")
        if self.large_n < self.min_samples:
            raise ValueError("large_n must be >= min_samples")


@dataclass(frozen=True)
class FieldResult:
    """Outcome of comparing one field; ``drifted`` is None when there was too little data."""

    name: str
    kind: FieldKind
    test: TestName
    statistic: float | None
    p_value: float | None
    distance: float | None
    threshold: float
    drifted: bool | None
    baseline_n: int
    window_n: int
    baseline_value: str
    window_value: str
    note: str = ""

    @property
    def insufficient(self) -> bool:
        return self.drifted is None


def _insufficient(
    name: str, kind: FieldKind, need: int, base_n: int, win_n: int, bv: str, wv: str
) -> FieldResult | None:
    if win_n >= need and base_n >= need:
        return None
    side, have = ("window", win_n) if win_n < need else ("baseline", base_n)
    return FieldResult(
        name,
        kind,
        "none",
        None,
        None,
        None,
        math.nan,
        None,
        base_n,
        win_n,
        bv,
        wv,
        note=f"insufficient data: need at least {need}, have {have} ({side})",
    )


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.2f}%"


def compare_rate(
    name: str, base: RateProfile, win: RateProfile, thresholds: Thresholds, alpha: float
) -> FieldResult:
    """Two-proportion z-test (Fisher's exact test at small expected counts) plus Cohen's h."""
    bv, wv = _pct(base.rate), _pct(win.rate)
    short = _insufficient(name, "rate", thresholds.min_samples, base.n, win.n, bv, wv)
    if short:
        return short
    k1, n1, k2, n2 = base.count, base.n, win.count, win.n
    pooled = (k1 + k2) / (n1 + n2)
    expected_min = min(n1, n2) * min(pooled, 1 - pooled)
    h = 2 * math.asin(math.sqrt(k2 / n2)) - 2 * math.asin(math.sqrt(k1 / n1))
    if pooled in (0.0, 1.0):
        test: TestName = "z-test"
        statistic, p = 0.0, 1.0
    elif expected_min < thresholds.fisher_below:
        test = "fisher-exact"
        res = stats.fisher_exact(np.array([[k1, n1 - k1], [k2, n2 - k2]]))
        statistic, p = float(res.statistic), float(res.pvalue)
    else:
        test = "z-test"
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        statistic = (k2 / n2 - k1 / n1) / se
        p = float(2 * stats.norm.sf(abs(statistic)))
    drifted = p < alpha and abs(h) >= thresholds.rate_effect
    note = f"Cohen's h = {h:+.3f} (minimum {thresholds.rate_effect})"
    return FieldResult(name, "rate", test, statistic, p, None, alpha, drifted, n1, n2, bv, wv, note)


def compare_categorical(
    name: str,
    base: CategoricalProfile,
    win: CategoricalProfile,
    thresholds: Thresholds,
    alpha: float,
) -> FieldResult:
    """Chi-square test of homogeneity at small n, Jensen-Shannon distance at large n."""
    bv, wv = _top(base), _top(win)
    short = _insufficient(name, "categorical", thresholds.min_samples, base.n, win.n, bv, wv)
    if short:
        return short
    cats = sorted(set(base.counts) | set(win.counts))
    b = np.array([base.counts.get(c, 0) for c in cats], dtype=np.float64)
    w = np.array([win.counts.get(c, 0) for c in cats], dtype=np.float64)
    if min(base.n, win.n) >= thresholds.large_n:
        d = float(jensenshannon(b / b.sum(), w / w.sum(), base=2))
        d = 0.0 if math.isnan(d) else d
        return FieldResult(
            name,
            "categorical",
            "jensen-shannon",
            None,
            None,
            d,
            thresholds.js_distance,
            d > thresholds.js_distance,
            base.n,
            win.n,
            bv,
            wv,
        )
    rare = (b + w) < thresholds.rare_category
    if rare.any():
        b = np.append(b[~rare], b[rare].sum())
        w = np.append(w[~rare], w[rare].sum())
    keep = (b + w) > 0
    table = np.vstack([b[keep], w[keep]])
    if table.shape[1] < 2:
        statistic, p = 0.0, 1.0
    else:
        res = stats.chi2_contingency(table)
        statistic, p = float(res.statistic), float(res.pvalue)
    return FieldResult(
        name,
        "categorical",
        "chi-square",
        statistic,
        p,
        None,
        alpha,
        p < alpha,
        base.n,
        win.n,
        bv,
        wv,
    )


def _top(p: CategoricalProfile) -> str:
    if p.n == 0:
        return "-"
    value, count = max(p.counts.items(), key=lambda kv: kv[1])
    return f"{value} {100 * count / p.n:.1f}%"


def _scale(base: NumericProfile) -> tuple[float, str]:
    if base.std > 0:
        return base.std, ""
    if base.iqr > 0:
        return base.iqr, "baseline std is 0: distance divided by the IQR"
    return 1.0, "baseline is constant: distance in the field's own units"


def compare_numeric(
    name: str, base: NumericProfile, win: NumericProfile, thresholds: Thresholds, alpha: float
) -> FieldResult:
    """Kolmogorov-Smirnov test at small n, normalised Wasserstein distance at large n."""
    bv = "-" if base.n == 0 else f"median {base.median:.4g}"
    wv = "-" if win.n == 0 else f"median {win.median:.4g}"
    short = _insufficient(name, "numeric", thresholds.min_samples, base.n, win.n, bv, wv)
    if short:
        return short
    if min(base.n, win.n) >= thresholds.large_n:
        scale, note = _scale(base)
        d = float(stats.wasserstein_distance(base.sample, win.sample)) / scale
        return FieldResult(
            name,
            "numeric",
            "wasserstein",
            None,
            None,
            d,
            thresholds.wasserstein,
            d > thresholds.wasserstein,
            base.n,
            win.n,
            bv,
            wv,
            note,
        )
    with warnings.catch_warnings():
        # With many ties the exact small-sample method may give up and fall back to the
        # asymptotic one, which is what we want anyway.
        warnings.filterwarnings("ignore", "ks_2samp: Exact calculation", RuntimeWarning)
        method: Literal["auto", "asymp"] = (
            "auto" if max(base.sample.size, win.sample.size) <= 1_000 else "asymp"
        )
    res = stats.ks_2samp(base.sample, win.sample, method=method)
    statistic, p = float(res.statistic), float(res.pvalue)
    return FieldResult(
        name,
        "numeric",
        "kolmogorov-smirnov",
        statistic,
        p,
        None,
        alpha,
        p < alpha,
        base.n,
        win.n,
        bv,
        wv,
    )


def compare_profiles(
    baseline: Profile, window: Profile, thresholds: Thresholds | None = None
) -> list[FieldResult]:
    """Compare every field of ``baseline`` with the same field of ``window``.

    ``thresholds.alpha`` is the false-alarm rate of the whole check: each field is tested at
    ``alpha / number_of_fields`` (Bonferroni). A field missing from the window counts as empty.
    """
    t = thresholds or Thresholds()
    m = len(baseline.rates) + len(baseline.categorical) + len(baseline.numeric)
    alpha = t.alpha / max(m, 1)
    empty = NumericProfile.from_values(np.empty(0), max_sample=None, seed=0)
    jobs: list[Callable[[], FieldResult]] = []
    for name, r in baseline.rates.items():
        wr = window.rates.get(name, RateProfile(0, 0))
        jobs.append(partial(compare_rate, name, r, wr, t, alpha))
    for name, c in baseline.categorical.items():
        wc = window.categorical.get(name, CategoricalProfile({}))
        jobs.append(partial(compare_categorical, name, c, wc, t, alpha))
    for name, v in baseline.numeric.items():
        wn = window.numeric.get(name, empty)
        jobs.append(partial(compare_numeric, name, v, wn, t, alpha))
    # Sorting a million values dominates, and NumPy sorts without holding the GIL.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda job: job(), jobs))
