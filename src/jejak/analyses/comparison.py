"""Comparing two groups of people side by side: where a share differs, and by how much.

``ws.compare("instagram", "rest")`` gives the stage funnel, the process map, paths and the
journey map of two segments (or of a segment and everyone else), each as one
:class:`Comparison`: the two sides' own tables and a table of differences.

Definitions:
- Every compared number is a share ``count / total`` of one side: people who reached a
  stage of all its people, people who moved on of those who reached it, a transition of
  all transitions out of its source, people on a path of all its people.
- ``difference`` is side a's share minus side b's (0-1; shown in percentage points), with
  its 95% Newcombe hybrid-score interval (``intervals.differences_of_proportions``);
  ``excludes_zero`` says the interval lies wholly on one side of 0. Against the rest the
  two sides are independent samples (nobody is on both). Two saved segments may share
  people: ``meta["overlap"]`` counts them (``meta["independent"]``: none shared). A
  shared person counts on both sides, so the two shares move together: each analysis is
  also answered for the shared people alone, and the interval subtracts the correlation
  their counts give the two shares (``intervals.overlap_correlation``), as Newcombe's
  interval for paired shares does; without it the interval would be too wide (a 95%
  interval that holds the true difference nearly always).
- The analyses run on each side as on a whole source (so on DuckDB and Spark alike); the
  comparison itself works on their small result tables, in pandas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from jejak.analyses.intervals import differences_of_proportions, overlap_correlation
from jejak.analyses.paths import path_groups, path_people, ranked_paths
from jejak.analyses.result import Result, drawn, records
from jejak.errors import JejakError
from jejak.language import gettext
from jejak.model.funnel import FunnelStep

if TYPE_CHECKING:
    from jejak.analyses.journey_map import JourneyMap
    from jejak.analyses.journeys import JourneyAnalyses
    from jejak.analyses.process_map import ProcessMap
    from jejak.analyses.stages import StageFunnel
    from jejak.model.journey import Journey

REST = "rest"  # the other side of a comparison: everyone not in the first segment
WHATS = ("stages", "map", "paths", "journey")  # what can be compared, as the faces ask
EVERY = 1_000_000  # "all of them": a journey map's touchpoints per stage, before picking
DIFFERENCE_COLUMNS = [
    "share_a",
    "share_b",
    "difference",
    "low",
    "high",
    "excludes_zero",
    "count_a",
    "total_a",
    "count_b",
    "total_b",
]


@dataclass
class Comparison(Result):
    """``table``: one row per compared share (its keys, then :data:`DIFFERENCE_COLUMNS`);
    ``a`` and ``b``: the two sides' own result tables."""

    a: pd.DataFrame = field(default_factory=pd.DataFrame)
    b: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figure(self) -> Any:
        """The differences with their intervals, one row per compared share."""
        return drawn(self)

    def to_dict(self) -> dict[str, Any]:
        return super().to_dict() | {"a": records(self.a), "b": records(self.b)}


def differences(
    keys: pd.DataFrame,
    count_a: pd.Series,
    total_a: pd.Series,
    count_b: pd.Series,
    total_b: pd.Series,
    shared: tuple[pd.Series, pd.Series] | None = None,
) -> pd.DataFrame:
    """``keys`` with each side's share ``count / total``, a's minus b's with its 95% Newcombe
    interval, and whether that excludes 0 (a side with a total of 0: no share, no interval).
    ``shared``: the count and total of the people on both sides (None: nobody is)."""
    table = keys.reset_index(drop=True).copy()
    counts = [
        [int(v) for v in pd.Series(column).fillna(0)]
        for column in (count_a, total_a, count_b, total_b, *(shared or ()))
    ]
    table["count_a"], table["total_a"], table["count_b"], table["total_b"] = counts[:4]
    ka, na, kb, nb, *both = (pd.Series(c, dtype="float64") for c in counts)
    table["share_a"] = (ka / na).where(na > 0)
    table["share_b"] = (kb / nb).where(nb > 0)
    r = overlap_correlation(ka, na, kb, nb, *both) if both else None
    table["difference"], table["low"], table["high"] = differences_of_proportions(ka, na, kb, nb, r)
    table["excludes_zero"] = (table["low"] > 0) | (table["high"] < 0)
    return table[[*keys.columns, *DIFFERENCE_COLUMNS]]


def _meta(
    what: str, names: tuple[str, str], totals: tuple[int, int], unit: str = "people"
) -> dict[str, Any]:
    """What was compared, the two sides' names, and each side's people (or ``unit``)."""
    return {"what": what, "a": names[0], "b": names[1]} | {
        f"{unit}_a": totals[0],
        f"{unit}_b": totals[1],
    }


def side_name(name: str) -> str:
    """A side of a comparison as people read it: the segment's name, or "everyone else"
    for the rest."""
    return gettext("everyone else") if name == REST else name


def _title(what: str, names: tuple[str, str]) -> str:
    return gettext("{what}: {a} compared with {b}").format(
        what=what, a=side_name(names[0]), b=side_name(names[1])
    )


def stage_comparison(
    a: StageFunnel, b: StageFunnel, names: tuple[str, str], shared: StageFunnel | None = None
) -> Comparison:
    """Per stage, the share of each side's people who reached it (``measure`` reached) and
    the share of those who went on to the next stage (``conversion_to_next``; not for the
    last stage). ``shared``: the funnel of the people on both sides (None: nobody is).

    ``table`` columns: stage, stage_index, measure, then :data:`DIFFERENCE_COLUMNS`.
    """
    people = (int(a.meta["people"]), int(b.meta["people"]))
    right = b.table.set_index("stage")
    both = None
    if shared is not None:  # its people beside each stage, for the reached shares' totals
        both = shared.table.set_index("stage").assign(_people=shared.meta["people"])
    rows = []
    for _, mine in a.table.iterrows():
        theirs = right.loc[mine["stage"]]
        key = {"stage": mine["stage"], "stage_index": int(mine["stage_index"])}
        ours = both.loc[mine["stage"]] if both is not None else None
        rows.append(
            key
            | {"measure": "reached", "ka": mine["reached"], "na": people[0]}
            | {"kb": theirs["reached"], "nb": people[1]}
            | _shared_counts(ours, "reached", "_people")
        )
        if not pd.isna(mine["converted_to_next"]):
            rows.append(
                key
                | {"measure": "conversion_to_next", "ka": mine["converted_to_next"]}
                | {"na": mine["reached"], "kb": theirs["converted_to_next"]}
                | {"nb": theirs["reached"]}
                | _shared_counts(ours, "converted_to_next", "reached")
            )
    return Comparison(
        title=_title(gettext("Stage funnel"), names),
        table=_compared(rows, ["stage", "stage_index", "measure"]),
        meta=_meta("stages", names, people) | {"journey": a.meta["journey"]},
        a=a.table,
        b=b.table,
    )


def _shared_counts(row: pd.Series | None, count: str, total: str) -> dict[str, Any]:
    """The shared people's ``count`` (none: 0) and ``total`` from their ``row``, for a row
    of :func:`_compared` (nothing when nobody is shared: no row)."""
    if row is None:
        return {}
    return {"ks": 0 if pd.isna(row[count]) else row[count], "ns": row[total]}


def _compared(rows: list[dict[str, Any]], keys: list[str]) -> pd.DataFrame:
    """:func:`differences` of rows holding ``keys`` and counts ka, na, kb, nb (and ks, ns
    of the people on both sides, when some are)."""
    counted = ["ka", "na", "kb", "nb"]
    shared = bool(rows) and "ns" in rows[0]
    frame = pd.DataFrame(rows, columns=[*keys, *counted, *(["ks", "ns"] if shared else [])])
    both = (frame["ks"], frame["ns"]) if shared else None
    return differences(frame[keys], *(frame[c] for c in counted), shared=both)


def process_map_comparison(
    a: ProcessMap,
    b: ProcessMap,
    names: tuple[str, str],
    min_count: int = 1,
    shared: ProcessMap | None = None,
) -> Comparison:
    """Per transition (source -> target), its share of the source's transitions on each
    side: the edges that gained or lost share, largest change first. ``only_in`` is ``a``
    or ``b`` for an edge only one side has (empty when both have it). Edges seen fewer than
    ``min_count`` times on both sides together are left out.

    ``table`` columns: source, target, only_in, then :data:`DIFFERENCE_COLUMNS` (counts are
    transitions). ``shared``: the map of the people on both sides (None: nobody is).
    """
    # plain Python values: a side with no transitions at all has empty Arrow-typed columns
    maps = (a, b) if shared is None else (a, b, shared)
    sides = [
        side.table[["source", "target", "transitions"]].astype(
            {"source": object, "target": object, "transitions": "int64"}
        )
        for side in maps
    ]
    both = sides[0].merge(sides[1], on=["source", "target"], how="outer", suffixes=("_a", "_b"))
    if shared is not None:
        both = both.merge(sides[2].rename(columns={"transitions": "transitions_s"}), how="left")
    for suffix, side in zip(("_a", "_b", "_s"), sides, strict=False):
        # an edge a side lacks: none of that source's transitions on that side went there
        outgoing = side.groupby("source")["transitions"].sum().to_dict()
        both["outgoing" + suffix] = [outgoing.get(source, 0) for source in both["source"]]
        both["transitions" + suffix] = both["transitions" + suffix].fillna(0)
    both = both[both["transitions_a"] + both["transitions_b"] >= min_count]
    both["only_in"] = [
        "a" if kb == 0 else "b" if ka == 0 else ""
        for ka, kb in zip(both["transitions_a"], both["transitions_b"], strict=True)
    ]
    table = differences(
        both[["source", "target", "only_in"]],
        both["transitions_a"],
        both["outgoing_a"],
        both["transitions_b"],
        both["outgoing_b"],
        shared=None if shared is None else (both["transitions_s"], both["outgoing_s"]),
    )
    # the clear changes first (a rare edge's large difference is mostly noise), each
    # kind the largest first
    table = table.assign(_size=table["difference"].abs()).sort_values(
        ["excludes_zero", "_size", "source", "target"],
        ascending=[False, False, True, True],
        na_position="last",
    )
    transitions = (int(a.meta["transitions"]), int(b.meta["transitions"]))
    return Comparison(
        title=_title(gettext("Process map"), names),
        table=table.drop(columns="_size").reset_index(drop=True),
        meta=_meta("map", names, transitions, "transitions") | {"min_count": min_count},
        a=a.table,
        b=b.table,
    )


def path_comparison(
    a: pd.DataFrame,
    b: pd.DataFrame,
    totals: tuple[int, int],
    names: tuple[str, str],
    shared: tuple[pd.DataFrame, int] | None = None,
) -> Comparison:
    """Per path, the share of each side's people who took it. ``a`` and ``b``: path and
    people, for the same paths on each side; ``totals``: each side's people; ``shared``:
    the same of the people on both sides, and how many they are (None: nobody is).

    ``table`` columns: path, then :data:`DIFFERENCE_COLUMNS`; the most common paths first
    (by the larger of the two shares).
    """
    both = a.merge(b, on="path", how="outer", suffixes=("_a", "_b")).fillna({"people_a": 0})
    both = both.fillna({"people_b": 0})
    counted = None
    if shared is not None:
        ours = shared[0].rename(columns={"people": "people_s"})
        both = both.merge(ours, on="path", how="left").fillna({"people_s": 0})
        counted = (both["people_s"], pd.Series(shared[1], index=both.index))
    table = differences(
        both[["path"]],
        both["people_a"],
        pd.Series(totals[0], index=both.index),
        both["people_b"],
        pd.Series(totals[1], index=both.index),
        shared=counted,
    )
    larger = table[["share_a", "share_b"]].max(axis=1)
    table = table.assign(_larger=larger).sort_values(["_larger", "path"], ascending=[False, True])
    return Comparison(
        title=_title(gettext("Paths"), names),
        table=table.drop(columns="_larger").reset_index(drop=True),
        meta=_meta("paths", names, totals),
        a=a,
        b=b,
    )


def journey_map_comparison(
    a: JourneyMap,
    b: JourneyMap,
    funnels: tuple[StageFunnel, StageFunnel],
    names: tuple[str, str],
    top: int = 6,
    shared: tuple[JourneyMap, StageFunnel] | None = None,
) -> Comparison:
    """Per stage, the touchpoints among the ``top`` of either side: the share of the
    people who reached the stage who had the touchpoint there (``measure`` share), and of
    those, the share who moved on to a later stage (``moved_on``; not in the last stage).
    ``a`` and ``b``: each side's map with every touchpoint (not only its top ones);
    ``funnels``: each side's stage funnel (the people who reached each stage); ``shared``:
    the map and funnel of the people on both sides (None: nobody is).

    ``table`` columns: stage, stage_index, touchpoint, measure, then
    :data:`DIFFERENCE_COLUMNS`.
    """
    keys = ["stage", "stage_index", "touchpoint"]
    picked = pd.concat([m.table.loc[m.table["rank"] <= top, keys] for m in (a, b)])
    picked = picked.drop_duplicates()
    maps, funnels = (
        ([a, b], list(funnels)) if shared is None else ([a, b, shared[0]], [*funnels, shared[1]])
    )
    reached = [f.table.set_index("stage")["reached"] for f in funnels]
    sides = []
    for side, people in zip((m.table for m in maps), reached, strict=True):
        cells = picked.merge(side[[*keys, "people", "moved_on"]], on=keys, how="left")
        cells["people"] = cells["people"].fillna(0)
        cells["reached"] = cells["stage"].map(people).fillna(0)
        cells["moved"] = (cells["moved_on"] * cells["people"]).round()
        sides.append(cells)
    last = len(a.meta["stages"])
    order = sides[0]["people"] + sides[1]["people"]
    rows = []
    for i in order.sort_values(ascending=False, kind="stable").index:
        mine, theirs = sides[0].loc[i], sides[1].loc[i]
        key = {k: mine[k] for k in keys}
        ours = sides[2].loc[i] if shared is not None else None
        rows.append(
            key
            | {"measure": "share", "ka": mine["people"], "na": mine["reached"]}
            | {"kb": theirs["people"], "nb": theirs["reached"]}
            | _shared_counts(ours, "people", "reached")
        )
        if int(mine["stage_index"]) < last:
            rows.append(
                key
                | {"measure": "moved_on", "ka": mine["moved"], "na": mine["people"]}
                | {"kb": theirs["moved"], "nb": theirs["people"]}
                | _shared_counts(ours, "moved", "people")
            )
    table = _compared(rows, [*keys, "measure"])
    table = table.sort_values("stage_index", kind="stable").reset_index(drop=True)
    people = (int(funnels[0].meta["people"]), int(funnels[1].meta["people"]))
    return Comparison(
        title=_title(gettext("Journey map"), names),
        table=table,
        meta=_meta("journey", names, people) | {"top": top, "stages": a.meta["stages"]},
        a=a.table,
        b=b.table,
    )


def default_goal(journey: Journey) -> dict[str, str]:
    """The goal of paths when none is given: Convert, or the journey's middle stage."""
    names = journey.stage_names
    return {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}


class Comparing:
    """Two groups of people of one source, side by side: each analysis answered for both,
    with the differences (see the module's definitions)."""

    def __init__(self, a: tuple[str, JourneyAnalyses], b: tuple[str, JourneyAnalyses]) -> None:
        (self.a_name, self.a), (self.b_name, self.b) = a, b
        self._overlap: int | None = None
        self._funnels: dict[str, StageFunnel] = {}  # "a", "b", "both": on their own journey

    def overlap(self) -> int:
        """How many people are on both sides (the people each side's analyses read): none
        against the rest, which is everyone not in the first segment."""
        if self._overlap is None:
            if self.b_name == REST:
                self._overlap = 0
            else:
                a, b = (side.events().select("person_id").distinct() for side in self.sides)
                both = a.join(b, "person_id").count().to_pyarrow().as_py()
                self._overlap = int(both or 0)
        return self._overlap

    def both(self) -> JourneyAnalyses | None:
        """The people on both sides, as a source of their own (None: nobody is)."""
        from jejak.analyses.journeys import Filtered

        if not self.overlap():
            return None
        return Filtered(self.a, segment=(self.b_name, getattr(self.b, "definition", None)))

    def _shared(self, result: Comparison) -> Comparison:
        """``result`` with the people on both sides in its meta."""
        overlap = self.overlap()
        result.meta |= {"overlap": overlap, "independent": overlap == 0}
        return result

    @property
    def names(self) -> tuple[str, str]:
        return self.a_name, self.b_name

    @property
    def sides(self) -> tuple[JourneyAnalyses, JourneyAnalyses]:
        return self.a, self.b

    def _stages(self, side: str, journey: Journey | None = None) -> StageFunnel:
        """The stage funnel of side ``a``, ``b`` or ``both`` (the people on both sides;
        ask only when some are). On the sides' own journey it is computed once: stages()
        and journey_map() both read it."""
        if journey is not None or side not in self._funnels:
            source = self.a if side == "a" else self.b if side == "b" else self.both()
            funnel = source.stages(journey)
            if journey is not None:
                return funnel
            self._funnels[side] = funnel
        return self._funnels[side]

    def stages(self, journey: Journey | None = None) -> Comparison:
        """The stage funnel of both sides: reached shares and conversion to next."""
        shared = self._stages("both", journey) if self.overlap() else None
        return self._shared(
            stage_comparison(
                self._stages("a", journey), self._stages("b", journey), self.names, shared
            )
        )

    def process_map(self, *, min_count: int = 1) -> Comparison:
        """The process map of both sides: the edges that gained or lost share."""
        both = self.both()
        shared = both.process_map() if both is not None else None
        return self._shared(
            process_map_comparison(
                self.a.process_map(), self.b.process_map(), self.names, min_count, shared
            )
        )

    def paths(
        self, goal: Any = None, *, steps: int = 5, top: int = 10, collapse: bool = True
    ) -> Comparison:
        """The ``top`` paths to ``goal`` (default: :func:`default_goal`) of either side,
        and the share of each side's people who took them."""
        goal = default_goal(self.a.journey) if goal is None else goal
        grouped = [path_groups(s.events(), s.journey, goal, steps, collapse) for s in self.sides]
        tops = [ranked_paths(g, top).select("path").to_pandas()["path"] for g in grouped]
        picked = list(dict.fromkeys(path for t in tops for path in t))
        (a, total_a), (b, total_b) = (path_people(g, picked) for g in grouped)
        both = self.both()
        shared = None
        if both is not None:
            shared = path_people(
                path_groups(both.events(), both.journey, goal, steps, collapse), picked
            )
        result = path_comparison(a, b, (total_a, total_b), self.names, shared)
        result.meta |= {"goal": FunnelStep.of(goal).label, "steps": steps, "top": top}
        return self._shared(result)

    def journey_map(self, *, top: int = 6) -> Comparison:
        """The journey map of both sides: touchpoints' shares per stage and moving on."""
        # the touchpoints are compared, not the CX lanes: they are left out
        maps = (
            self.a.journey_map(top=EVERY, lanes=False),
            self.b.journey_map(top=EVERY, lanes=False),
        )
        funnels = (self._stages("a"), self._stages("b"))
        both = self.both()
        shared = None
        if both is not None:
            shared = (both.journey_map(top=EVERY, lanes=False), self._stages("both"))
        return self._shared(
            journey_map_comparison(maps[0], maps[1], funnels, self.names, top, shared)
        )

    def of(
        self, what: str = "stages", *, goal: Any = None, top: int | None = None, min_count: int = 1
    ) -> Comparison:
        """The comparison the faces ask for by name (one of :data:`WHATS`): ``stages``,
        ``map`` (with ``min_count``), ``paths`` (to ``goal``, the ``top`` 10 of each side)
        or ``journey`` (the ``top`` 6 touchpoints per stage of each side)."""
        if what not in WHATS:
            raise JejakError(
                gettext("cannot compare {what}; use one of {choices}").format(
                    what=repr(what), choices=", ".join(WHATS)
                )
            )
        if what == "paths":
            return self.paths(goal, top=top or 10)
        if what == "journey":
            return self.journey_map(top=top or 6)
        if what == "map":
            return self.process_map(min_count=min_count)
        return self.stages()
