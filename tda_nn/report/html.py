"""HTML pieces of the report: escaped text, tables, figures and the self-contained page.

Every piece of text that comes from data or files goes through :func:`esc`. The page has inline
CSS, figures as ``data:`` URIs and one small inline script (it counts the figures that rendered,
into ``body[data-figures-loaded]``, and script errors, into ``body[data-js-errors]``); its
Content-Security-Policy forbids loading anything from outside the file.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

MIME = {"svg": "image/svg+xml", "png": "image/png"}

CSS = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #5a5a60; --line: #d8d8de; --band: #f4f5f8;
        --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Liberation Sans", Arial,
       sans-serif; color: var(--ink); background: #fff; }
header { background: var(--band); border-bottom: 1px solid var(--line); padding: 18px 0 10px; }
.wrap { max-width: 1160px; margin: 0 auto; padding: 0 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--accent); }
h3 { font-size: 15px; margin: 20px 0 6px; }
p { margin: 6px 0 10px; }
.sub { color: var(--muted); font-size: 13px; margin: 0; }
nav { font-size: 13px; margin-top: 8px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: #fff; }
.card h3 { margin: 2px 0 6px; font-size: 14px; color: var(--muted); text-transform: uppercase;
           letter-spacing: .03em; }
.headline { font-size: 16px; background: #eef6fb; border-left: 4px solid var(--accent);
            padding: 8px 12px; margin: 12px 0; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left;
         vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 10px; }
table.kv th { width: 40%; }
.scroll { overflow-x: auto; max-width: 100%; }
figure.report-figure { margin: 18px 0 26px; padding: 10px; border: 1px solid var(--line);
                       border-radius: 6px; }
figure.report-figure img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 8px; }
figcaption strong { color: var(--ink); }
details { margin: 6px 0 12px; }
summary { cursor: pointer; color: var(--accent); }
.note { color: var(--muted); font-size: 13px; }
ul.notes { font-size: 13px; color: var(--muted); margin: 4px 0 10px; }
pre { background: var(--band); padding: 8px; font-size: 12px; overflow-x: auto; }
footer { color: var(--muted); font-size: 12px; margin: 40px 0 20px; }
"""

SCRIPT = """
(function () {
  var body = document.body;
  body.dataset.jsErrors = "0";
  window.addEventListener("error", function () {
    body.dataset.jsErrors = String(Number(body.dataset.jsErrors) + 1);
  }, true);
  window.addEventListener("load", function () {
    var images = document.querySelectorAll("figure.report-figure img");
    var ok = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { ok += 1; }
    }
    body.dataset.figuresLoaded = String(ok);
  });
})();
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "script-src 'unsafe-inline'")


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (quotes too)."""
    return html.escape(str(value), quote=True)


def fmt_fixed(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals (missing values as an em dash)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return fmt_value(value)
    return "—" if math.isnan(v) else f"{v:.{digits}f}"


def fmt_value(value: Any) -> str:
    """A table cell's text: integers without decimals, other floats with 4 significant digits,
    missing values as an em dash, booleans as yes/no, containers as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "—"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.4g}"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, separators=(", ", ": "))
    try:
        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    return str(value)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _is_fraction(column: Any, value: Any) -> bool:
    """Accuracies are shown with three decimals."""
    return "accuracy" in str(column) and isinstance(value, float | np.floating)


def table_html(frame: pd.DataFrame, *, table_id: str | None = None) -> str:
    """An HTML table of ``frame`` (no index), every header and cell escaped; numeric columns
    right-aligned. Each cell carries ``data-col`` (its column name)."""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    numeric = {c: _is_numeric(frame[c]) for c in frame.columns}
    head = "".join(
        f'<th{" class=num" if numeric[c] else ""} scope="col">{esc(c)}</th>' for c in frame.columns
    )
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = "".join(
            f'<td{" class=num" if numeric[c] else ""} data-col="{esc(c)}">'
            f'{esc(fmt_fixed(v) if _is_fraction(c, v) else fmt_value(v))}</td>'
            for c, v in zip(frame.columns, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return (f'<div class="scroll"><table class="data"{ident}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def kv_table(mapping: Mapping[str, Any], *, table_id: str | None = None) -> str:
    """A two-column key/value table (values formatted by :func:`fmt_value`, escaped)."""
    ident = f' id="{esc(table_id)}"' if table_id else ""
    rows = "".join(
        f'<tr><th scope="row">{esc(k)}</th><td>{esc(fmt_value(v))}</td></tr>'
        for k, v in mapping.items()
    )
    return f'<table class="kv"{ident}><tbody>{rows}</tbody></table>'


def notes_list(items: Iterable[str]) -> str:
    return '<ul class="notes">' + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def section(anchor: str, title: str, inner: str) -> str:
    """One report section ``<section id=anchor><h2>title</h2>inner</section>``."""
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{inner}</section>'


def details(label: str, inner_html: str, *, open_: bool = False) -> str:
    """A collapsible block (``inner_html`` must already be escaped HTML)."""
    return (f"<details{' open' if open_ else ''}><summary>{esc(label)}</summary>"
            f"{inner_html}</details>")


def data_uri(content: bytes, fmt: str) -> str:
    return f"data:{MIME[fmt]};base64,{base64.b64encode(content).decode('ascii')}"


#: CSS pixels per inch of figure: a little above the 96 px of print size, so that the 8-9 pt
#: figure text reads like the page's text.
PIXELS_PER_INCH = 125


def figure_html(index: int, name: str, title: str, caption: str, content: bytes, fmt: str,
                width_in: float) -> str:
    """One numbered figure: the image (a data URI, ``width_in`` inches wide) and its caption."""
    width = max(1, round(width_in * PIXELS_PER_INCH))
    return (
        f'<figure class="report-figure" id="fig-{esc(name)}" data-format="{esc(fmt)}">'
        f'<img src="{data_uri(content, fmt)}" alt="{esc(title)}" width="{width}" '
        'loading="eager">'
        f"<figcaption><strong>Figure {index}. {esc(title)}.</strong> {esc(caption)}"
        "</figcaption></figure>"
    )


def page(title: str, subtitle: str, nav: list[tuple[str, str]], sections: list[str],
         footer: str, figure_count: int) -> str:
    """The whole document (``sections`` and ``footer`` are already-escaped HTML)."""
    links = "".join(f'<a href="#{esc(anchor)}">{esc(label)}</a>' for anchor, label in nav)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>\n"
        f'<body data-figure-count="{figure_count}"><script>{SCRIPT}</script>\n'
        f'<header><div class="wrap"><h1>{esc(title)}</h1><p class="sub">{esc(subtitle)}</p>'
        f"<nav>{links}</nav></div></header>\n"
        f'<main class="wrap">{"".join(sections)}'
        f"<footer>{footer}</footer></main>\n</body></html>\n"
    )
