"""Geometry of the dashboards' SVG plots, computed here so templates only place it. Each plot
is drawn from the same rows as the data table printed beside it; nothing is loaded from
elsewhere and no script runs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Tick:
    label: str
    position: float


@dataclass(frozen=True)
class Bar:
    name: str
    label: str
    label_y: int
    bar_y: int
    width: float
    value_x: float
    value_y: int
    highlight: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    text_size: int
    plot_left: int
    plot_right: int
    top: int
    axis_y: int
    tick_label_y: int
    bar_height: int
    bars: list[Bar]
    ticks: list[Tick]
    reference_x: float | None
    reference_label: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[Point]
    path: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    text_size: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    series: list[Series]
    legend_y: int


def nice_axis(maximum: float, intervals: int = 4) -> tuple[float, int]:
    """A round tick step (1, 2 or 5 × 10ⁿ) and how many steps reach `maximum`."""
    top = maximum if maximum > 0 else 1.0
    raw = top / intervals
    magnitude = 1.0
    while magnitude * 10 <= raw:
        magnitude *= 10
    while magnitude > raw:
        magnitude /= 10
    step = next(f * magnitude for f in (1, 2, 5, 10, 20) if f * magnitude >= raw)
    count = max(1, int(-(-top // step)))
    return step, count


def _tick_label(value: float, step: float) -> str:
    return f"{value:,.0f}" if step >= 1 else f"{value:,.{max(1, len(str(step).split('.')[1]))}f}"


def bar_chart(
    rows: list[tuple[str, Decimal | None, str]],
    *,
    highlight: str = "",
    reference: Decimal | None = None,
    reference_label: str = "",
    large_text: bool = False,
) -> BarChart:
    """One horizontal bar per (name, value, formatted value); a dashed line marks the
    reference (the city average) when given. A missing value draws no bar and says "—"."""
    text = 22 if large_text else 15
    width, plot_left = 480, 8
    plot_right = width - 4 * text
    bar_height = text + 4
    row_height = text + bar_height + 14
    top = text + 8
    values = [float(v) for _, v, _ in rows if v is not None]
    if reference is not None:
        values.append(float(reference))
    step, count = nice_axis(max(values, default=0.0))
    scale = (plot_right - plot_left) / (step * count)
    bars = []
    for index, (name, value, label) in enumerate(rows):
        label_y = top + index * row_height + text
        bar_y = label_y + 8
        bar_width = float(value) * scale if value is not None else 0.0
        bars.append(
            Bar(
                name=name,
                label=label,
                label_y=label_y,
                bar_y=bar_y,
                width=max(bar_width, 0.0),
                value_x=plot_left + max(bar_width, 0.0) + 6,
                value_y=bar_y + bar_height - 4,
                highlight=name == highlight,
            )
        )
    axis_y = top + len(rows) * row_height + 6
    ticks = [
        Tick(label=_tick_label(step * i, step), position=plot_left + step * i * scale)
        for i in range(count + 1)
    ]
    return BarChart(
        width=width,
        height=axis_y + text + 16,
        text_size=text,
        plot_left=plot_left,
        plot_right=plot_right,
        top=top,
        axis_y=axis_y,
        tick_label_y=axis_y + text + 8,
        bar_height=bar_height,
        bars=bars,
        ticks=ticks,
        reference_x=plot_left + float(reference) * scale if reference is not None else None,
        reference_label=reference_label,
    )


def line_chart(
    years: list[int],
    series: list[tuple[str, str, dict[int, Decimal | None], dict[int, str]]],
    *,
    large_text: bool = False,
) -> LineChart:
    """A time series: one line per (name, css class, values by year, labels by year); gaps
    where a year has no value."""
    text = 22 if large_text else 15
    width = 560
    plot_left, plot_right = 4 * text, width - 2 * text
    plot_top = text
    plot_bottom = plot_top + 12 * text
    values = [float(v) for _, _, by_year, _ in series for v in by_year.values() if v is not None]
    step, count = nice_axis(max(values, default=0.0))
    y_scale = (plot_bottom - plot_top) / (step * count)
    span = max(len(years) - 1, 1)
    x_of = {
        year: plot_left + (plot_right - plot_left) * (i / span if len(years) > 1 else 0.5)
        for i, year in enumerate(years)
    }
    drawn = []
    for name, css, by_year, labels in series:
        points = [
            Point(
                x=x_of[year],
                y=plot_bottom - float(value) * y_scale,
                label=labels.get(year, ""),
            )
            for year in years
            if (value := by_year.get(year)) is not None
        ]
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(points)
        )
        drawn.append(Series(name=name, css=css, points=points, path=path))
    return LineChart(
        width=width,
        height=plot_bottom + 3 * text + 24,
        text_size=text,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        x_ticks=[Tick(label=str(year), position=x_of[year]) for year in years],
        y_ticks=[
            Tick(label=_tick_label(step * i, step), position=plot_bottom - step * i * y_scale)
            for i in range(count + 1)
        ],
        series=drawn,
        legend_y=plot_bottom + 2 * text + 16,
    )
