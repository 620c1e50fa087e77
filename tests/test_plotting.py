"""Figures are drawn from the data: the artists hold the numbers they were given."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from scipy.stats import t as student_t  # noqa: E402

from tda_nn.errors import InputError  # noqa: E402
from tda_nn.plotting import (  # noqa: E402
    align_embedding,
    distance_matrix,
    layer_step_matrix,
    plot_barcode,
    plot_betti_by_layer,
    plot_betti_curves,
    plot_diagram,
    plot_distance_heatmap,
    plot_layer_diagrams,
    plot_layer_step_heatmap,
    plot_training_and_topology,
    plot_umap_grid,
    save_figure,
    subsample_indices,
    summarize_by_layer,
    write_standard_figures,
)

# ---------------------------------------------------------------- data


def _ripser_diagram(points: np.ndarray, maxdim: int = 1) -> np.ndarray:
    """A real (n_bars, 3) diagram in the giotto-tda row layout, via ripser.py (not our code)."""
    from ripser import ripser

    dgms = ripser(points, maxdim=maxdim)["dgms"]
    return np.concatenate([np.c_[d, np.full(len(d), k)] for k, d in enumerate(dgms)])


def _circle(n: int, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(theta), np.sin(theta)] + noise * rng.normal(size=(n, 2))


@pytest.fixture(scope="module")
def circle_diagram() -> np.ndarray:
    """ripser diagram of a noisy circle (keeps the infinite H0 bar), plus giotto padding rows."""
    dgm = _ripser_diagram(_circle(40, 0.08, seed=1))
    padding = np.array([[0.0, 0.0, 0.0], [0.3, 0.3, 1.0], [0.0, 0.0, 2.0]])
    return np.concatenate([dgm, padding])


def _segments_by_dim(ax) -> dict[int, np.ndarray]:
    out = {}
    for coll in ax.collections:
        if isinstance(coll, LineCollection) and str(coll.get_gid()).startswith("bars-H"):
            segs = coll.get_segments()
            out[int(coll.get_gid()[6:])] = np.array(
                [[s[0, 0], s[1, 0]] for s in segs]
            ).reshape(-1, 2)
    return out


def _offsets(ax, prefix: str) -> dict[int, np.ndarray]:
    out = {}
    for coll in ax.collections:
        gid = str(coll.get_gid())
        if isinstance(coll, PathCollection) and gid.startswith(prefix):
            out[int(gid[len(prefix):])] = np.asarray(coll.get_offsets()).reshape(-1, 2)
    return out


def _rows(dgm: np.ndarray, dim: int) -> np.ndarray:
    sel = (dgm[:, 2] == dim) & (dgm[:, 0] != dgm[:, 1])
    return dgm[sel, :2]


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a[np.lexsort((a[:, 1], a[:, 0]))]


# ---------------------------------------------------------------- barcodes and diagrams


def test_barcode_draws_one_segment_per_bar(circle_diagram):
    fig = plot_barcode(circle_diagram, title="circle")
    ax = fig.axes[0]
    segs = _segments_by_dim(ax)
    assert set(segs) == {0, 1, 2}
    right = ax.get_xlim()[1]
    for d in (0, 1, 2):
        expected = _rows(circle_diagram, d)
        expected = np.where(np.isinf(expected), right, expected)
        assert len(segs[d]) == len(expected)
        np.testing.assert_allclose(_sorted_rows(segs[d]), _sorted_rows(expected))
    n_non_padding = int((circle_diagram[:, 0] != circle_diagram[:, 1]).sum())
    assert sum(len(s) for s in segs.values()) == n_non_padding
    assert len(segs[2]) == 0
    # the one infinite H0 bar of ripser reaches the right edge, marked with an arrow head
    inf_markers = [ln for ln in ax.lines if ln.get_gid() == "infinite-H0"]
    assert len(inf_markers) == 1 and len(inf_markers[0].get_xdata()) == 1
    assert inf_markers[0].get_xdata()[0] == right
    finite = circle_diagram[:, :2][np.isfinite(circle_diagram[:, :2])]
    assert right > finite.max()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    n0 = len(_rows(circle_diagram, 0))
    assert f"H0 ({n0} bars)" in labels and any("never dies" in s for s in labels)
    assert ax.get_title() == "circle"


def test_barcode_threshold_deaths_count_as_infinite_and_dims_are_selectable():
    dgm = np.array([[0.0, 0.5, 0], [0.0, 2.0, 0], [0.2, 0.9, 1], [0.4, 2.0, 1], [0.0, 0.0, 1]])
    fig = plot_barcode(dgm, homology_dimensions=[1], threshold=2.0)
    ax = fig.axes[0]
    segs = _segments_by_dim(ax)
    assert set(segs) == {1}
    np.testing.assert_allclose(_sorted_rows(segs[1]), [[0.2, 0.9], [0.4, 2.0]])
    assert ax.get_xlim()[1] == 2.0
    inf_markers = [ln for ln in ax.lines if ln.get_gid() == "infinite-H1"]
    np.testing.assert_allclose(inf_markers[0].get_xdata(), [2.0])
    # one cloud given in the (1, n, 3) collection layout is accepted
    fig3 = plot_barcode(dgm[None])
    assert sum(len(s) for s in _segments_by_dim(fig3.axes[0]).values()) == 4


def test_diagram_scatter_holds_every_point(circle_diagram):
    fig = plot_diagram(circle_diagram)
    ax = fig.axes[0]
    finite = _offsets(ax, "points-H")
    infinite = _offsets(ax, "infinite-H")
    top = ax.get_ylim()[1]
    for d in (0, 1):
        rows = _rows(circle_diagram, d)
        fin = rows[np.isfinite(rows[:, 1])]
        np.testing.assert_allclose(_sorted_rows(finite[d]), _sorted_rows(fin))
        n_inf = int(np.isinf(rows[:, 1]).sum())
        assert len(infinite.get(d, np.zeros((0, 2)))) == n_inf
    assert len(infinite[0]) == 1
    # the +inf line sits above every finite death, inside the axes
    assert np.nanmax(finite[0][:, 1]) < infinite[0][0, 1] < top
    assert len(finite[2]) == 0
    diag = next(ln for ln in ax.lines if ln.get_gid() == "diagonal")
    np.testing.assert_allclose(diag.get_xdata(), diag.get_ydata())


def test_layer_diagrams_small_multiples_share_the_axis():
    dgms = [_ripser_diagram(_circle(30, noise, seed=i)) for i, noise in enumerate((0.05, 0.3, 0.6))]
    names = ["fc1", "fc2", "fc3"]
    fig = plot_layer_diagrams(dgms, names, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == names
    assert len(fig.axes) == 4  # 2 × 2 grid, one hidden
    for ax, dgm in zip(visible, dgms, strict=True):
        segs = _segments_by_dim(ax)
        assert sum(len(s) for s in segs.values()) == len(dgm)
        assert len(segs[1]) == len(_rows(dgm, 1))
    assert len({ax.get_xlim() for ax in visible}) == 1
    fig2 = plot_layer_diagrams(np.stack([dgms[0], dgms[0]]), ["a", "b"], kind="diagram")
    pts = _offsets(fig2.axes[0], "points-H")
    assert len(pts[1]) == len(_rows(dgms[0], 1))
    with pytest.raises(InputError, match="layer_names"):
        plot_layer_diagrams(dgms, names[:2])
    with pytest.raises(InputError, match="kind"):
        plot_layer_diagrams(dgms, names, kind="landscape")


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.array([[0.5, 0.2, 0.0]]), "death < birth"),
        (np.zeros((4, 2)), "shape"),
        (np.array([[0.0, 1.0, 0.5]]), "integers"),
        (np.zeros((2, 3, 3)), "2 clouds"),
    ],
)
def test_bad_diagrams_raise_input_error(bad, match):
    with pytest.raises(InputError, match=match):
        plot_barcode(bad)


# ---------------------------------------------------------------- tables


LAYERS = ["conv1", "fc1", "fc2", "out"]


@pytest.fixture(scope="module")
def topology() -> pd.DataFrame:
    """Three seeds, two steps, two classes, four layers, H0 and H1; rows shuffled so depth order
    must come from layer_index."""
    rng = np.random.default_rng(7)
    rows = []
    for seed in range(3):
        for step in (0, 50, 100):
            for li, layer in enumerate(LAYERS):
                for cls in ("all", "cat", "dog"):
                    for dim in (0, 1):
                        rows.append({
                            "step": step, "layer": layer, "layer_index": li, "class": cls,
                            "homology_dim": dim, "seed": seed,
                            "betti": int(rng.integers(0, 10)),
                            "total_persistence": float(rng.random()),
                        })
    table = pd.DataFrame(rows)
    return table.sample(frac=1.0, random_state=3).reset_index(drop=True)


def _hand_stats(table: pd.DataFrame, step: int, cls: str, layer: str, dim: int, value="betti"):
    vals = table[(table.step == step) & (table["class"] == cls) & (table.layer == layer)
                 & (table.homology_dim == dim)].sort_values("seed")[value].to_numpy(float)
    assert len(vals) == 3
    return vals.mean(), vals.std(ddof=1), len(vals)


def test_betti_by_layer_error_bars_are_mean_and_std_over_seeds(topology):
    fig = plot_betti_by_layer(topology[topology["class"] != "all"], by="class", error="std")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["H0", "H1"]
    for ax, dim in zip(axes, (0, 1), strict=True):
        assert [t.get_text() for t in ax.get_xticklabels()] == LAYERS
        containers = {c.get_label(): c for c in ax.containers}
        assert set(containers) == {"cat", "dog"}
        for cls, cont in containers.items():
            line, _, (bars,) = cont
            y = np.asarray(line.get_ydata(), dtype=float)
            x = np.asarray(line.get_xdata(), dtype=float)
            np.testing.assert_allclose(np.round(x), np.arange(len(LAYERS)), atol=0.2)
            segs = bars.get_segments()
            for i, layer in enumerate(LAYERS):
                mean, sd, _ = _hand_stats(topology, 100, cls, layer, dim)  # last step by default
                assert y[i] == pytest.approx(mean)
                lo, hi = sorted([segs[i][0, 1], segs[i][1, 1]])
                assert lo == pytest.approx(mean - sd)
                assert hi == pytest.approx(mean + sd)
    assert "step 100" in fig.get_suptitle() and "3 seeds" in fig.get_suptitle()


@pytest.mark.parametrize("error", ["sem", "ci95"])
def test_summary_errors_match_hand_computation(topology, error):
    s = summarize_by_layer(topology, homology_dims=[1], by=None, step=50, error=error)
    assert list(s["layer"]) == LAYERS and list(s["position"]) == [0, 1, 2, 3]
    for _, row in s.iterrows():
        mean, sd, n = _hand_stats(topology, 50, "all", row["layer"], 1)
        sem = sd / np.sqrt(n)
        expected = sem if error == "sem" else sem * student_t.ppf(0.975, n - 1)
        assert row["mean"] == pytest.approx(mean)
        assert row["error"] == pytest.approx(expected)
        assert row["n"] == 3


def test_betti_by_layer_rejects_unknown_columns_and_errors(topology):
    with pytest.raises(InputError, match="class"):
        plot_betti_by_layer(topology.drop(columns="class"), by="class")
    with pytest.raises(InputError, match="error"):
        plot_betti_by_layer(topology, error="mad")
    with pytest.raises(InputError, match="step=7"):
        plot_betti_by_layer(topology, step=7)
    two_models = pd.concat([topology.assign(model="a"), topology.assign(model="b")])
    with pytest.raises(InputError, match="several models"):
        plot_betti_by_layer(two_models)


def test_layer_step_heatmap_is_the_pivot_of_the_table(topology):
    table = topology[~((topology.layer == "fc2") & (topology.step == 50))]  # one missing cell
    fig = plot_layer_step_heatmap(table, homology_dim=1, value="total_persistence", cls="cat")
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    rows = table[(table["class"] == "cat") & (table.homology_dim == 1)]
    expected = rows.pivot_table(index="layer", columns="step", values="total_persistence",
                                aggfunc="mean").reindex(index=LAYERS, columns=[0, 50, 100])
    np.testing.assert_allclose(np.ma.filled(image, np.nan), expected.to_numpy(), equal_nan=True)
    assert np.ma.getmaskarray(image)[LAYERS.index("fc2"), 1]
    assert [t.get_text() for t in ax.get_yticklabels()] == LAYERS
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "50", "100"]
    n_annotations = sum(1 for t in ax.texts)
    assert n_annotations == int(np.isfinite(expected.to_numpy()).sum())
    pd.testing.assert_frame_equal(
        layer_step_matrix(table, 1, "total_persistence", "cat"), expected, check_names=False
    )
    with pytest.raises(InputError, match="class='bird'"):
        plot_layer_step_heatmap(table, 1, cls="bird")


def test_training_and_topology_share_the_step_axis(topology):
    steps = np.arange(0, 101, 10)
    metrics = pd.concat([
        pd.DataFrame({"step": steps, "epoch": steps // 10, "loss": np.exp(-steps / 40) + s,
                      "train_accuracy": 1 - np.exp(-steps / 30), "test_accuracy": 0.9 - s})
        for s in (0.0, 0.1)
    ])
    fig = plot_training_and_topology(metrics, topology, homology_dim=1, layers=["fc1", "out"])
    loss_ax, acc_ax, topo_ax = fig.axes[:3]
    loss = loss_ax.lines[0]
    np.testing.assert_allclose(loss.get_xdata(), steps)
    np.testing.assert_allclose(loss.get_ydata(), np.exp(-steps / 40) + 0.05)
    assert {ln.get_label() for ln in acc_ax.lines} == {"train", "test"}
    test_line = next(ln for ln in acc_ax.lines if ln.get_label() == "test")
    np.testing.assert_allclose(test_line.get_ydata(), 0.85)
    layer_lines = {ln.get_label(): ln for ln in topo_ax.lines}
    assert list(layer_lines) == ["fc1", "out"]
    for layer, line in layer_lines.items():
        np.testing.assert_allclose(line.get_xdata(), [0, 50, 100])
        expected = [_hand_stats(topology, s, "all", layer, 1)[0] for s in (0, 50, 100)]
        np.testing.assert_allclose(line.get_ydata(), expected)
    assert loss_ax.get_shared_x_axes().joined(loss_ax, topo_ax)
    with pytest.raises(InputError, match="loss"):
        plot_training_and_topology(metrics[["step", "epoch"]], topology)
    with pytest.raises(InputError, match="layer"):
        plot_training_and_topology(metrics, topology, layers=["fc9"])


def test_betti_curves_lines_follow_the_arrays():
    rng = np.random.default_rng(0)
    curves = rng.integers(0, 6, size=(3, 2, 20)).astype(float)
    samplings = {0: np.linspace(0, 1, 20), 1: np.linspace(0.1, 2, 20)}
    fig = plot_betti_curves(curves, samplings, labels=["l1", "l2", "l3"])
    assert [ax.get_title() for ax in fig.axes] == ["H0", "H1"]
    for k, ax in enumerate(fig.axes):
        assert [ln.get_label() for ln in ax.lines] == ["l1", "l2", "l3"]
        for i, ln in enumerate(ax.lines):
            np.testing.assert_allclose(ln.get_xdata(), samplings[k])
            np.testing.assert_allclose(ln.get_ydata(), curves[i, k])
            assert ln.get_drawstyle() == "steps-post"
    with pytest.raises(InputError, match="labels"):
        plot_betti_curves(curves, samplings, labels=["a"])
    with pytest.raises(InputError, match="bins"):
        plot_betti_curves(curves, np.linspace(0, 1, 7))


# ---------------------------------------------------------------- comparisons


@pytest.fixture(scope="module")
def distances() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for la in ("l0", "l1", "l2"):
        for lb in ("m0", "m1"):
            for metric in ("wasserstein", "bottleneck"):
                rows.append({"model_a": "mlp", "layer_a": la, "model_b": "cnn", "layer_b": lb,
                             "homology_dim": 1, "metric": metric, "distance": rng.random()})
    for i, la in enumerate(("l0", "l1", "l2")):
        for lb in ("l0", "l1", "l2")[i:]:
            rows.append({"model_a": "mlp", "layer_a": la, "model_b": "mlp", "layer_b": lb,
                         "homology_dim": 0, "metric": "bottleneck",
                         "distance": 0.0 if la == lb else rng.random()})
    return pd.DataFrame(rows)


def test_distance_heatmap_values_equal_the_table(distances):
    fig = plot_distance_heatmap(distances, "mlp", "cnn", homology_dim=1, metric="wasserstein")
    ax = fig.axes[0]
    image = np.ma.filled(ax.images[0].get_array(), np.nan)
    assert image.shape == (3, 2)
    sel = distances[distances.metric == "wasserstein"]
    for _, r in sel.iterrows():
        i, j = int(r.layer_a[1]), int(r.layer_b[1])
        assert image[i, j] == pytest.approx(r.distance)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["l0", "l1", "l2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["m0", "m1"]
    # the same pairs asked the other way round come back transposed
    swapped = distance_matrix(distances, "cnn", "mlp", 1, "wasserstein")
    np.testing.assert_allclose(swapped.to_numpy(), image.T)
    # a model against itself: the stored upper triangle fills the lower one
    self_mat = distance_matrix(distances, "mlp", "mlp", 0, "bottleneck").to_numpy()
    np.testing.assert_allclose(self_mat, self_mat.T)
    np.testing.assert_allclose(np.diag(self_mat), 0.0)
    with pytest.raises(InputError, match="no rows"):
        plot_distance_heatmap(distances, "mlp", "cnn", 2, "wasserstein")


# ---------------------------------------------------------------- UMAP


@pytest.mark.parametrize("projection", [pytest.param("umap-learn", marks=pytest.mark.slow),
                                        "stand-in"])
def test_umap_grid_one_axis_per_cloud_with_every_point(projection, request):
    """The real UMAP (slow: its JIT compilation) and the stand-in projection of conftest give the
    same grid; with the stand-in, every panel also gets its cloud's exact neighbours."""
    calls = request.getfixturevalue("fake_umap") if projection == "stand-in" else None
    rng = np.random.default_rng(5)
    n = 150
    labels = np.repeat(np.array(["a", "b", "c"]), n // 3)
    centers = {"a": 0.0, "b": 4.0, "c": 8.0}
    base = np.array([centers[c] for c in labels])[:, None] + rng.normal(size=(n, 6))
    clouds = [base, np.tanh(base @ rng.normal(size=(6, 4))), np.c_[base, base ** 2]]
    titles = ["step 0", "step 10", "step 20"]
    fig = plot_umap_grid(clouds, labels, titles, random_state=0, n_neighbors=8, ncols=3,
                         n_epochs=60)
    assert [ax.get_title() for ax in fig.axes] == titles
    for ax in fig.axes:
        per_class = {c.get_gid(): len(c.get_offsets()) for c in ax.collections}
        assert per_class == {"class-a": 50, "class-b": 50, "class-c": 50}
        pts = np.concatenate([c.get_offsets() for c in ax.collections])
        assert pts.shape == (n, 2) and np.isfinite(pts).all()
    legend_labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend_labels == ["a", "b", "c"]
    # well-separated classes stay separated: the nearest neighbour of nearly every point in the
    # first panel has the same class
    emb = np.concatenate([c.get_offsets() for c in fig.axes[0].collections])
    cls = np.repeat([0, 1, 2], 50)
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (cls[d.argmin(1)] == cls).mean() > 0.95
    if calls is not None:
        assert len(calls) == len(clouds)
        for params in calls:
            assert (params["n_neighbors"], params["n_epochs"], params["random_state"]) == (8, 60, 0)
            idx, dist, _ = params["precomputed_knn"]
            assert idx.shape == dist.shape == (n, 8)
            np.testing.assert_array_equal(idx[:, 0], np.arange(n))


def test_subsample_and_alignment_helpers():
    idx = subsample_indices(1000, 150, random_state=3)
    assert len(idx) == 150 and len(np.unique(idx)) == 150 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(idx, subsample_indices(1000, 150, random_state=3))
    np.testing.assert_array_equal(subsample_indices(10, 150, 0), np.arange(10))
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(40, 2))
    angle = 1.1
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = ref @ rot * [1, -1] + 5.0  # rotated, reflected, shifted
    aligned = align_embedding(moved, ref)
    np.testing.assert_allclose(aligned - aligned.mean(0), ref - ref.mean(0), atol=1e-10)


# ---------------------------------------------------------------- saving and style


def test_save_figure_writes_valid_png_and_svg_atomically(tmp_path, circle_diagram):
    fig = plot_barcode(circle_diagram)
    paths = save_figure(fig, tmp_path / "figs" / "barcode", dpi=60)
    assert [p.name for p in paths] == ["barcode.png", "barcode.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    root = ET.parse(paths[1]).getroot()
    assert root.tag.endswith("svg")
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == ["barcode.png", "barcode.svg"]
    # SVG output is reproducible (no date, fixed id salt); a suffix picks that one format
    again = save_figure(fig, tmp_path / "again.svg")
    assert [p.name for p in again] == ["again.svg"]
    assert again[0].read_bytes() == paths[1].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.svg", "figs"]
    with pytest.raises(InputError, match="formats"):
        save_figure(fig, tmp_path / "x", formats=("gif",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.svg", "figs"]


def test_write_standard_figures(tmp_path, topology, distances):
    metrics = pd.DataFrame({"step": [0, 50, 100], "loss": [1.0, 0.5, 0.2],
                            "train_accuracy": [0.5, 0.8, 0.9]})
    written = write_standard_figures(tmp_path, topology, metrics, distances, formats=("png",),
                                     dpi=40)
    expected = {"betti_by_layer", "heatmap_H0", "heatmap_H1", "training_topology_H0",
                "training_topology_H1", "distances_mlp_vs_cnn_wasserstein_H1",
                "distances_mlp_vs_cnn_bottleneck_H1", "distances_mlp_vs_mlp_bottleneck_H0"}
    assert set(written) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.png" for n in expected)


def test_import_is_light_and_leaves_global_style_alone():
    code = (
        "import matplotlib as mpl, sys; before = dict(mpl.rcParams);"
        "import tda_nn.plotting as P, numpy as np;"
        "P.plot_barcode(np.array([[0., 1., 0.]]));"
        "changed = [k for k, v in mpl.rcParams.items() if before[k] != v];"
        "heavy = [m for m in ('umap', 'torch', 'dask', 'matplotlib.pyplot') if m in sys.modules];"
        "print(changed, heavy)"
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.strip() == "[] []"
