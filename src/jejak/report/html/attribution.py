"""The report sections of attribution (:mod:`jejak.analyses.attribution`)."""

from __future__ import annotations

from typing import Any

from jejak.report import formatting as fmt
from jejak.report.html.page import Section


def direct_note(meta: dict[str, Any]) -> str:
    """Which values count as direct for the last non-direct model, and where to set them."""
    values = ", ".join(meta.get("direct") or []) or "none"
    return (
        f"Last non-direct passes over these {meta['by']} values as direct: {values} (set"
        " them under roles: direct in jejak.yaml)."
    )


def attribution_sections(result: Any) -> list[Section]:
    """The report section comparing attribution models side by side."""
    from jejak.report.tables import attribution_table

    meta = result.meta
    lookback = meta.get("lookback_days")
    window = f"within {fmt.days(lookback, 0)} before it" if lookback else "at any time before it"
    untouched = meta.get("untouched_conversions", 0)
    intro = (
        f"Who gets the credit for the {fmt.people(meta['credited_conversions'])} times people "
        f"reached {meta['goal']} after a {meta['by']} touch {window}, under each model. "
        "First and last touch give everything to one end of the journey; linear, time "
        "decay and position-based share it by rule; Markov shares it by how many "
        "conversions would be lost without the touch (its removal effect), Shapley by "
        "each touch's average contribution to every combination of touches. Where the "
        "models agree, the answer does not depend on the model."
    )
    if untouched:
        intro += (
            f"\n\n{fmt.people(untouched)} conversions had no {meta['by']} touch in the "
            "lookback window and are not shared out."
        )
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
