"""Server-side SVG charts: bars as long as their values, every value written out, text escaped."""
from __future__ import annotations

from flask import get_template_attribute

from portal.reports import charts


def test_bars_are_proportional_and_labelled():
    chart = charts.bar_chart("去向落实率", [("临床医学", [0.9, 0.8]), ("护理学", [0.45, None])], series=["全体", "困难群体"])
    bars = chart.bars
    assert len(bars) == 4 and abs(bars[2].w * 2 - bars[0].w) < 1  # 45 % is half of 90 %
    assert bars[3].w == 0  # no value, no bar
    assert [t.text for t in chart.values] == ["90.0%", "80.0%", "45.0%", "—"]
    assert [t.text for t in chart.labels] == ["临床医学", "护理学"]
    assert [name for *_, name in chart.legend] == ["全体", "困难群体"]


def test_shares_use_a_readable_scale_and_long_labels_are_shortened():
    chart = charts.bar_chart("行业", [("批发和零售业（含医药流通）及其他很长的名字", [0.12])], series=["全体"], full_scale=False)
    assert chart.ticks[-1].text == "20.0%"
    assert chart.labels[0].text.endswith("…") and len(chart.labels[0].text) <= 13


def test_lines_climb_with_the_season_and_end_labels_do_not_overlap():
    chart = charts.line_chart("落实率", [("25-09", [0.0, 0.0]), ("26-06", [0.5, 0.4]), ("26-12", [0.9, 0.89])],
                              series=["全体", "困难群体"])
    first, second = chart.series
    ys = [float(p.split(",")[1]) for p in first.points.split()]
    assert ys[0] > ys[1] > ys[2]  # SVG y grows downwards
    ends = sorted(t.y for t in chart.values)
    assert ends[1] - ends[0] >= 11.9


def test_the_svg_escapes_text_and_has_no_inline_style(app):
    chart = charts.bar_chart('<script>alert("x")</script>', [("<b>专业</b>", [0.5])], series=["全体"])
    with app.test_request_context():
        svg = str(get_template_attribute("reports/_charts.html", "chart")(chart))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&lt;b&gt;" in svg
    assert "style=" not in svg and "<svg" in svg and 'role="img"' in svg
