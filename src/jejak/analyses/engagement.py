"""Engagement groups: who follows the brand's content and who only transacts.

The seeds cite research in which 77% of customers want no relationship with a product and
23% like to follow its content; this splits a user's own people the same way.

Definitions:
- *Engagement* touchpoints match ``engagement`` (default: the ``content`` role: content,
  video, community...); *transactional* ones match ``transactional`` (default: the
  ``transactional`` and ``purchase`` roles: product views, carts, checkouts, orders).
- A person's engagement share = engagement / (engagement + transactional) touchpoints;
  people with neither are left out. Share >= ``threshold`` (default 0.5): *follows
  content*; below: *transactional only*.
- Per group: people and their share of everyone grouped; converted, the share with a
  touchpoint matching ``purchase``; and the response to contact: opens and clicks per
  message sent (``sent``, ``opened``, ``clicked``; the messages of every channel named
  under ``roles: messages`` by default; a message opened twice counts twice, so a rate
  can pass 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.errors import JejakError
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.groups import FOLLOWS, TRANSACTS
from jejak.model.journey import Journey, Stage
from jejak.model.roles import Roles, roles_of


@dataclass
class EngagementGroups(Result):
    """``table``: one row per group; ``people``: each person's share and group."""

    people: pd.DataFrame | None = None

    def figure(self) -> Any:
        return drawn(self)


def transactional_step(roles: Roles) -> dict[str, Any]:
    """Transactional touchpoints: the ``transactional`` role and purchases."""
    return {"event": [*roles.transactional, *roles.purchase]}


def _matcher(journey: Journey, step: Any, name: str) -> Stage:
    return FunnelStep.of(step).as_stage(journey).model_copy(update={"name": name})


def engagement_groups(
    events: ibis.Table,
    journey: Journey,
    *,
    engagement: Any = None,
    transactional: Any = None,
    threshold: float = 0.5,
    purchase: Any = None,
    sent: Any = None,
    opened: Any = None,
    clicked: Any = None,
) -> EngagementGroups:
    """Split people by their engagement share (see the module's definitions).

    ``table`` columns: group, people, share (0-1), converted (0-1), sent, open_rate,
    click_rate (per message sent; empty without messages).
    """
    if not 0 < threshold <= 1:
        raise JejakError(
            gettext("the engagement threshold is a share: above 0, at most 1 (e.g. 0.5)")
        )
    roles = roles_of(journey)
    kinds = {
        "_e": _matcher(journey, engagement or roles.step("content"), "engagement"),
        "_t": _matcher(journey, transactional or transactional_step(roles), "transactional"),
        "_p": _matcher(journey, purchase or roles.step("purchase"), "purchase"),
        "_s": _matcher(journey, sent or roles.messages_step("sent"), "sent"),
        "_o": _matcher(journey, opened or roles.messages_step("opened"), "opened"),
        "_c": _matcher(journey, clicked or roles.messages_step("clicked"), "clicked"),
    }
    marked = with_properties(events, list(kinds.values()))
    marked = marked.mutate(**{k: stage_matches(marked, m).ifelse(1, 0) for k, m in kinds.items()})
    per_person = marked.group_by("person_id").aggregate(
        **{k.strip("_"): marked[k].sum() for k in kinds}
    )
    per_person = per_person.filter((per_person.e + per_person.t) > 0)
    share = per_person.e / (per_person.e + per_person.t).cast("float64")
    per_person = per_person.mutate(
        engagement_share=share,
        group=ibis.ifelse(share >= threshold, FOLLOWS, TRANSACTS),
    )
    people = per_person.to_pandas().sort_values("person_id").reset_index(drop=True)
    grouped = people.groupby("group").agg(
        people=("person_id", "size"),
        converted=("p", lambda v: float((v > 0).mean())),
        sent=("s", "sum"),
        opened=("o", "sum"),
        clicked=("c", "sum"),
    )
    grouped = grouped.reindex([FOLLOWS, TRANSACTS])
    grouped[["people", "sent", "opened", "clicked"]] = grouped[
        ["people", "sent", "opened", "clicked"]
    ].fillna(0)
    grouped["people"] = grouped["people"].astype("int64")
    total = int(grouped["people"].sum())
    grouped["share"] = grouped["people"] / total if total else float("nan")
    messages = grouped["sent"].where(grouped["sent"] > 0)
    grouped["open_rate"] = grouped["opened"] / messages
    grouped["click_rate"] = grouped["clicked"] / messages
    table = grouped.rename_axis("group").reset_index()
    table["sent"] = table["sent"].astype("int64")
    table = table[["group", "people", "share", "converted", "sent", "open_rate", "click_rate"]]
    people = people.rename(columns={"e": "engagement", "t": "transactional"})
    people = people[["person_id", "engagement", "transactional", "engagement_share", "group"]]
    meta = {"threshold": threshold, "people": total}
    return EngagementGroups(
        title=gettext("Engagement groups"), table=table, meta=meta, people=people
    )
