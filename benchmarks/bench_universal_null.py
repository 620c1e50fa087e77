"""How well the universal null of Bobrowski & Skraba fits Vietoris–Rips noise, here.

For iid uniform and Gaussian clouds (no structure: every bar is noise) in 2, 3 and 10 dimensions,
whole (exact) and through 300 maxmin landmarks, prints per homology dimension the number of bars,
the slope ``A`` implied by the variance of ``log log(death / birth)`` (the null has variance
``pi^2 / 6`` after multiplying by ``A``; the paper's value for Rips is 1), and the KS p-value of the
standardised values against the left-skewed Gumbel law with ``A = 1`` — plus how many bars the test
calls significant at alpha = 0.05 (Bonferroni), which should be 0 about 95% of the time.

Usage::

    python benchmarks/bench_universal_null.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np
from scipy import stats

from tda_nn.features.universal_null import EULER_GAMMA, left_gumbel_cdf, universal_null_test
from tda_nn.homology import compute_persistence

CLOUDS = [("uniform", 2, 1000, (1,)), ("gauss", 2, 1000, (1,)), ("uniform", 3, 1000, (1, 2)),
          ("uniform", 10, 600, (1,))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args()
    print(f"machine: cpu_count={os.cpu_count()}; seeds 0..{args.seeds - 1}")
    print(f"{'cloud':22s} {'points':8s} {'H':>2s} {'bars':>5s} {'implied A':>10s} "
          f"{'KS p (A=1)':>11s} {'significant':>12s}")
    for kind, d, n, dims in CLOUDS:
        for sub in ("none", "maxmin"):
            for k in dims:
                a_vals, ks_vals, sig, bars = [], [], [], []
                for seed in range(args.seeds):
                    rng = np.random.default_rng(seed)
                    X = rng.uniform(size=(n, d)) if kind == "uniform" else rng.normal(size=(n, d))
                    res = compute_persistence(X, homology_dimensions=range(max(dims) + 1),
                                              subsample=sub)
                    b = res.bars(k)
                    ll = np.log(np.log(b[:, 1] / b[:, 0]))
                    a_vals.append(math.sqrt(math.pi**2 / 6 / ll.var()))
                    ell = ll - ll.mean() - EULER_GAMMA
                    ks_vals.append(stats.kstest(ell, left_gumbel_cdf).pvalue)
                    sig.append(int(universal_null_test(b).significant.sum()))
                    bars.append(len(b))
                print(f"{f'{kind} {d}-D x{n}':22s} {sub:8s} {k:2d} {int(np.median(bars)):5d} "
                      f"{np.median(a_vals):10.2f} {np.median(ks_vals):11.3f} "
                      f"{'/'.join(map(str, sig)):>12s}", flush=True)
    print("(medians over seeds; 'significant' lists the count per seed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
