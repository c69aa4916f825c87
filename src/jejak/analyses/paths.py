"""Paths: what people do after a chosen touchpoint, or before one; the paths that lead to a goal.

Definitions:
- A person's touchpoints are in order (time, then event_id: :mod:`jejak.analyses.sequence`).
  With ``collapse`` (the default) a touchpoint repeated right after itself counts once
  (page_view, page_view, order reads page_view, order).
- ``after``: from the person's first touchpoint matching it, the next ``steps`` touchpoints
  (the anchor is step 1). ``before``: the ``steps`` touchpoints up to and including the
  first touchpoint matching it (the anchor is the last step).
- Touchpoints outside the ``top`` most frequent on these paths read ``other``.
- Top paths to a goal: each person's first ``steps`` touchpoints before their first
  goal touchpoint (converters; ``(goal first)`` when the goal was their first touchpoint),
  or their first ``steps`` touchpoints (everyone else);
  a path's conversion is converters over all people with that path, its duration the
  median time from the first touchpoint to the goal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn, records
from jejak.analyses.sequence import position
from jejak.engine.functions import unix_micros
from jejak.errors import JejakError
from jejak.language import gettext, stage
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey

OTHER = "other"
GOAL_FIRST = "(goal first)"  # the path of people whose first touchpoint reached the goal
SEPARATOR = " → "
KEYS = ["step", "touchpoint"]  # a node of the paths


def _timeline(events: ibis.Table, journey: Journey, anchor: Any, collapse: bool) -> ibis.Table:
    """Touchpoints in order with ``us``, ``pos`` (0-based, after collapsing repeats) and
    ``hit`` (the touchpoint matches ``anchor``).

    The anchor is matched before collapsing, and a repeat only collapses into the one before
    it when both match the anchor or neither does: a second order right after the first
    stays when the anchor is "order number 2".
    """
    matcher = FunnelStep.of(anchor).as_stage(journey)
    marked = with_properties(events, [matcher])
    timed = marked.mutate(us=unix_micros(marked.ts), hit=stage_matches(marked, matcher))
    if collapse:
        window = ibis.window(group_by=timed.person_id, order_by=[timed.ts, timed.event_id])
        # the windows go into columns first: Ibis cannot filter on them directly on Spark
        timed = timed.mutate(
            _previous=timed.event.lag().over(window), _previous_hit=timed.hit.lag().over(window)
        )
        repeat = (timed._previous == timed.event) & (timed._previous_hit == timed.hit)
        timed = timed.filter(timed._previous.isnull() | ~repeat)
        timed = timed.drop("_previous", "_previous_hit")
    return timed.mutate(pos=position(timed))


def _anchors(timeline: ibis.Table) -> ibis.Table:
    """Each person's position and time of their first anchor touchpoint."""
    hits = timeline.filter(timeline.hit)
    return hits.group_by("person_id").aggregate(anchor=hits.pos.min(), anchor_us=hits.us.min())


@dataclass
class PathFlows(Result):
    """``table``: people going from one touchpoint to the next at each step.

    ``anchor_step``: the touchpoint, rule or stage the paths start from or lead to, as
    it was given (``after=`` or ``before=``), so that a node saves as a segment.
    """

    anchor_step: Any = None

    def nodes(self) -> pd.DataFrame:
        """The Sankey's nodes: step, touchpoint, people (who pass through it on a path of
        two steps or more). Counted from the flows as the Sankey sizes a node, the larger
        of what flows in and out: a person has one touchpoint per step on consecutive
        steps from the anchor, so everyone at a node flows in (after a start) or out
        (before an end); at the anchor, those with a next (previous) step do."""
        flows = self.table
        out = flows.groupby(["step", "source"])["people"].sum()
        into = flows.assign(step=flows["step"] + 1).groupby(["step", "target"])["people"].sum()
        out.index, into.index = out.index.set_names(KEYS), into.index.set_names(KEYS)
        both = pd.concat([out, into], axis=1).fillna(0).max(axis=1).astype("int64")
        nodes = both.rename("people").reset_index()
        return nodes.sort_values(
            ["step", "people", "touchpoint"], ascending=[True, False, True], ignore_index=True
        )

    def node_segments(self) -> list[dict[str, Any]]:
        """Each row of :meth:`nodes` as the segment definition that holds its people
        (``{"path": {after|before, position, touchpoint, steps, top[, collapse]}}``), the
        parameters the dashboard, ``jejak segments save`` and the API save it by."""
        meta = self.meta
        shape: dict[str, Any] = {"steps": int(meta["steps"]), "top": int(meta["top"])}
        if not meta["collapse"]:
            shape["collapse"] = False
        anchor = self.anchor_step
        if isinstance(anchor, FunnelStep):  # given as a model: its definition, as JSON
            anchor = anchor.model_dump(mode="json", exclude_defaults=True)
        return [
            {
                "path": {
                    meta["direction"]: anchor,
                    "position": int(row.step),
                    "touchpoint": str(row.touchpoint),
                    **shape,
                }
            }
            for row in self.nodes().itertuples(index=False)
        ]

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`Result.to_dict`, with ``nodes``: each of :meth:`nodes` with
        ``segment``, the definition that saves its people (:meth:`node_segments`)."""
        nodes = [
            row | {"segment": segment}
            for row, segment in zip(records(self.nodes()), self.node_segments(), strict=True)
        ]
        return super().to_dict() | {"nodes": nodes}

    def figure(self) -> Any:
        return drawn(self)


@dataclass
class TopPaths(Result):
    """``table``: the most common paths, how many reached the goal, and how fast."""

    def figure(self) -> Any:
        return drawn(self)


def _on_paths(
    events: ibis.Table,
    journey: Journey,
    after: Any,
    before: Any,
    steps: int,
    top: int,
    collapse: bool,
) -> ibis.Table:
    """Each person's touchpoints on their path: ``person_id``, ``step`` (1-based, as
    :func:`path_flows` numbers them) and ``name`` (the touchpoint, or ``other`` outside
    the ``top``). A person's steps are consecutive: one touchpoint per step."""
    if (after is None) == (before is None):
        raise JejakError(gettext("give a path either a start (after=...) or an end (before=...)"))
    if steps < 2:
        raise JejakError(gettext("a path needs at least 2 steps"))
    timeline = _timeline(events, journey, after if after is not None else before, collapse)
    anchors = _anchors(timeline)
    joined = timeline.join(anchors, "person_id")
    if after is not None:
        offset = joined.pos - joined.anchor
    else:
        offset = joined.pos - joined.anchor + (steps - 1)
    kept = joined.mutate(step=offset + 1).select("person_id", "event", "step")
    kept = kept.filter((kept.step >= 1) & (kept.step <= steps))
    frequent = (
        kept.group_by("event")
        .aggregate(n=kept.count())
        .order_by([ibis.desc("n"), "event"])
        .limit(top)
        .select("event")
    )
    named = kept.left_join(frequent.select(keep=frequent.event), kept.event == frequent.event)
    named = named.mutate(name=ibis.ifelse(named.keep.isnull(), OTHER, named.event))
    return named.select("person_id", "step", "name")


def path_flows(
    events: ibis.Table,
    journey: Journey,
    *,
    after: Any = None,
    before: Any = None,
    steps: int = 5,
    top: int = 10,
    collapse: bool = True,
) -> PathFlows:
    """Where people go after a touchpoint (or came from before one), step by step.

    ``table`` columns: step (1-based position of ``source`` on the path), source,
    target (the touchpoint at step + 1), people. With ``before`` the paths are right-aligned:
    the anchor is always at step ``steps``, so a person with fewer touchpoints before it
    starts at a later step.
    """
    named = _on_paths(events, journey, after, before, steps, top, collapse)
    nxt = named.select(np=named.person_id, nstep=named.step - 1, target=named.name)
    links = named.join(nxt, [named.person_id == nxt.np, named.step == nxt.nstep])
    flows = links.group_by(["step", links.name.name("source"), "target"]).aggregate(
        people=links.person_id.nunique()
    )
    # one row per (step, source, target): small, so it comes into Python here
    table = flows.to_pandas().sort_values(
        ["step", "people", "source", "target"], ascending=[True, False, True, True]
    )
    anchor_label = FunnelStep.of(after if after is not None else before).label
    direction = "after" if after is not None else "before"
    meta = {
        "anchor": anchor_label,
        "direction": direction,
        "steps": steps,
        "top": top,
        "collapse": collapse,
    }
    return PathFlows(
        title=(
            gettext("Paths after {step}")
            if direction == "after"
            else gettext("Paths before {step}")
        ).format(step=stage(anchor_label)),
        table=table.reset_index(drop=True),
        meta=meta,
        anchor_step=after if after is not None else before,
    )


def node_people(
    events: ibis.Table,
    journey: Journey,
    *,
    position: int,
    touchpoint: str,
    after: Any = None,
    before: Any = None,
    steps: int = 5,
    top: int = 10,
    collapse: bool = True,
) -> ibis.Table:
    """The distinct ``person_id`` at one node of :func:`path_flows` (the same arguments):
    on a path of at least two steps (the Sankey draws no one else), with ``touchpoint``
    at step ``position``. There are :meth:`PathFlows.nodes`' people of that node."""
    named = _on_paths(events, journey, after, before, steps, top, collapse)
    linked = named.group_by("person_id").aggregate(_steps=named.count())
    linked = linked.filter(linked._steps >= 2)
    at = named.filter((named.step == position) & (named.name == touchpoint))
    return at.semi_join(linked, "person_id").select("person_id").distinct()


def path_groups(
    events: ibis.Table, journey: Journey, goal: Any, steps: int = 5, collapse: bool = True
) -> ibis.Table:
    """One row per path to ``goal`` (as :func:`top_paths` defines them): path, people,
    converters, median_seconds_to_goal; a query, all paths."""
    timeline = _timeline(events, journey, goal, collapse)
    anchors = _anchors(timeline)
    anchors = anchors.select(
        ap=anchors.person_id, anchor=anchors.anchor, anchor_us=anchors.anchor_us
    )
    joined = timeline.left_join(anchors, timeline.person_id == anchors.ap)
    # every person keeps a row, even one whose goal is their very first touchpoint
    on_path = ibis.ifelse(joined.anchor.notnull(), joined.pos < joined.anchor, True)
    slots = {f"p{k}": joined.event.min(where=on_path & (joined.pos == k)) for k in range(steps)}
    per_person = joined.group_by(joined.person_id).aggregate(
        first_us=joined.us.min(),
        goal_us=joined.anchor_us.max(),
        **slots,
    )
    path = ibis.literal(SEPARATOR).join([per_person[f"p{k}"] for k in range(steps)])
    path = ibis.ifelse(path == "", GOAL_FIRST, path)
    per_person = per_person.mutate(path=path, converted=per_person.goal_us.notnull())
    seconds = (per_person.goal_us - per_person.first_us) / 1e6
    return per_person.group_by("path").aggregate(
        people=per_person.count(),
        converters=per_person.count(where=per_person.converted),
        median_seconds_to_goal=seconds.quantile(0.5, where=per_person.converted),
    )


def top_paths(
    events: ibis.Table,
    journey: Journey,
    goal: Any,
    *,
    steps: int = 5,
    limit: int = 20,
    collapse: bool = True,
) -> TopPaths:
    """The most common paths to ``goal``, with how often they end there and how fast.

    ``table`` columns: path (touchpoints joined by " → "), people, converters,
    conversion (0-1), median_seconds_to_goal (converters, from first touchpoint to goal).
    """
    ranked = ranked_paths(path_groups(events, journey, goal, steps, collapse), limit)
    # the top paths only: small
    table = ranked.to_pandas()
    table["conversion"] = table["converters"] / table["people"]
    table = table[["path", "people", "converters", "conversion", "median_seconds_to_goal"]]
    label = FunnelStep.of(goal).label
    return TopPaths(
        title=gettext("Top paths to {goal}").format(goal=stage(label)),
        table=table,
        meta={"goal": label, "steps": steps, "limit": limit, "collapse": collapse},
    )


def ranked_paths(grouped: ibis.Table, limit: int) -> ibis.Table:
    """The ``limit`` top rows of :func:`path_groups`: most converters, then people."""
    return grouped.order_by([ibis.desc("converters"), ibis.desc("people"), "path"]).limit(limit)


def path_people(grouped: ibis.Table, paths: list[str]) -> tuple[pd.DataFrame, int]:
    """How many people took each of ``paths`` (0 for a path nobody took) in
    :func:`path_groups`' ``grouped``, and how many people there are in all (each has one
    path); in one query."""
    sums = {f"_{i}": grouped.people.sum(where=grouped.path == p) for i, p in enumerate(paths)}
    # one row: the total and a count per path asked for
    row = grouped.aggregate(_total=grouped.people.sum(), **sums).to_pyarrow().to_pylist()[0]
    table = pd.DataFrame({"path": paths})
    table["people"] = [int(row[f"_{i}"] or 0) for i in range(len(paths))]
    return table, int(row["_total"] or 0)
