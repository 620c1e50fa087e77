"""The verdict section of a report: :func:`find_verdict` reads it, :func:`verdict_section_html` renders it.

The verdict items are plain dicts (``results/verdict.json``, written by :mod:`tda_nn.experiments`);
the experiment's own page is :mod:`tda_nn.experiments.report_page`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tda_nn.report import html as H

FLAG_STYLE = {"yes": "#1b7f3b", "no": "#b3261e", "partly": "#9a6700", "inconclusive": "#555",
              "contradictory": "#6a1b9a"}


def find_verdict(run_dir: str | Path) -> list[dict[str, Any]] | None:
    """The experiment verdict that applies to ``run_dir``, if any.

    Looks for ``results/verdict.json`` in ``run_dir`` (an experiment directory) and in its parent
    (a pipeline run inside an experiment directory). Returns the list of verdict items or None.
    """
    import json

    root = Path(run_dir)
    for path in (root / "results" / "verdict.json", root.parent / "results" / "verdict.json"):
        if path.is_file():
            try:
                items = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                return None
            return items if isinstance(items, list) else None
    return None


def verdict_section_html(items: list[dict[str, Any]], anchor: str = "verdict") -> str:
    """One ``<section>`` stating, per claim, whether it held and the numbers behind it."""
    blocks = []
    for it in items:
        colour = FLAG_STYLE.get(it["held"], "#555")
        cases = "".join(
            f"<li><strong>{H.esc(case)}</strong>"
            + (f" ({H.esc(it['per_case'][case])})" if case in it["per_case"] else "")
            + f": {H.esc(text)}</li>"
            for case, text in it["numbers"].items()
        )
        blocks.append(
            f'<div class="verdict-item" data-finding="{H.esc(it["finding"])}" '
            f'data-held="{H.esc(it["held"])}">'
            f'<h3>{H.esc(it["finding"])}. {H.esc(it["claim"])}: '
            f'<span style="color:{colour}">{H.esc(it["held"])}</span></h3>'
            f"<p>{H.esc(it['text'])}</p><ul>{cases}</ul></div>"
        )
    return (f'<section id="{H.esc(anchor)}"><h2>Verdict</h2>'
            "<p>Intervals are over training runs (seeds); n counts runs; p is a tested "
            "difference's p-value corrected across the cases of its claim (each claim's text "
            "names the test, the correction and alpha). Protocols: <em>default</em> = 300 maxmin landmarks, Euclidean "
            "Vietoris–Rips, significant bars; <em>knn</em> = the paper's kNN graph, hop counts, "
            "Betti numbers at one fixed scale.</p>" + "".join(blocks) + "</section>")
