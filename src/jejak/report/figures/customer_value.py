"""Charts of customer value (:mod:`jejak.analyses.customer_value`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jejak import language
from jejak.analyses.customer_value import CustomerValue, ValueBy
from jejak.language import currency_sign, gettext
from jejak.report import formatting as fmt
from jejak.report.figures.drawing import PALETTE, labelled_bars, layout
from jejak.report.figures.registry import draws


def _amount(value: float, currency: str | None) -> str:
    """An amount as the report's tables write it: with ``currency`` when the touchpoints
    give one (``IDR 1,234,500``; ``Rp 1.234.500``), else a plain whole number."""
    return fmt.number(value, 0) if currency is None else fmt.money(value, currency)


def customer_value_figure(
    table: pd.DataFrame, title: str, currency: str | None = None
) -> go.Figure:
    """Buyers by their chance of still being a customer, with the revenue each band holds
    (in ``currency`` when given)."""
    edges = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0000001]
    names = [
        gettext("under {share}").format(share=fmt.percent(0.2, 0)),
        "20-40%",
        "40-60%",
        "60-80%",
        gettext("{share} or more").format(share=fmt.percent(0.8, 0)),
    ]
    band = pd.cut(table["p_alive"], edges, labels=names, right=False)
    grouped = table.groupby(band, observed=False).agg(
        customers=("p_alive", "size"), revenue=("expected_revenue", "sum")
    )
    figure = go.Figure(
        go.Bar(
            x=names,
            y=grouped["customers"].tolist(),
            marker=dict(color=PALETTE[0]),
            text=[
                gettext("{count} buyers · {amount} expected").format(
                    count=fmt.people(c), amount=_amount(r, currency)
                )
                for c, r in zip(grouped["customers"], grouped["revenue"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="P(alive) %{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_xaxes(title=gettext("chance of still being a customer (BG/NBD)"))
    figure.update_yaxes(title=gettext("buyers"))
    return layout(figure, title, height=420)


def value_by_figure(
    table: pd.DataFrame, by: str, title: str, currency: str | None = None
) -> go.Figure:
    """Expected revenue per group, labelled with buyers and revenue per buyer (in
    ``currency`` when given: the axis's title and ticks say it too)."""
    rows = table.iloc[::-1]
    figure = labelled_bars(
        [language.stage(str(v)) for v in rows[by]] if by == "stage" else rows[by],
        [float(v) for v in rows["expected_revenue"]],
        [
            gettext("{count} buyers · {amount} each").format(
                count=fmt.people(n), amount=_amount(v, currency)
            )
            for n, v in zip(rows["buyers"], rows["revenue_per_buyer"], strict=True)
        ],
        PALETTE[2],
    )
    if currency is None:
        figure.update_xaxes(title=gettext("expected revenue over the horizon"))
    else:
        sign = currency_sign(currency)
        figure.update_xaxes(
            title=gettext("expected revenue over the horizon ({currency})").format(currency=sign),
            tickprefix=f"{sign} ",
        )
    return layout(figure, title, height=max(300, 110 + 34 * len(rows)))


@draws(CustomerValue)
def _customer_value(result: CustomerValue) -> go.Figure:
    return customer_value_figure(result.table, result.title, result.meta.get("currency"))


@draws(ValueBy)
def _value_by(result: ValueBy) -> go.Figure:
    return value_by_figure(
        result.table, result.meta["by"], result.title, result.meta.get("currency")
    )
