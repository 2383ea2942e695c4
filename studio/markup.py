"""Untrusted text as HTML: review text, words coloured by a weight, review headers.

Every word, id and title goes through `html.escape` (`esc`), so review text is always shown as
text, never as markup. No streamlit here: `studio.render` puts these strings on the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

_SPAN = "padding:1px 3px;margin:1px;border-radius:3px;display:inline-block;line-height:1.6;"


def esc(value) -> str:
    return html.escape(str(value))


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|xmpp|www)(?=[:.])")
WORD_JOINER = "\u2060"


def literal(value) -> str:
    """Text for a markdown element (st.error, st.caption, ...) that shows it as it is: every
    ASCII punctuation character backslash-escaped (CommonMark allows it for each), so no
    emphasis, link, heading, list, HTML, entity, LaTeX, `:emoji:` or `:color[...]` directive
    is made of it; an invisible word joiner stops the bare-URL and e-mail autolinks."""
    text = _AUTOLINK.sub(r"\1" + WORD_JOINER, str(value)).replace("@", WORD_JOINER + "@")
    return _PUNCTUATION.sub(r"\\\1", text)


def unliteral(markdown: str) -> str:
    """The text `literal` was given (for tests and logs)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


def snippet(text: str, limit: int = 160) -> str:
    """Text on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_html(text: str, limit: int | None = None) -> str:
    """Review text as an escaped HTML block."""
    shown = snippet(text, limit) if limit else str(text)
    return f'<div class="semax-text" style="white-space:pre-wrap">{esc(shown)}</div>'


def when(seconds: int) -> str:
    """A review time (Unix seconds) as its UTC date."""
    return pd.Timestamp(int(seconds), unit="s", tz="UTC").date().isoformat()


def review_html(reviews: pd.DataFrame, rid: int, limit: int = 160) -> str:
    """One review: a header (id, rating, date, author → item) over its escaped text."""
    r = reviews.loc[int(rid)]
    return (
        f"<small>#{int(rid)} · ★ {float(r['rating']):g} · {when(r['time'])} · "
        f"{esc(r['user'])} → {esc(r['item'])}</small>" + text_html(snippet(r["text"], limit))
    )


def _span(word, tip: str, background: str, extra: str = "") -> str:
    return (
        f'<span class="semax-word" title="{esc(tip)}" '
        f'style="{_SPAN}{extra}background:{background}">{esc(word)}</span>'
    )


def _words(spans: list[str]) -> str:
    return '<div class="semax-words">' + " ".join(spans) + "</div>"


def _scale(values: np.ndarray) -> float:
    """The largest value, or 1 where there is none above 0 (so every opacity stays in 0..1)."""
    return float(np.nanmax(values)) if values.size and np.nanmax(values) > 0 else 1.0


def weighted_words_html(
    words: Sequence[str],
    weights: Sequence[float],
    known: Sequence[bool] | None = None,
    rgb: tuple[int, int, int] = (255, 127, 14),
) -> str:
    """Each word on a background whose opacity is its weight relative to the largest weight;
    the exact weight shows on hover; unknown words (`<UNK>`) are underlined."""
    w = np.asarray(weights, dtype=float)
    top = _scale(w)
    spans = []
    for i, (word, weight) in enumerate(zip(words, w, strict=True)):
        a = 0.0 if not np.isfinite(weight) else min(max(weight / top, 0.0), 1.0)
        unknown = known is not None and not known[i]
        extra = "text-decoration:underline dotted;" if unknown else ""
        tip = f"weight {weight:.4f}" + (" (unknown word)" if unknown else "")
        spans.append(_span(word, tip, f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{a:.3f})", extra))
    return _words(spans)


def signed_words_html(words: Sequence[str], values: Sequence[float]) -> str:
    """Signed attributions: green raises the rating, red lowers it; opacity is |value| relative
    to the largest |value|."""
    v = np.asarray(values, dtype=float)
    top = _scale(np.abs(v))
    spans = []
    for word, value in zip(words, v, strict=True):
        a = min(abs(value) / top, 1.0) if np.isfinite(value) else 0.0
        rgb = "44,160,44" if value >= 0 else "214,39,40"
        spans.append(_span(word, f"attribution {value:+.4f}", f"rgba({rgb},{a:.3f})"))
    return _words(spans)
