"""Downloads of what the pages show (no streamlit here; `studio.render` puts the buttons on the
page): tables as CSV, figures as standalone HTML files (plotly.js inline, so they open offline;
their toolbar saves an SVG) and as PNG or SVG from the app's chart toolbars (`chart_config`), the
coloured attention view as an HTML file, and several files as one zip."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from studio.markup import esc, weighted_words_html

IMAGE_SCALE = 2  # PNGs at twice the screen size


def file_name(name: str, ext: str) -> str:
    """A safe file name: letters, digits, `-`, `_` and `.` from `name`, then `.ext`."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(name)).strip("-.") or "semax"
    return f"{stem}.{ext}"


def chart_config(name: str, image: str = "png") -> dict:
    """Plotly config: the toolbar's camera button saves the figure as `image` (png or svg)."""
    options = {"format": image, "filename": file_name(name, image).rsplit(".", 1)[0]}
    if image == "png":
        options["scale"] = IMAGE_SCALE
    return {"displaylogo": False, "toImageButtonOptions": options}


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV (its index dropped: the pages show tables without one)."""
    return frame.to_csv(index=False).encode("utf-8")


def figure_html(fig: go.Figure, name: str = "figure") -> str:
    """A figure as one standalone HTML file; its toolbar saves an SVG."""
    return fig.to_html(full_html=True, include_plotlyjs=True, config=chart_config(name, "svg"))


def page_html(title: str, body: str) -> str:
    """A standalone HTML page around `body` (already escaped HTML) with an escaped title."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>"
        f"</head><body><h1>{esc(title)}</h1>\n{body}\n</body></html>\n"
    )


def attention_html(
    title: str,
    words: Sequence[str],
    weights: Sequence[float],
    known: Sequence[bool] | None = None,
    note: str = "",
) -> str:
    """The coloured attention view (words on a background as strong as their weight) as a
    standalone HTML file; `note` is plain text shown under it."""
    body = weighted_words_html(words, weights, known)
    return page_html(title, body + (f"<p><small>{esc(note)}</small></p>" if note else ""))


def table_html(frame: pd.DataFrame) -> str:
    """A table as escaped HTML."""
    return frame.to_html(index=False, escape=True, float_format=lambda v: f"{v:.4f}")


def report_html(title: str, parts: Sequence[tuple[str, object]]) -> str:
    """One HTML file of (heading, table or figure or text) parts; plotly.js is included once."""
    html, first = [], True
    for heading, part in parts:
        html.append(f"<h2>{esc(heading)}</h2>")
        if isinstance(part, go.Figure):
            html.append(part.to_html(full_html=False, include_plotlyjs=first))
            first = False
        elif isinstance(part, pd.DataFrame):
            html.append(table_html(part))
        else:
            html.append(f"<p>{esc(part)}</p>")
    return page_html(title, "\n".join(html))


def zip_bytes(files: Mapping[str, str | bytes]) -> bytes:
    """Several files as one zip archive (text files as UTF-8)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            z.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buf.getvalue()
