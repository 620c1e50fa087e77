"""Print the README's claim-test tables (markdown) from a finished experiment directory.

    python scripts/experiment_tables.py runs/naitzat_paper
    python scripts/experiment_tables.py runs/text_tokens --text

Reads ``OUT/results/{verdict.json, findings.csv, paper_comparison.csv, runs.csv}`` and prints
the verdict, the controls of claim 1 (trained, control, trained − control with its interval and
Holm-adjusted p-value) and, for the paper's nets, the per-layer Betti numbers beside the paper's.
Every number in the README's verdict section comes from this script, so a rerun can be checked
against it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

CONTROLS = ("untrained", "shuffled_labels", "embedding")


def _num(x: float, digits: int = 2) -> str:
    if pd.isna(x):
        return "–"
    text = f"{x:.{digits}f}"
    if text.startswith("-") and float(text) == 0:     # no "−0.00"
        text = text[1:]
    return text.replace("-", "−")


def _ci(row: pd.Series, digits: int = 2) -> str:
    text = _num(row["estimate"], digits)
    if not (pd.isna(row["ci_low"]) or pd.isna(row["ci_high"])):
        text += f" [{_num(row['ci_low'], digits)}, {_num(row['ci_high'], digits)}]"
    return text


def _p(row: pd.Series) -> str:
    p = row.get("p_adjusted")
    return "" if pd.isna(p) else f", p = {p:.2g}"


def verdict_table(results: Path) -> str:
    items = json.loads((results / "verdict.json").read_text())
    lines = ["| # | claim | held | evidence |", "|---|---|---|---|"]
    for it in items:
        evidence = it["text"].replace("|", "/")
        lines.append(f"| {it['finding']} | {it['claim']} | **{it['held']}** | {evidence} |")
    return "\n".join(lines)


def controls_table(results: Path) -> str:
    f = pd.read_csv(results / "findings.csv")
    f = f[f["finding"] == "1_simplification"].set_index(["dataset", "protocol", "quantity"])
    runs = pd.read_csv(results / "runs.csv")
    trained = runs[(runs["condition"] == "trained") & runs["reached_target"].astype(bool)]
    header = ["data", "protocol", "trained runs", "drop, trained"]
    present = [k for k in CONTROLS if any(q.endswith(f"_trained_minus_{k}")
                                          for q in f.index.get_level_values(2))]
    for k in present:
        if k == "embedding":
            header += ["embedding: largest change"]
        else:
            header += [f"drop, {k}", f"trained − {k}"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for dataset, protocol in sorted({(d, p) for d, p, _ in f.index}):
        def get(q: str, dataset: str = dataset, protocol: str = protocol) -> pd.Series | None:
            key = (dataset, protocol, q)
            return f.loc[key] if key in f.index else None

        drop = get("complexity_drop")
        if drop is None:
            continue
        n = int((trained["dataset"] == dataset).sum())
        cells = [dataset, protocol, str(n), _ci(drop)]
        for k in present:
            if k == "embedding":
                row = get("max_abs_change_embedding")
                cells.append("–" if row is None else f"{_ci(row)} ({int(row['n'])} stacks)")
                continue
            ctrl, diff = get(f"complexity_drop_{k}"), get(f"complexity_drop_trained_minus_{k}")
            cells.append("–" if ctrl is None else _ci(ctrl))
            cells.append("–" if diff is None else _ci(diff) + _p(diff))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paper_table(results: Path) -> str:
    path = results / "paper_comparison.csv"
    table = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    if table.empty:
        return "(no 10-by-15 nets under the kNN protocol in this experiment)"
    out = []
    for dataset, rows in table.groupby("dataset"):
        dim, cls = int(rows["homology_dim"].iloc[0]), rows["class"].iloc[0]
        acts = [a for a in ("relu", "leaky_relu", "tanh") if a in set(rows["activation"])]
        header = ["layer"] + [f"{a}: trained (n)" for a in acts] + [f"{a}: untrained" for a in acts]
        header += [f"paper {a}" for a in acts]
        out.append(f"{dataset}: β{dim} of class {cls}, mean over seeds [95% t interval]")
        out.append("")
        out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for (_, layer), g in rows.groupby(["layer_index", "layer"], sort=True):
            g = g.set_index("activation")
            cells = [layer]
            for a in acts:
                r = g.loc[a] if a in g.index else None
                cells.append("–" if r is None else
                             f"{_num(r['trained'])} [{_num(r['ci_low'])}, {_num(r['ci_high'])}] "
                             f"({int(r['n'])})")
            for a in acts:
                cells.append(_num(g.loc[a, "untrained"]) if a in g.index else "–")
            for a in acts:
                value = g.loc[a, "paper"] if a in g.index else np.nan
                cells.append("" if pd.isna(value) else f"~{value:g}")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def paper_figure(results: Path, path: Path) -> None:
    """Mean tracked Betti number per layer (trained: line with 95% band; untrained: dashed),
    one panel per data set, with the paper's values as black crosses."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pd.read_csv(results / "paper_comparison.csv")
    datasets = sorted(table["dataset"].unique())
    fig, axes = plt.subplots(1, len(datasets), figsize=(5.2 * len(datasets), 3.8), squeeze=False)
    colours = {"relu": "tab:blue", "leaky_relu": "tab:green", "tanh": "tab:red"}
    for ax, dataset in zip(axes[0], datasets, strict=True):
        rows = table[table["dataset"] == dataset].sort_values("layer_index")
        for act, g in rows.groupby("activation"):
            x = g["layer_index"] + 1
            ax.plot(x, g["trained"], "-o", ms=3, color=colours.get(act), label=f"{act} trained")
            ax.fill_between(x, g["ci_low"], g["ci_high"], color=colours.get(act), alpha=0.15)
            ax.plot(x, g["untrained"], "--", color=colours.get(act), alpha=0.7,
                    label=f"{act} untrained")
            paper = g.dropna(subset=["paper"])
            ax.plot(paper["layer_index"] + 1, paper["paper"], "x", color="black", ms=9, mew=2)
        ax.plot([], [], "x", color="black", ms=9, mew=2, label="paper (read off its figures)")
        labels = rows.drop_duplicates("layer_index")
        ax.set_xticks(labels["layer_index"] + 1, labels["layer"], rotation=45)
        dim, cls = int(rows["homology_dim"].iloc[0]), rows["class"].iloc[0]
        ax.set_title(f"{dataset}: β{dim} of class {cls} (kNN protocol)")
        ax.set_ylabel(f"mean β{dim} over seeds")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def unsure_table(out: Path) -> str:
    """Share of class clouds (last step, every layer) whose Betti numbers the instrument marks
    unsure (``confidence`` of topology.csv), per data set, protocol and condition."""
    from tda_nn.experiments.tables import final_rows, load_experiment

    tables = load_experiment(out)
    topo, runs = tables["topology"], tables["runs"]
    rows = final_rows(topo[topo["class"].astype(str) != "all"], runs)
    rows = rows.merge(runs[["dataset", "run", "condition"]], on=["dataset", "run"])
    clouds = (rows.groupby(["dataset", "protocol", "condition", "run", "layer", "class"])
                  ["confidence"].agg(lambda c: (c.astype(str) != "confident").any()))
    share = clouds.groupby(["dataset", "protocol", "condition"]).agg(["mean", "size"])
    lines = ["| data | protocol | condition | class clouds | unsure |", "|---|---|---|---|---|"]
    for (dataset, protocol, condition), r in share.iterrows():
        lines.append(f"| {dataset} | {protocol} | {condition} | {int(r['size'])} | "
                     f"{100 * r['mean']:.0f}% |")
    return "\n".join(lines)


def text_table(run_dir: Path) -> str:
    """Per layer of a ``kind: text`` run: the topic clouds' mean β0 and β1 and the whole cloud's
    β1 of the pretrained model beside the random-init twins (mean over twins with a 95% t
    interval), and the share of clouds marked unsure."""
    from tda_nn.experiments.stats import mean_interval

    betti = pd.read_csv(run_dir / "betti.csv")
    betti["init"] = np.where(betti["model"].str.contains("random"), "random", "pretrained")
    betti["topic"] = betti["class"].astype(str) != "all"
    rows = []
    for (init, model, layer_index, layer), g in betti.groupby(["init", "model", "layer_index",
                                                                "layer"]):
        topics = g[g["topic"]]
        whole = g[~g["topic"]].set_index("homology_dim")["betti"]
        rows.append({"init": init, "model": model, "layer_index": layer_index, "layer": layer,
                     "b0": topics[topics["homology_dim"] == 0]["betti"].mean(),
                     "b1": topics[topics["homology_dim"] == 1]["betti"].mean(),
                     "whole_b1": whole.get(1, np.nan),
                     "unsure": (g["confidence"].astype(str) != "confident").mean()})
    per_model = pd.DataFrame(rows)

    def cell(values: pd.Series) -> str:
        r = mean_interval(values.to_numpy(float))       # the experiment's t interval
        return _ci(pd.Series(r))

    n_random = per_model.loc[per_model["init"] == "random", "model"].nunique()
    lines = [f"| layer | topic β0, pretrained | topic β0, random (n = {n_random}) | topic β1, "
             "pretrained | topic β1, random | whole-cloud β1, pretrained | whole-cloud β1, "
             "random | unsure, pretrained / random |", "|" + "---|" * 8]
    for (_, layer), g in per_model.groupby(["layer_index", "layer"]):
        pre, rnd = g[g["init"] == "pretrained"], g[g["init"] == "random"]
        lines.append(f"| {layer} | {_num(pre['b0'].mean())} | {cell(rnd['b0'])} | "
                     f"{_num(pre['b1'].mean())} | {cell(rnd['b1'])} | {_num(pre['whole_b1'].mean(), 0)} | "
                     f"{cell(rnd['whole_b1'])} | {100 * pre['unsure'].mean():.0f}% / "
                     f"{100 * rnd['unsure'].mean():.0f}% |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="experiment directory (tda-nn experiment --out)")
    parser.add_argument("--figure", type=Path, help="also draw the per-layer paper figure here")
    parser.add_argument("--text", action="store_true",
                        help="OUT is a `kind: text` run (pretrained against random-init twins)")
    args = parser.parse_args()
    if args.text:
        print(text_table(args.out))
        return
    results = args.out / "results"
    print("## Verdict\n")
    print(verdict_table(results))
    print("\n## Controls (claim 1: drop of class complexity from input to last layer)\n")
    print(controls_table(results))
    print("\n## Per layer beside the paper\n")
    print(paper_table(results))
    print("\n## Where the instrument is unsure (last step)\n")
    print(unsure_table(args.out))
    if args.figure is not None:
        paper_figure(results, args.figure)


if __name__ == "__main__":
    main()
