"""Intervals, tests and corrections of tda_nn.experiments.stats against known answers; coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from tda_nn.experiments.stats import (
    DEFAULT_INTERVAL,
    adjust,
    difference,
    interval,
    mean_interval,
    paired_difference,
    simulate_coverage,
)


# -- coverage: the simulation that chose the default -------------------------------------------------
@pytest.mark.parametrize("distribution", ["normal", "gamma4"])
def test_default_interval_holds_coverage_at_ten_runs(distribution):
    # 40,000 samples: the estimate's own standard error is about 0.0012
    res = simulate_coverage(DEFAULT_INTERVAL, distribution, n=10, repetitions=40000, seed=14)
    assert res["se"] < 0.002
    assert res["coverage"] >= 0.93, res


def test_default_difference_holds_coverage_at_ten_runs():
    rng = np.random.default_rng(14)
    hits = [(r["ci_low"] <= 0 <= r["ci_high"])
            for r in (difference(rng.normal(size=10), rng.gamma(4.0, size=10) - 4.0)
                      for _ in range(3000))]
    assert np.mean(hits) >= 0.93


def test_percentile_bootstrap_undercovers_at_ten_runs():
    # why the percentile bootstrap (the old default) was replaced
    res = simulate_coverage("percentile", "normal", n=10, repetitions=2000, seed=14)
    assert res["coverage"] < 0.93


# -- known answers -------------------------------------------------------------------------------------
def test_t_interval_matches_scipy():
    x = np.array([1.0, 2.5, 2.0, 4.0, 3.3, 0.7])
    r = mean_interval(x)
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi))
    assert r["p_value"] == pytest.approx(sps.ttest_1samp(x, 0.0).pvalue)
    assert r["method"] == "t" and r["n"] == 6


def test_constant_values_and_too_few():
    r = mean_interval([2.0, 2.0, 2.0, np.nan])
    assert (r["estimate"], r["ci_low"], r["ci_high"], r["n"]) == (2.0, 2.0, 2.0, 3)
    assert r["p_value"] == 0.0
    assert mean_interval([0.0, 0.0])["p_value"] == 1.0
    one = mean_interval([5.0])
    assert one["estimate"] == 5.0 and np.isnan(one["ci_low"]) and np.isnan(one["p_value"])
    assert mean_interval([])["n"] == 0
    for method in ("bca", "percentile"):
        r = mean_interval([1.0, 1.0, 1.0], method=method)
        assert r["ci_low"] == r["ci_high"] == 1.0
    share = mean_interval([1.0, 1.0, 0.0, 1.0], bounds=(0.0, 1.0))
    assert share["ci_high"] == 1.0 and 0 <= share["ci_low"] < share["estimate"] == 0.75


def test_bootstrap_intervals_bracket_the_mean():
    x = np.arange(10.0)
    for method in ("bca", "percentile"):
        r = mean_interval(x, method=method)
        assert 2.5 < r["ci_low"] < 4.5 < r["ci_high"] < 6.5
    lo, hi = interval(np.stack([x, x + 100]), "bca")
    assert lo[1] == pytest.approx(lo[0] + 100, abs=0.5) and hi[0] < hi[1]


def test_paired_difference_is_the_interval_of_the_differences():
    a = np.array([5.0, 6.0, 7.5, np.nan, 4.0])
    b = np.array([4.0, 5.5, 6.0, 1.0, 3.9])
    r = paired_difference(a, b)
    expect = mean_interval([1.0, 0.5, 1.5, 0.1])
    assert r == expect and r["n"] == 4
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1.0], [1.0, 2.0])


def test_pairing_removes_the_shared_seed_effect():
    seed_effect = np.array([0.0, 10.0, 20.0, 30.0, 40.0])
    a, b = seed_effect + 1.0 + [0.0, 0.1, -0.1, 0.05, 0.0], seed_effect
    assert paired_difference(a, b)["ci_low"] > 0.8
    assert difference(a, b)["ci_low"] < 0          # unpaired, the seeds' spread swamps it


def test_welch_difference_matches_scipy():
    x, y = np.array([5.0, 5.1, 4.9, 5.3]), np.array([1.0, 1.4, 0.9])
    r = difference(x, y)
    assert r["estimate"] == pytest.approx(x.mean() - y.mean())
    assert r["p_value"] == pytest.approx(sps.ttest_ind(x, y, equal_var=False).pvalue)
    assert r["ci_low"] < r["estimate"] < r["ci_high"]
    ci = sps.ttest_ind(x, y, equal_var=False).confidence_interval(0.95)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((ci.low, ci.high))
    assert 3.5 < difference(x, y, method="bca")["ci_low"] < 4.2
    assert np.isnan(difference([1.0], [2.0, 3.0])["ci_low"])


def test_holm_and_bh_known_values():
    p = [0.01, 0.04, 0.03, np.nan, 0.5]
    # Holm: sorted 0.01, 0.03, 0.04, 0.5 times 4, 3, 2, 1 -> 0.04, 0.09, 0.09 (monotone), 0.5
    assert adjust(p, "holm")[[0, 2, 1, 4]] == pytest.approx([0.04, 0.09, 0.09, 0.5])
    # BH: 0.01*4/1, 0.03*4/2, 0.04*4/3, 0.5*4/4 -> 0.04, 0.0533, 0.0533, 0.5 (monotone from the top)
    assert adjust(p, "bh")[[0, 2, 1, 4]] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(adjust(p)[3])
    assert adjust([0.9, 0.8], "holm") == pytest.approx([1.0, 1.0])
    assert adjust(p, "none")[0] == 0.01
    with pytest.raises(ValueError):
        adjust(p, "bonferroni")
