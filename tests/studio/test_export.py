"""studio.export: the downloads' content."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import plotly.graph_objects as go

from studio import export


def test_csv_parses_back_to_the_table():
    frame = pd.DataFrame({"item": ["a,b", 'q"uote', "é"], "rating": [1.5, 2.0, 3.25]})
    back = pd.read_csv(io.BytesIO(export.csv_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)


def test_figure_html_is_standalone_and_exports_svg():
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    html = export.figure_html(fig, "my fig")
    assert "<html>" in html[:40] and "Plotly.newPlot" in html
    assert len(html) > 1_000_000 and '<script src="http' not in html  # plotly.js inline
    assert '"format": "svg"' in html and '"filename": "my-fig"' in html
    assert export.chart_config("k")["toImageButtonOptions"] == {
        "format": "png",
        "filename": "k",
        "scale": export.IMAGE_SCALE,
    }


def test_attention_html_escapes_the_words():
    html = export.attention_html("<b>t</b>", ["<script>x</script>", "ok"], [0.2, 0.8], note="n<")
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "<title>&lt;b&gt;t&lt;/b&gt;</title>" in html and "n&lt;" in html
    assert html.count('class="semax-word"') == 2


def test_zip_and_report():
    fig = go.Figure(go.Bar(x=[1], y=[2]))
    frame = pd.DataFrame({"a": [1.0]})
    report = export.report_html("R", [("t", frame), ("f", fig), ("f2", fig), ("x", "<i>")])
    assert report.count("<table") == 1 and "&lt;i&gt;" in report
    data = export.zip_bytes({"a.csv": export.csv_bytes(frame), "r.html": report})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["a.csv", "r.html"]
        assert z.read("r.html").decode() == report


def test_file_names_are_safe():
    assert export.file_name("../a b/c", "csv") == "a-b-c.csv"
    assert export.file_name("", "html") == "semax.html"
