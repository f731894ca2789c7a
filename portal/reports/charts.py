"""Server-side SVG charts: horizontal bar charts and line charts, laid out here as plain numbers and
drawn by the macros of templates/reports/_charts.html, so they read the same in a browser without
JavaScript and in a PDF. Every chart carries its own title and text labels; the pages put the
numbers in a table beside it."""
from __future__ import annotations

from dataclasses import dataclass, field

# the portal's brand colour for everyone, a warm contrast for the disadvantaged group
PALETTE = ("#0b6e6e", "#d9822b", "#5b6675", "#8fb8b8")
FONT_SIZE = 12
LABEL_CHARS = 12  # longer labels are shortened in the chart; the table beside it has them whole


@dataclass
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"


@dataclass
class Rect:
    x: float
    y: float
    w: float
    h: float
    color: str
    title: str = ""


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class Series:
    label: str
    color: str
    points: str = ""  # "x,y x,y" for a polyline
    dots: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, tooltip


@dataclass
class Chart:
    title: str
    width: int
    height: int
    legend: list[tuple[float, float, str, str]] = field(default_factory=list)  # x, y, colour, label
    gridlines: list[Line] = field(default_factory=list)
    ticks: list[Text] = field(default_factory=list)
    labels: list[Text] = field(default_factory=list)
    bars: list[Rect] = field(default_factory=list)
    values: list[Text] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    kind: str = "bar"
    empty: bool = False


def _finish(chart: Chart) -> Chart:
    """Round every coordinate once, so the template writes them as they are."""
    for items in (chart.gridlines, chart.ticks, chart.labels, chart.bars, chart.values):
        for item in items:
            for name in ("x", "y", "w", "h", "x1", "y1", "x2", "y2"):
                if hasattr(item, name):
                    setattr(item, name, round(getattr(item, name), 1))
    chart.legend = [(round(x, 1), round(y, 1), c, label) for x, y, c, label in chart.legend]
    for line in chart.series:
        line.dots = [(round(x, 1), round(y, 1), tip) for x, y, tip in line.dots]
    return chart


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    label = str(label)
    # a CJK character is about twice as wide as a Latin one
    width, out = 0.0, []
    for ch in label:
        width += 1 if ord(ch) > 0x2E80 else 0.55
        if width > limit:
            return "".join(out) + "…"
        out.append(ch)
    return label


def _format(value: float | None, percent: bool) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _percent_max(value: float) -> float:
    """A round top for an axis of shares: 10 %, 20 %, 25 %, 40 %, 50 % … 100 %."""
    for top in (0.1, 0.2, 0.25, 0.4, 0.5, 0.6, 0.8, 1.0):
        if value <= top:
            return top
    return _nice_max(value)


def _legend(chart: Chart, names: list[str], y: float, x0: float) -> None:
    x = x0
    for index, name in enumerate(names):
        chart.legend.append((x, y, PALETTE[index % len(PALETTE)], name))
        x += 24 + 7 * len(name) + (6 * sum(1 for ch in name if ord(ch) > 0x2E80))


def bar_chart(
    title: str,
    items: list[tuple[str, list[float | None]]],
    *,
    series: list[str],
    percent: bool = True,
    full_scale: bool = True,
    width: int = 640,
    label_width: int = 170,
) -> Chart:
    """Horizontal grouped bars: one row per item, one bar per series, the value written at its end."""
    bar_h = 14 if len(series) > 1 else 18
    row_h = bar_h * len(series) + 10
    top = 30 if len(series) > 1 else 14
    axis_h = 20
    height = top + row_h * max(len(items), 1) + axis_h
    chart = Chart(title=title, width=width, height=height, kind="bar", empty=not items)
    if len(series) > 1:
        _legend(chart, series, 14, label_width)
    plot_w = width - label_width - 60
    values = [v for _, vs in items for v in vs if v is not None]
    if percent and full_scale:
        top_value = max(1.0, max(values, default=0))
    else:
        top_value = _percent_max(max(values, default=0)) if percent else _nice_max(max(values, default=0))
    bottom = top + row_h * max(len(items), 1)
    for step in range(5):
        fraction = step / 4
        x = label_width + plot_w * fraction
        chart.gridlines.append(Line(x, top - 4, x, bottom))
        chart.ticks.append(Text(x, bottom + 14, _format(top_value * fraction, percent), "middle"))
    for row, (label, row_values) in enumerate(items):
        y = top + row * row_h + 5
        chart.labels.append(Text(label_width - 8, y + bar_h * len(series) / 2 + 4, shorten(label), "end"))
        for index, value in enumerate(row_values):
            bar_y = y + index * bar_h
            length = 0 if value is None or top_value == 0 else plot_w * min(value / top_value, 1)
            color = PALETTE[index % len(PALETTE)]
            text = _format(value, percent)
            chart.bars.append(Rect(label_width, bar_y, max(length, 0.5 if value else 0), bar_h - 2, color,
                                   f"{label} · {series[index]}: {text}"))
            chart.values.append(Text(label_width + length + 4, bar_y + bar_h / 2 + 3, text))
    return _finish(chart)


def line_chart(
    title: str,
    points: list[tuple[str, list[float | None]]],
    *,
    series: list[str],
    percent: bool = True,
    width: int = 640,
    height: int = 260,
) -> Chart:
    """Lines over time (months), one per series, with the last value written at the end of each."""
    left, right, top, bottom = 48, 70, 30, 34
    chart = Chart(title=title, width=width, height=height, kind="line", empty=not points)
    _legend(chart, series, 14, left)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in points for v in vs if v is not None]
    top_value = 1.0 if percent else _nice_max(max(values, default=0))
    for step in range(6):
        fraction = step / 5
        y = top + plot_h * (1 - fraction)
        chart.gridlines.append(Line(left, y, left + plot_w, y))
        chart.ticks.append(Text(left - 6, y + 4, _format(top_value * fraction, percent), "end"))
    count = len(points)
    every = max(1, count // 8)
    xs = [left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2) for i in range(count)]
    for i, (label, _) in enumerate(points):
        if i % every == 0 or i == count - 1:
            chart.labels.append(Text(xs[i], top + plot_h + 16, label, "middle"))
    for index, name in enumerate(series):
        line = Series(name, PALETTE[index % len(PALETTE)])
        coords = []
        for i, (label, vs) in enumerate(points):
            value = vs[index] if index < len(vs) else None
            if value is None:
                continue
            y = top + plot_h * (1 - min(value / top_value, 1))
            coords.append(f"{xs[i]:.1f},{y:.1f}")
            line.dots.append((xs[i], y, f"{label} · {name}: {_format(value, percent)}"))
        line.points = " ".join(coords)
        chart.series.append(line)
    # the last value of each line at its end, moved apart when the lines end close together
    ends = sorted((s.dots[-1][1], s.dots[-1][0], i) for i, s in enumerate(chart.series) if s.dots)
    previous = None
    for y, x, index in ends:
        y = y + 4 if previous is None else max(y + 4, previous + 12)
        chart.values.append(Text(x + 6, y, _format(points[-1][1][index], percent)))
        previous = y
    return _finish(chart)
