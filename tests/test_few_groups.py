"""Groups with too few people in the effects charts and their tables: drawn hollow with
their intervals, cut at the axis the judged rows set, and listed in the same rows."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from jejak.analyses.effectiveness import TouchpointEffects
from jejak.report.figures.drawing import ratio_range
from jejak.report.figures.effectiveness import (
    FEW,
    VERDICT_COLORS,
    shown_effects,
    touchpoint_effect_figure,
)
from jejak.report.html import touchpoint_sections
from jejak.report.tables import touchpoint_effect_table

NAN = float("nan")


@pytest.fixture
def effects() -> pd.DataFrame:
    """Two judged rows and three with too few people: a wide interval, nobody moving on
    after it, and nobody without it (in the analysis's order: stages, most people first)."""
    return pd.DataFrame(
        {
            "stage": ["Engagement", "Engagement", "Convert", "Convert", "Excite"],
            "stage_index": [2, 2, 4, 4, 5],
            "channel": ["email", "webinar", "chat", "review", "direct"],
            "people_with": [100, 12, 400, 5, 60],
            "moved_with": [40, 3, 20, 0, 20],
            "rate_with": [0.4, 0.3, 0.05, 0.0, 0.2],
            "people_without": [200, 300, 300, 695, 0],
            "moved_without": [50, 40, 60, 50, 0],
            "rate_without": [0.2, 0.15, 0.1, 0.07, NAN],
            "rate_ratio": [2.0, 2.0, 0.5, NAN, NAN],
            "ci_low": [1.5, 0.4, 0.4, NAN, NAN],
            "ci_high": [2.5, 40.0, 0.6, NAN, NAN],
            "verdict": ["helps", FEW, "hurts", FEW, FEW],
        }
    )


def _drawn(figure) -> dict[str, list[tuple]]:
    """Per verdict, the points its rows are drawn as: row, x, whisker minus and plus, symbol."""
    drawn: dict[str, list[tuple]] = {}
    for trace in figure.data:
        if trace.showlegend is False and trace.error_x.array is not None:
            points = zip(
                trace.y,
                trace.x,
                trace.error_x.arrayminus,
                trace.error_x.array,
                trace.marker.symbol,
                strict=True,
            )
            drawn[trace.name] = [
                (y, round(x, 6), round(m, 6), round(p, 6), s) for y, x, m, p, s in points
            ]
    return drawn


def test_the_few_are_hollow_with_their_intervals_cut_at_the_judged_rows_axis(effects):
    figure = touchpoint_effect_figure(effects, "channel", "Effects")
    # the axis spans the judged rows (0.4x to 2.5x), not the small group's 40x
    low, high = ratio_range([2.0, 1.5, 2.5, 0.5, 0.4, 0.6])
    assert (round(low, 6), round(high, 6)) == (round(0.4 / 1.15, 6), round(2.5 * 1.15, 6))
    assert list(figure.layout.xaxis.range) == pytest.approx(
        [math.log10(low / 1.06), math.log10(high * 1.06)]
    )
    assert list(figure.layout.xaxis.ticktext) == ["0.5x", "0.75x", "1x", "1.5x", "2x"]
    drawn = _drawn(figure)
    assert drawn[FEW] == [  # bottom-up, as plotly draws categories
        ("Excite · direct", 1.0, 0.0, 0.0, "x-thin-open"),  # nobody to compare with
        ("Convert · review", round(low, 6), 0.0, 0.0, "triangle-left-open"),  # nobody moved
        ("Engagement · webinar", 2.0, 1.6, round(high - 2.0, 6), "circle-open"),
    ]
    assert drawn["helps"] == [("Engagement · email", 2.0, 0.5, 0.5, "circle")]
    # the webinar's whisker runs past 2.9x: an arrowhead at the axis's end says so
    ends = [t for t in figure.data if t.showlegend is False and t.error_x.array is None]
    assert [(t.name, list(t.y), list(t.x), list(t.marker.symbol)) for t in ends] == [
        (FEW, ["Engagement · webinar"], [high], ["triangle-right-open"])
    ]
    hovers = {
        y: said
        for t in figure.data
        if t.customdata
        for y, said in zip(t.y, t.customdata, strict=True)
    }
    assert hovers["Engagement · webinar"] == (
        "moves on 2.00x as fast with it (0.40x to 40.00x); 12 people had it<br>"
        "it runs past the chart's edge: cut there, marked by an arrowhead<br>"
        "too few people to judge: 12 with it, 300 without (a verdict needs 30 on each side)"
    )
    assert hovers["Convert · review"].startswith(
        "nobody moved on after it (5 people had it): no ratio"
    )
    assert hovers["Excite · direct"].startswith(
        "everyone in the stage had it: nobody to compare with"
    )
    # the legend shows the small groups' mark: a hollow dot in their colour
    legend = [t for t in figure.data if t.showlegend is not False]
    assert [(t.name, t.marker.symbol, t.marker.color) for t in legend] == [
        ("helps", "circle", VERDICT_COLORS["helps"]),
        ("hurts", "circle", VERDICT_COLORS["hurts"]),
        (FEW, "circle-open", VERDICT_COLORS[FEW]),
    ]


def _effect_section(effects: pd.DataFrame):
    """The report's section of ``effects`` (by channel), beside an empty ratios section."""
    ratios = pd.DataFrame(
        columns=["channel", "reach", "occurrences", "converting_journeys", "per_conversion"]
    ).assign(share_of_conversions=[])
    listed = SimpleNamespace(title="Ratios", table=ratios, meta={"goal": "Convert"})
    listed.figure = lambda: None
    result = TouchpointEffects(
        title="Effects", table=effects, meta={"by": "channel", "min_people": 30}
    )
    return touchpoint_sections(listed, result)[1]


def test_the_table_lists_the_charts_rows_in_its_order_with_the_few_marked(effects):
    section = _effect_section(effects)
    chart_rows = list(section.figures[0].layout.yaxis.categoryarray)[::-1]  # top first
    table = section.table
    assert chart_rows == [
        f"{s} · {c}" for s, c in zip(table["Stage"], table["Channel"], strict=True)
    ]
    assert table["Channel"].tolist() == ["email", "webinar", "chat", "review", "direct"]
    assert table["People with it"].tolist() == ["100", "12 (few)", "400", "5 (few)", "60"]
    assert table["People without"].tolist() == ["200", "300", "300", "695", "0 (few)"]
    assert table["Moves on (same time in stage)"].tolist() == ["2.00x", "2.00x", "0.50x", "–", "–"]
    assert table["95% interval"].tolist() == [
        "1.50x to 2.50x",
        "0.40x to 40.00x",
        "0.40x to 0.60x",
        "nobody moved on after it",
        "nobody to compare with",
    ]
    assert "too few to judge" in section.intro and "left out" not in section.intro


def test_chart_and_table_keep_the_same_most_people_per_stage(effects):
    many = pd.concat(
        [effects.iloc[[0]].assign(channel=f"c{i}", people_with=100 - i) for i in range(10)]
        + [effects.iloc[[2]]],
        ignore_index=True,
    )
    shown, left_out = shown_effects(many)
    assert left_out == 2 and shown["channel"].tolist() == [f"c{i}" for i in range(8)] + ["chat"]
    figure = touchpoint_effect_figure(many, "channel", "Effects")
    rows = list(figure.layout.yaxis.categoryarray)[::-1]
    assert rows == [f"{s} · {c}" for s, c in zip(shown["stage"], shown["channel"], strict=True)]
    table = touchpoint_effect_table(shown)
    assert table["Channel"].tolist() == shown["channel"].tolist()
    section = _effect_section(many)
    assert section.table["Channel"].tolist() == shown["channel"].tolist()
    assert "2 more rows, with fewer people, are left out here" in section.intro
