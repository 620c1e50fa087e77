"""The per-layer Betti numbers Naitzat et al. (2020) report, beside ours.

:data:`PAPER_BETTI` holds the mean Betti numbers read off the paper's figures for their "10 by 15"
nets (9 hidden layers of 15 units; read to about ±0.1, so approximate); :func:`paper_comparison`
puts our per-layer means (``betti_by_layer``: trained nets that reached 100% training accuracy,
and the untrained control where it was run) beside them, for every layer of the same net, so a
reader sees the whole profile and not only the points the paper quotes.
"""

from __future__ import annotations

import pandas as pd

from tda_nn.experiments.tables import CLASS_MEAN, KNN, TRAINED

#: depth (hidden layers) and width of the nets of the paper's figures
PAPER_DEPTH, PAPER_WIDTH = 9, 15

#: which Betti number of which class each data set's figure follows: (class, homology dim);
#: class None is the mean over both classes (D-II: both are nine linked tori, beta1 = 9)
PAPER_TRACKED = {"d1": (1, 0), "d2": (None, 1), "d3": (0, 2)}

#: (dataset, activation, layer, value): the paper's mean Betti number of the tracked class at a
#: layer ("act3" = the 3rd hidden layer; "act9" = the last hidden layer, their "output")
PAPER_BETTI = (
    ("d1", "relu", "act3", 3.5),
    ("d1", "relu", "act9", 1.0),
    ("d1", "tanh", "act9", 1.35),
    ("d2", "relu", "act9", 0.8),
    ("d2", "tanh", "act9", 2.45),
    ("d3", "relu", "act9", 1.05),
)


def _tracked(table: pd.DataFrame, class_means: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Mean, 95% interval and n of the tracked Betti number per (condition, activation, layer)."""
    cls, dim = PAPER_TRACKED[dataset]
    source = class_means if cls is None else table
    rows = source[(source["dataset"] == dataset) & (source["protocol"] == KNN)
                  & (source["depth"] == PAPER_DEPTH) & (source["width"] == PAPER_WIDTH)
                  & (source["class"].astype(str) == (CLASS_MEAN if cls is None else str(cls)))]
    b = f"b{dim}"
    out = rows[["condition", "activation", "layer_index", "layer", f"{b}_mean", f"{b}_ci_low",
                f"{b}_ci_high", "n"]].rename(columns={f"{b}_mean": "mean", f"{b}_ci_low": "ci_low",
                                                      f"{b}_ci_high": "ci_high"})
    out.insert(0, "dataset", dataset)
    out.insert(1, "homology_dim", dim)
    out.insert(2, "class", "both (mean)" if cls is None else str(cls))
    return out.reset_index(drop=True)


def paper_comparison(betti_by_layer: pd.DataFrame,
                     class_means: pd.DataFrame | None = None) -> pd.DataFrame:
    """Our per-layer means of the paper's tracked Betti number beside the paper's values.

    Parameters
    ----------
    betti_by_layer : the ``betti_by_layer`` results table (with ``condition`` and the ``_ci_``
        columns of :func:`tda_nn.experiments.findings.betti_by_layer`)
    class_means : the same table computed on the per-run class means
        (:func:`tda_nn.experiments.tables.class_mean_clouds`), for the data sets whose figure
        follows both classes (D-II): their interval is that of the per-run mean over seeds

    Returns
    -------
    DataFrame, one row per (dataset, activation, layer) of the paper's nets under the kNN
    protocol: ``dataset, homology_dim, class, activation, layer_index, layer, trained, ci_low,
    ci_high, n`` (trained nets), ``untrained, untrained_n`` (the untrained control; NaN where
    not run) and ``paper`` (NaN where the paper gives no value). Empty when no such net was
    measured (a spec other than ``pipelines/naitzat_paper.yaml``).
    """
    columns = ["dataset", "homology_dim", "class", "activation", "layer_index", "layer",
               "trained", "ci_low", "ci_high", "n", "untrained", "untrained_n", "paper"]
    if betti_by_layer.empty or "condition" not in betti_by_layer:
        return pd.DataFrame(columns=columns)
    if class_means is None:
        class_means = betti_by_layer.iloc[:0]
    parts = [_tracked(betti_by_layer, class_means, d) for d in PAPER_TRACKED
             if d in set(betti_by_layer["dataset"])]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=columns)
    tracked = pd.concat(parts, ignore_index=True)
    keys = ["dataset", "homology_dim", "class", "activation", "layer_index", "layer"]
    trained = tracked[tracked["condition"] == TRAINED].drop(columns="condition").rename(
        columns={"mean": "trained"})
    untrained = (tracked[tracked["condition"] == "untrained"][keys + ["mean", "n"]]
                 .rename(columns={"mean": "untrained", "n": "untrained_n"}))
    out = trained.merge(untrained, on=keys, how="left")
    paper = pd.DataFrame(PAPER_BETTI, columns=["dataset", "activation", "layer", "paper"])
    out = out.merge(paper, on=["dataset", "activation", "layer"], how="left")
    out["paper"] = out["paper"].astype(float)
    out = out.sort_values(["dataset", "activation", "layer_index"]).reset_index(drop=True)
    return out[columns]
