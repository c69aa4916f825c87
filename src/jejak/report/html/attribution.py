"""The report sections of attribution (:mod:`jejak.analyses.attribution`)."""

from __future__ import annotations

from typing import Any

from jejak.language import gettext, stage
from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def _field(meta: dict[str, Any]) -> str:
    """The field the touches are told apart by, in words (channel: kanal)."""
    field = str(meta["by"])
    return gettext(field)


def direct_note(meta: dict[str, Any]) -> str:
    """Which values count as direct for the last non-direct model, and where to set them."""
    values = ", ".join(meta.get("direct") or []) or gettext("none")
    return gettext(
        "Last non-direct passes over these {field} values as direct: {values} (set them"
        " under roles: direct in jejak.yaml)."
    ).format(field=_field(meta), values=values)


def attribution_sections(result: Any) -> list[Section]:
    """The report section comparing attribution models side by side."""
    from jejak.report.tables import attribution_table

    meta = result.meta
    lookback = meta.get("lookback_days")
    window = (
        gettext("within {days} before it").format(days=fmt.days(lookback, 0))
        if lookback
        else gettext("at any time before it")
    )
    untouched = meta.get("untouched_conversions", 0)
    intro = gettext(
        "Who gets the credit for the {count} times people reached {goal} after a {field}"
        " touch {window}, under each model. First and last touch give everything to one end"
        " of the journey; linear, time decay and position-based share it by rule; Markov"
        " shares it by how many conversions would be lost without the touch (its removal"
        " effect), Shapley by each touch's average contribution to every combination of"
        " touches. Where the models agree, the answer does not depend on the model."
    ).format(
        count=fmt.people(meta["credited_conversions"]),
        goal=stage(meta["goal"]),
        field=_field(meta),
        window=window,
    )
    if untouched:
        intro += "\n\n" + gettext(
            "{count} conversions had no {field} touch in the lookback window and are not"
            " shared out."
        ).format(count=fmt.people(untouched), field=_field(meta))
    if "last_non_direct" in meta["models"]:
        intro += "\n\n" + direct_note(meta)
    return [
        Section(
            heading=result.title,
            intro=intro,
            figures=[result.figure()],
            table=attribution_table(result.table, list(meta["models"])),
        )
    ]
