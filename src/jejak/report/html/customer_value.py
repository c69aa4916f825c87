"""Report sections of customer value (:mod:`jejak.analyses.customer_value`), and how
amounts read (with the shop's currency)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jejak.language import gettext
from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def amount(source: Any) -> Any:
    """How amounts read for ``source``: with its currency (``IDR 1,234,500``) when the
    touchpoints give one, else as a plain number."""
    currency = source.currency() if hasattr(source, "currency") else None
    if currency is None:
        return lambda value: fmt.number(value, 0)
    return lambda value: fmt.money(value, currency)


def value_sections(source: Any, by: Sequence[str] = ("stage", "channel")) -> list[Section]:
    """Expected purchases and revenue of today's buyers, per current stage and per
    acquisition channel, or per each of ``by`` (a shop with too few buyers for the
    models says so)."""
    from jejak.errors import JejakError
    from jejak.report.tables import value_by_table

    sections = []
    money = amount(source)
    for group in by:
        try:
            result = source.value_by(group)
        except JejakError as exc:
            return [
                Section(
                    heading=gettext("Customer value"),
                    intro=gettext("Not estimated: {reason}").format(reason=exc),
                )
            ]
        sections.append(
            Section(
                heading=result.title,
                intro=gettext(
                    "Expected purchases and revenue of today's buyers over the next year"
                    " (BG/NBD and Gamma-Gamma). Still a customer: the model's chance, on"
                    " average, that a buyer has not quietly left."
                ),
                figures=[result.figure()],
                table=value_by_table(result.table, money),
            )
        )
    return sections
