"""The fixed decision rules of the claim test: every threshold, the significance level, the correction.

The findings compute with these constants and the verdict quotes them (:func:`pct`, :func:`num`),
so a sentence of the verdict can never disagree with the rule that produced it. Significance is
always judged on p-values adjusted across the cases (dataset x protocol) of one claim
(:func:`correct_within_claims`), at level :data:`ALPHA`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from tda_nn.experiments.stats import DEFAULT_CORRECTION, DEFAULT_INTERVAL, adjust

#: significance level of every test, after the correction across the cases of a claim
ALPHA = 0.05
#: correction of the p-values across the cases of one claim (see stats.adjust)
CORRECTION = DEFAULT_CORRECTION
#: how the verdict names each correction
CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "un"}
#: interval method of every estimate (see stats.DEFAULT_INTERVAL and its coverage simulation)
INTERVAL = DEFAULT_INTERVAL

# claim 1: simplification to beta = (1, 0, 0)
#: share of trivial class clouds at the last layer for "yes" ...
TRIVIAL_SHARE_HELD = 0.9
#: ... and for "partly"
TRIVIAL_SHARE_PARTLY = 0.5
#: input complexity at or below this: the classes are already (nearly) trivial, claims 1-3 n/a
NOTHING_TO_SIMPLIFY = 1.5

# claim 1c: the controls
#: the embedding control fails (the instrument reads scale, not topology) where the class-mean
#: complexity of the invertible tanh stack changes at some layer by more than this, on average
#: over the stacks (a homeomorphism keeps every Betti number: the right answer is 0)
EMBEDDING_TOLERANCE = 0.5

# claim 3: where in depth the reduction happens
#: a layer "contributes" when it carries at least this share of a run's total reduction
CONTRIBUTING_SHARE = 0.1
#: relative depth beyond which a drop counts as "at the end"
END_DEPTH = 0.75

# claim 4: simplification over training
#: share r of the input's excess complexity left at the last hidden layer that counts as reduced
REMAINING_HALF = 0.5
#: training accuracy whose first crossing the reduction is timed against
ACCURACY_CROSSING = 0.9
#: share of runs with the reduction no later than the crossing for "yes" (at most
#: TIMING_AGAINST: "no"; between: "partly")
TIMING_HELD = 0.75
TIMING_AGAINST = 0.25
#: fewest runs behind a per-case judgement of claim 4
MIN_RUNS_TIMING = 3

# claim 6: intrinsic-dimension hunchback
#: share of trained runs whose ID peaks inside for "yes"
HUNCHBACK_HELD = 0.5
#: the peak must exceed both ends by this relative margin
HUNCHBACK_MIN_RISE = 0.1

#: outcomes of protocol_agreement
AGREE, DIFFER, CONTRADICTORY = "agree", "differ", "contradictory"


def pct(x: float) -> str:
    """A share as the verdict writes it: ``0.9`` -> ``"90%"``."""
    return f"{100 * x:g}%"


def num(x: float) -> str:
    """A number as the verdict writes it (shortest form): ``0.05`` -> ``"0.05"``."""
    return f"{x:g}"


def significance_sign(row: Mapping[str, float] | pd.Series | None, alpha: float = ALPHA) -> int:
    """+1 / -1 where the tested estimate is significantly above / below its null, else 0.

    Uses ``p_adjusted`` (the corrected p-value) where the row has one, else ``p_value``.
    """
    if row is None:
        return 0
    p = row.get("p_adjusted", np.nan)
    if p is None or not np.isfinite(p):
        p = row.get("p_value", np.nan)
    est = row.get("estimate", np.nan)
    if p is None or not np.isfinite(p) or not np.isfinite(est) or p > alpha or est == 0:
        return 0
    return 1 if est > 0 else -1


def protocol_agreement(signs: Mapping[str, int]) -> str:
    """How the protocols' significance signs for one (claim, dataset) compare.

    Parameters
    ----------
    signs : protocol -> +1, 0 or -1 (see :func:`significance_sign`)

    Returns
    -------
    :data:`CONTRADICTORY` where one protocol finds a significant effect in one direction and
    another a significant effect in the other; :data:`AGREE` where all signs are equal;
    :data:`DIFFER` otherwise (one significant, another not).
    """
    values = set(signs.values())
    if {1, -1} <= values:
        return CONTRADICTORY
    return AGREE if len(values) <= 1 else DIFFER


def correct_within_claims(findings: pd.DataFrame, method: str = CORRECTION) -> pd.DataFrame:
    """Add ``p_adjusted``: the p-values corrected across the cases of each claim.

    A family is one tested quantity of one claim (rows of equal ``finding`` and ``quantity``):
    its cases are the (dataset, protocol) pairs. Rows without a p-value stay NaN.
    """
    out = findings.copy()
    out["p_adjusted"] = np.nan
    if "p_value" not in out or out.empty:
        return out
    for _, g in out.groupby(["finding", "quantity"]):
        if g["p_value"].notna().any():
            out.loc[g.index, "p_adjusted"] = adjust(g["p_value"].to_numpy(), method)
    return out
