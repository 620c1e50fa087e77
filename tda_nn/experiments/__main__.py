"""``python -m tda_nn.experiments SPEC --out DIR``: run (or resume) an experiment spec."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from tda_nn.commands.experiment import add_arguments, run
    from tda_nn.errors import TdaNnError

    parser = argparse.ArgumentParser(prog="python -m tda_nn.experiments")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except TdaNnError as exc:
        print(f"experiment: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
