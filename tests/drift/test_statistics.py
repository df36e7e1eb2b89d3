"""Power and false-alarm rate of each comparison, over 100 seeded trials per case."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from accord.drift import (
    CategoricalProfile,
    FieldResult,
    NumericProfile,
    RateProfile,
    Thresholds,
    compare_categorical,
    compare_numeric,
    compare_rate,
)

TRIALS = 100
T = Thresholds()
# A realistic check compares ~25 fields, so each is tested at alpha / 25 (Bonferroni).
ALPHAS = {"single field": T.alpha, "one of 25 fields": T.alpha / 25}
SHARES = np.array([0.40, 0.25, 0.15, 0.12, 0.08])
SHIFTED = np.array([0.30, 0.35, 0.15, 0.12, 0.08])  # 10 points moved between two values
CATS = ["billing", "shipping", "returns", "account", "other"]


def _count(trial: Callable[[np.random.Generator], FieldResult], seed: int) -> int:
    rng = np.random.default_rng(seed)
    flagged = 0
    for _ in range(TRIALS):
        result = trial(rng)
        assert result.drifted is not None, result.note
        flagged += bool(result.drifted)
    return flagged


def _rate(
    n: int, p0: float, p1: float, alpha: float
) -> Callable[[np.random.Generator], FieldResult]:
    def trial(rng: np.random.Generator) -> FieldResult:
        base = RateProfile(int(rng.binomial(n, p0)), n)
        win = RateProfile(int(rng.binomial(n, p1)), n)
        return compare_rate("schema_failure", base, win, T, alpha)

    return trial


def _cat(n: int, p1: np.ndarray, alpha: float) -> Callable[[np.random.Generator], FieldResult]:
    def trial(rng: np.random.Generator) -> FieldResult:
        base = CategoricalProfile(dict(zip(CATS, rng.multinomial(n, SHARES).tolist(), strict=True)))
        win = CategoricalProfile(dict(zip(CATS, rng.multinomial(n, p1).tolist(), strict=True)))
        return compare_categorical("category", base, win, T, alpha)

    return trial


def _num(n: int, shift: float, alpha: float) -> Callable[[np.random.Generator], FieldResult]:
    def trial(rng: np.random.Generator) -> FieldResult:
        base = NumericProfile.from_values(rng.normal(10.0, 2.0, n), max_sample=10_000, seed=0)
        win = NumericProfile.from_values(
            rng.normal(10.0 + 2.0 * shift, 2.0, n), max_sample=None, seed=0
        )
        return compare_numeric("amount", base, win, T, alpha)

    return trial


@pytest.mark.parametrize("alpha", ALPHAS.values(), ids=ALPHAS.keys())
def test_rate_rising_from_2_to_6_percent_at_n_2000_is_detected(alpha: float) -> None:
    assert _count(_rate(2_000, 0.02, 0.06, alpha), seed=1) >= 95


@pytest.mark.parametrize("n", [2_000, 50_000])
def test_stable_rate_raises_at_most_5_false_alarms_in_100(n: int) -> None:
    assert _count(_rate(n, 0.02, 0.02, T.alpha), seed=2) <= 5


def test_tiny_rate_change_at_huge_n_is_not_drift_because_effect_is_negligible() -> None:
    # 2.0% -> 2.2% is highly significant at n=2M but Cohen's h is ~0.014.
    result = compare_rate(
        "repair", RateProfile(40_000, 2_000_000), RateProfile(44_000, 2_000_000), T, T.alpha
    )
    assert result.p_value is not None and result.p_value < 1e-6
    assert result.drifted is False


def test_rate_at_small_expected_counts_uses_fisher_exact() -> None:
    result = compare_rate("refusal", RateProfile(0, 60), RateProfile(3, 60), T, T.alpha)
    assert result.test == "fisher-exact"


@pytest.mark.parametrize("n,test", [(2_000, "chi-square"), (20_000, "jensen-shannon")])
@pytest.mark.parametrize("alpha", ALPHAS.values(), ids=ALPHAS.keys())
def test_enum_share_moving_10_points_is_detected(n: int, test: str, alpha: float) -> None:
    trial = _cat(n, SHIFTED, alpha)
    assert trial(np.random.default_rng(0)).test == test
    assert _count(trial, seed=3) >= 95


@pytest.mark.parametrize("n", [2_000, 20_000])
def test_identical_enum_distributions_raise_at_most_5_false_alarms_in_100(n: int) -> None:
    assert _count(_cat(n, SHARES, T.alpha), seed=4) <= 5


@pytest.mark.parametrize("n,test", [(2_000, "kolmogorov-smirnov"), (20_000, "wasserstein")])
@pytest.mark.parametrize("alpha", ALPHAS.values(), ids=ALPHAS.keys())
def test_numeric_mean_moving_0_3_std_is_detected(n: int, test: str, alpha: float) -> None:
    trial = _num(n, 0.3, alpha)
    assert trial(np.random.default_rng(0)).test == test
    assert _count(trial, seed=5) >= 95


@pytest.mark.parametrize("n", [2_000, 20_000])
def test_identical_numeric_distributions_raise_at_most_5_false_alarms_in_100(n: int) -> None:
    assert _count(_num(n, 0.0, T.alpha), seed=6) <= 5


def test_window_below_minimum_size_is_reported_not_decided() -> None:
    base = NumericProfile.from_values(np.arange(1_000.0), max_sample=None, seed=0)
    win = NumericProfile.from_values(np.arange(12.0) + 500, max_sample=None, seed=0)
    result = compare_numeric("amount", base, win, T, T.alpha)
    assert result.drifted is None
    assert result.note.startswith(f"insufficient data: need at least {T.min_samples}, have 12")
    rate = compare_rate("repair", RateProfile(10, 1_000), RateProfile(5, 7), T, T.alpha)
    assert rate.drifted is None and "have 7" in rate.note
    cat = compare_categorical(
        "category", CategoricalProfile({"a": 900}), CategoricalProfile({}), T, T.alpha
    )
    assert cat.drifted is None and "have 0" in cat.note


def test_constant_baseline_falls_back_to_raw_units() -> None:
    base = NumericProfile.from_values(np.full(20_000, 3.0), max_sample=10_000, seed=0)
    win = NumericProfile.from_values(np.full(20_000, 3.5), max_sample=None, seed=0)
    result = compare_numeric("attempts", base, win, T, T.alpha)
    assert result.drifted is True and result.distance == pytest.approx(0.5)
    assert "constant" in result.note


def test_baseline_sample_is_bounded_and_seeded() -> None:
    values = np.random.default_rng(7).normal(size=50_000)
    a = NumericProfile.from_values(values, max_sample=10_000, seed=0)
    b = NumericProfile.from_values(values, max_sample=10_000, seed=0)
    assert a.sample.size == 10_000 and a.n == 50_000
    assert np.array_equal(a.sample, b.sample)
    assert a.mean == pytest.approx(float(values.mean()))
