"""The experiment report (``OUT/results/report.html``), one self-contained page.

The verdict, Betti numbers per layer and class with error bars, ReLU vs tanh and depth
(complexity against relative depth), the over-training view, the competing measures, and the
tables behind them. Built from :mod:`tda_nn.report`'s HTML pieces; the report package never
imports the experiments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tda_nn._atomic import atomic_open
from tda_nn.experiments.findings import _trained
from tda_nn.experiments.tables import TRAINED, final_rows, layer_complexity
from tda_nn.report import html as H
from tda_nn.report.verdict import verdict_section_html


def _figure_depth(results: dict[str, pd.DataFrame], runs: pd.DataFrame) -> Any:
    """Class-mean complexity against relative depth, per dataset and protocol; mean ± sem."""
    import matplotlib.pyplot as plt

    table = results["betti_by_layer"]
    if "condition" in table:
        table = table[table["condition"] == TRAINED]
    if table.empty:
        return None
    per_layer = (table.groupby(["dataset", "protocol", "model", "activation", "depth", "type",
                                "position"], dropna=False)["complexity_mean"].mean().reset_index())
    cx = results["complexity"]

    lc = final_rows(layer_complexity(cx), _trained(runs)).merge(runs[["dataset", "run", "model"]],
                                                      on=["dataset", "run"])
    spread = (lc.groupby(["dataset", "protocol", "model", "position"])["complexity"]
                .agg(["mean", "sem"]).reset_index())
    datasets = sorted(per_layer["dataset"].unique())
    protocols = sorted(per_layer["protocol"].unique())
    fig, axes = plt.subplots(len(datasets), len(protocols), squeeze=False,
                             figsize=(4.2 * len(protocols), 2.8 * len(datasets)))
    colours = {"relu": "#1f77b4", "leaky_relu": "#2ca02c", "tanh": "#d62728"}
    for i, dataset in enumerate(datasets):
        for j, protocol in enumerate(protocols):
            ax = axes[i][j]
            sub = spread[(spread["dataset"] == dataset) & (spread["protocol"] == protocol)]
            info = runs[runs["dataset"] == dataset].drop_duplicates("model").set_index("model")
            for model, g in sub.groupby("model"):
                act = info.loc[model, "activation"] if model in info.index else "relu"
                depth = info.loc[model, "depth"] if model in info.index else None
                style = "-" if info.loc[model, "type"] == "mlp" else ":"
                ax.errorbar(g["position"], g["mean"], yerr=g["sem"].fillna(0), label=str(model),
                            color=colours.get(act, "#555"), ls=style, marker="o", ms=3,
                            alpha=0.55 + 0.45 * (depth is not None and depth == info["depth"].max()),
                            capsize=2, lw=1.2)
            ax.set_title(f"{dataset} — {protocol}", fontsize=9)
            ax.set_xlabel("relative depth (0 = input)")
            ax.set_ylabel("mean β0+β1+β2 per class")
            ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def _figure_training(results: dict[str, pd.DataFrame], metrics: pd.DataFrame) -> Any:
    """Last hidden layer complexity (normalised) and training accuracy over training."""
    import matplotlib.pyplot as plt


    lc = layer_complexity(results["complexity"])
    if lc.empty or lc["step"].nunique() < 3:
        return None
    datasets = sorted(lc["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), squeeze=False, figsize=(4.2 * len(datasets), 3.0))
    for j, dataset in enumerate(datasets):
        ax = axes[0][j]
        sub = lc[lc["dataset"] == dataset]
        for (protocol, _run), g in sub.groupby(["protocol", "run"]):
            positions = np.sort(g["position"].unique())
            hidden = positions[-2] if len(positions) > 1 else positions[-1]
            g = g[np.isclose(g["position"], hidden)].sort_values("step")
            if len(g) < 3:
                continue
            c = g["complexity"].to_numpy(dtype=float)
            span = c.max() - c.min()
            norm = (c - c.min()) / span if span > 0 else np.zeros_like(c)
            ax.plot(g["step"], norm, color="#1f77b4" if protocol == "default" else "#9467bd",
                    lw=0.8, alpha=0.6)
        acc = metrics[metrics["dataset"] == dataset]
        for _, g in acc.groupby("run"):
            ax.plot(g["step"], g["train_accuracy"], color="#d62728", lw=0.8, alpha=0.6)
        ax.set_title(f"{dataset}: complexity (blue: default, purple: knn) vs train accuracy (red)",
                     fontsize=7)
        ax.set_xlabel("step")
        ax.set_ylabel("normalised complexity / accuracy")
    fig.tight_layout()
    return fig


def _figure_measures(results: dict[str, pd.DataFrame], runs: pd.DataFrame) -> Any:
    """Linear-probe accuracy and TwoNN ID against relative depth at the last step."""
    import matplotlib.pyplot as plt


    m = final_rows(results["measures"], runs)
    if m.empty:
        return None
    datasets = sorted(m["dataset"].unique())
    fig, axes = plt.subplots(2, len(datasets), squeeze=False, figsize=(4.2 * len(datasets), 5.2))
    for j, dataset in enumerate(datasets):
        sub = m[m["dataset"] == dataset]
        for _run, g in sub.groupby("run"):
            g = g.sort_values("position")
            axes[0][j].plot(g["position"], g["linear_probe_accuracy"], lw=0.8, alpha=0.6)
            axes[1][j].plot(g["position"], g["intrinsic_dimension"], lw=0.8, alpha=0.6)
        axes[0][j].set_title(f"{dataset}: linear-probe accuracy", fontsize=9)
        axes[1][j].set_title(f"{dataset}: TwoNN intrinsic dimension", fontsize=9)
        axes[1][j].set_xlabel("relative depth (0 = input)")
    fig.tight_layout()
    return fig


def write_experiment_report(out: str | Path, results: dict[str, pd.DataFrame],
                            tables: dict[str, pd.DataFrame], items: list[dict[str, Any]]) -> Path:
    """Write ``OUT/results/report.html`` (self-contained) and return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tda_nn.report.figures import render

    out = Path(out)
    runs, metrics = tables["runs"], tables["metrics"]
    figures = []
    makers = [
        ("depth", "Topological complexity through the layers",
         "Mean over the class clouds (split by predicted label) of β0+β1+β2 at each layer of the "
         "trained nets (runs that reached their target accuracy); error bars: standard error over seeds. Colours: ReLU blue, leaky ReLU "
         "green, tanh red; darker lines are the deepest nets; dotted: CNNs.",
         lambda: _figure_depth(results, runs)),
        ("training", "Over training",
         "Complexity of the last hidden layer (min-max normalised per run) and training accuracy "
         "against the optimizer step.",
         lambda: _figure_training(results, metrics)),
        ("measures", "Competing measures",
         "Linear-probe accuracy (true labels) and TwoNN intrinsic dimension of the whole probe "
         "cloud at each layer of the trained nets, one line per run.",
         lambda: _figure_measures(results, runs)),
    ]
    for name, title, caption, make in makers:
        try:
            fig = make()
        except (ValueError, KeyError, IndexError) as exc:
            figures.append(f"<p>Figure {H.esc(title)} not drawn: {H.esc(exc)}</p>")
            continue
        if fig is None:
            continue
        content, width = render(fig, "png")
        plt.close(fig)
        figures.append(H.figure_html(len(figures) + 1, name, title, caption, content, "png", width))
    findings = results["findings"].copy()
    for col in ("estimate", "ci_low", "ci_high"):
        findings[col] = findings[col].round(3)
    for col in ("p_value", "p_adjusted"):
        if col in findings:
            findings[col] = findings[col].astype(float).map(lambda p: float(f"{p:.2g}"))
    betti = results["betti_by_layer"].copy()
    betti = betti.round(3)
    runs_view = runs.copy()
    sections = [
        verdict_section_html(items),
        H.section("figures", "Figures", "".join(figures) or "<p>No figures.</p>"),
        H.section("findings", "All estimates", H.table_html(findings, table_id="findings")),
        H.section("betti", "Betti numbers per layer and class (last step; mean, sem, n over seeds)",
                 H.table_html(betti, table_id="betti-by-layer")),
        H.section("runs", "Runs", H.table_html(runs_view, table_id="runs")),
    ]
    nav = [("verdict", "Verdict"), ("figures", "Figures"), ("findings", "Estimates"),
           ("betti", "Betti per layer"), ("runs", "Runs")]
    document = H.page(f"Experiment {out.name}", "Is deep learning applied topology?", nav, sections,
                      "tda-nn experiment report", len(figures))
    path = out / "results" / "report.html"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(document)
    return path
