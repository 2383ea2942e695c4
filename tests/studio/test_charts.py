"""studio.charts: the figures pages draw; the history-driver chart labels reviews by text."""

from __future__ import annotations

import plotly.graph_objects as go

from studio import charts
from tests.helpers import app_frame


def test_drivers_chart_labels_each_review_by_its_escaped_text():
    df = app_frame()
    rid = int(df.index[df["text"].str.contains("<b>bold</b>", regex=False)][0])
    fig = charts.drivers(df, [{"review": rid, "side": "user", "delta": 0.2}])
    assert isinstance(fig, go.Figure) and fig.data[0].name == "user history"
    assert fig.data[0].y[0].startswith(f"#{rid} ") and "&lt;b&gt;" in fig.data[0].y[0]


def test_the_figure_builders_are_the_librarys():
    from semax import figures

    for name in ("beta_curve", "bucket_lines", "influence_bars", "loss_curve", "word_bars"):
        assert getattr(charts, name) is getattr(figures, name)
