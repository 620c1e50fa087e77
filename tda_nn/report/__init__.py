"""The HTML report of a run: ``build_report(run_dir)`` writes ``run_dir/report.html``.

One self-contained file (inline CSS, figures as ``data:`` URIs, no external URL) with a summary,
figures, tables, parameters and library versions; see :func:`build_report`. The figures and
tables it shows can also be built on their own with :mod:`tda_nn.report.figures` and
:mod:`tda_nn.report.tables`.
"""

from __future__ import annotations

from tda_nn.report.build import build_report
from tda_nn.report.load import RunData, load_run

__all__ = ["RunData", "build_report", "load_run"]
