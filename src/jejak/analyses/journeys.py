"""The questions every source of touchpoints answers, whatever engine holds them.

A :class:`JourneyAnalyses` needs only ``touchpoints()``, identity links and a journey;
the DuckDB workspace and a Spark source both inherit it, so each analysis is written
once and runs on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import ibis
import pandas as pd
from pydantic import ValidationError

from jejak.analyses import campaigns as campaign_analyses
from jejak.analyses import checkup, diagnosis
from jejak.analyses import contact as contact_analyses
from jejak.analyses import funnels as funnel_analyses
from jejak.analyses import stages as stage_analyses
from jejak.analyses.checkup import DataCheck
from jejak.analyses.clusters import ClusterFit, Clusters, described, fit_clusters
from jejak.analyses.comparison import REST, Comparing
from jejak.analyses.diagnosis import warn
from jejak.analyses.drivers import FIELDS, Drivers, drivers, funnel_drivers
from jejak.analyses.effectiveness import (
    TouchpointEffects,
    TouchpointRatios,
    touchpoint_effects,
    touchpoint_ratios,
)
from jejak.analyses.engagement import FOLLOWS, EngagementGroups, engagement_groups
from jejak.analyses.experience import Experience, experience
from jejak.analyses.journey_map import JourneyMap, journey_map
from jejak.analyses.matching import stage_matches, with_counts, with_properties
from jejak.analyses.nps import NPS, nps
from jejak.analyses.paths import PathFlows, TopPaths, path_flows, top_paths
from jejak.analyses.process_map import ProcessMap, process_map
from jejak.analyses.referrals import Referrals, referrals
from jejak.analyses.result import Result
from jejak.analyses.retention import (
    Lifecycle,
    Retention,
    Stickiness,
    group_retention,
    lifecycle,
    retention,
    stickiness,
)
from jejak.analyses.reviews import Reviews, reviews
from jejak.analyses.rfm import RFM, rfm
from jejak.analyses.segments import NONE_SEGMENT, check_stages, members, rule_key
from jejak.analyses.sequence import position
from jejak.errors import ConfigError, JejakError
from jejak.language import N_, gettext, localised
from jejak.language import stage as language_stage
from jejak.model.campaign import Campaign
from jejak.model.config import Settings
from jejak.model.funnel import Funnel, FunnelStep, parse_step
from jejak.model.journey import Journey, describe_rules
from jejak.model.segment import Segment, SegmentRule
from jejak.model.validation import said
from jejak.store import identity

if TYPE_CHECKING:  # imported when used: they need SciPy, a second to import
    from jejak.analyses.attribution import Attribution
    from jejak.analyses.customer_value import CustomerValue, ValueBy

T = TypeVar("T")
FITTED_KEPT = 32  # fits kept per source (the whole's and its parts')


def latest(events: ibis.Table) -> datetime | None:
    """The time of the latest of ``events``, in UTC (None when there are none)."""
    value = events.ts.max().to_pyarrow().as_py()
    return None if value is None else pd.Timestamp(value).tz_localize(None).tz_localize("UTC")


class JourneyAnalyses:
    """Stage analyses over ``touchpoints()`` stitched by ``identity_links()``."""

    settings: Settings

    def touchpoints(self) -> ibis.Table:
        """The touchpoints, with the canonical columns."""
        raise NotImplementedError

    def identity_links(self) -> ibis.Table | None:
        """anonymous_id -> customer_id links from mapping files (None when there are none)."""
        return None

    @property
    def journey(self) -> Journey:
        return self.settings.resolved_journey()

    def _journey(self, journey: Journey | None) -> Journey:
        """A journey given to one analysis, bound to the roles (else the workspace's)."""
        return self.journey if journey is None else self.settings.roles.bind_journey(journey)

    def events(self) -> ibis.Table:
        """Touchpoints stitched to people: the canonical columns plus ``person_id``."""
        return identity.stitched(self.touchpoints(), self.identity_links())

    def as_of(self) -> datetime | None:
        """Time of the latest touchpoint of a person (the data's "now")."""
        return latest(self.events())

    def currency(self) -> str | None:
        """The shop's currency: the one code given with revenue in all the touchpoints
        (in any scope), or None when none is given or several are (amounts are never
        converted, so mixed currencies read as plain numbers)."""
        events = self.touchpoints()
        if "currency" not in events.columns or "revenue" not in events.columns:
            return None
        code = events.currency.strip().upper()
        with_revenue = events.filter(events.revenue.notnull() & (code != "")).mutate(code=code)
        codes = with_revenue.select("code").distinct().limit(2).to_pandas()["code"].tolist()
        return codes[0] if len(codes) == 1 else None

    def between(
        self, start: datetime | str | None = None, end: datetime | str | None = None
    ) -> Filtered:
        """The same analyses over touchpoints with ``start <= ts < end`` only.

        People are stitched over all the data first, so an anonymous visit in range still
        belongs to the customer who signed up outside it. Times without a zone are in the
        workspace's zone; text like ``2026-03-01`` is accepted.
        """
        return Filtered(self, start=self._zoned(start), end=self._zoned(end))

    def narrowed(
        self,
        *,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        only: Any = None,
        acquired: Any = None,
        segment: str | None = None,
    ) -> JourneyAnalyses:
        """These analyses narrowed as the CLI's and the API's scope options say: a date
        range (:meth:`between`), people who had ``only``, people first touched by
        ``acquired`` (:meth:`only`) and a saved ``segment``; each left out when None."""
        source: JourneyAnalyses = self
        if since or until:
            source = source.between(since, until)
        if only is not None:
            source = source.only(only)
        if acquired is not None:
            source = source.only(acquired, first=True)
        if segment:
            source = source.segment(segment)
        return source

    def only(self, who: Any, *, first: bool = False) -> Filtered:
        """The same analyses over the people who had a touchpoint matching ``who``.

        ``who`` is a touchpoint name, a rule (``{"channel": "ads"}``) or ``{"stage": ...}``;
        with ``first=True`` only people whose first touchpoint matches (their acquisition).
        People are chosen on all the data, whatever date range they are combined with.
        """
        try:
            FunnelStep.model_validate(who)
        except ValidationError as exc:
            problem = exc.errors()[0]
            field = ".".join(str(p) for p in problem["loc"]).removeprefix("rule.")
            words = (
                gettext("only {who}: {field}: {message}")
                if field
                else gettext("only {who}: {message}")
            )
            raise ConfigError(
                words.format(who=repr(who), field=field, message=said(problem))
            ) from None
        return Filtered(self, who=who, first=first)

    # -- segments ------------------------------------------------------------------------
    def segment_definitions(self) -> dict[str, Segment]:
        """Every segment by name: those in jejak.yaml (``segments:``)."""
        return dict(self.settings.segments)

    def _definition(self, name: str) -> Segment:
        definitions = self.segment_definitions()
        if name not in definitions:
            known = ", ".join(definitions) or gettext("none yet")
            raise ConfigError(
                gettext(
                    "no segment named {name} (segments: {known}); define it under 'segments:'"
                    " in jejak.yaml or save it: jejak segments save NAME ..."
                ).format(name=repr(name), known=known)
            )
        return definitions[name]

    def segment(self, name: str) -> Filtered:
        """The same analyses over the people in the saved segment ``name``."""
        return Filtered(self, segment=(name, self._definition(name)))

    def _segment_part(self, name: str) -> Filtered:
        """The people of the saved segment ``name``, or of none (``NONE_SEGMENT``): one
        part of an analysis split by segment."""
        if name == NONE_SEGMENT:
            return Filtered(self, segment=(NONE_SEGMENT, _in_none(self.segment_definitions())))
        return self.segment(name)

    def each_segment(self, names: list[str] | None = None) -> dict[str, Filtered]:
        """Every saved segment (or those named) as its own source: a breakdown of any
        analysis, e.g. ``{n: s.attribution() for n, s in ws.each_segment().items()}``."""
        names = list(self.segment_definitions()) if names is None else names
        return {name: self.segment(name) for name in names}

    def compare(self, a: str, b: str = REST) -> Comparing:
        """Group ``a`` and group ``b`` (or ``"rest"``: everyone not in ``a``) side by side:
        ``ws.compare("instagram", "rest").stages()`` gives both funnels and where their
        shares differ (see :mod:`jejak.analyses.comparison`). A group is a saved segment's
        name, or the people who had a touchpoint, written as ``--only`` takes it:
        ``channel=social``, ``stage:Convert``, ``role:purchase``, ``had:page_view`` or a
        JSON rule; ``first:`` before it, those whose first touchpoint matched it
        (``first:channel=social``)."""
        if a == b:
            raise ConfigError(
                gettext("compare two different groups: both sides are {name}").format(name=repr(a))
            )
        first = self._group(a)
        other = _in_none({a: first}) if b == REST else self._group(b)
        return Comparing(
            (a, Filtered(self, segment=(a, first))), (b, Filtered(self, segment=(b, other)))
        )

    def _group(self, name: str) -> Segment:
        """One side of :meth:`compare` as a segment's definition."""
        if name in self.segment_definitions():
            return self.segment_definitions()[name]
        key = "first" if name.startswith("first:") else "had"
        step = parse_step(name.removeprefix("first:").removeprefix("had:"))
        if isinstance(step, str) and key == "had" and not name.startswith("had:"):
            known = ", ".join(self.segment_definitions()) or gettext("none yet")
            raise ConfigError(
                gettext(
                    "no segment named {name} (segments: {known}); save it (jejak segments"
                    " save NAME ...) or compare a group of people by what they had:"
                    " channel=social, stage:Convert, had:{plain}, first:channel=social"
                ).format(name=repr(name), plain=name, known=known)
            )
        try:
            definition = Segment.model_validate({key: step})
        except ValidationError as exc:
            raise ConfigError(
                gettext("{name} is not a group to compare: {message}").format(
                    name=repr(name), message=said(exc.errors()[0])
                )
            ) from None
        check_stages(name, definition, self.journey)
        return definition

    def segment_groups(self, names: list[str] | None = None) -> ibis.Table:
        """person_id and ``segment``: one row per person and segment they are in, and
        ``(in no segment)`` for everyone else (the breakdown ``by="segment"`` uses)."""
        parts = self.each_segment(names)
        if not parts:
            raise ConfigError(
                gettext(
                    "no segments to split by; define some under 'segments:' in jejak.yaml or"
                    " save one: jejak segments save NAME ..."
                )
            )
        everyone = self.events().select("person_id").distinct()
        rows = [
            part.members().mutate(segment=ibis.literal(name, "string"))
            for name, part in parts.items()
        ]
        inside = ibis.union(*rows)
        outside = everyone.anti_join(inside, "person_id").mutate(
            segment=ibis.literal(NONE_SEGMENT, "string")
        )
        return ibis.union(inside, outside)

    def segments(self) -> Result:
        """Every saved segment: its definition in words, where it is defined, its people."""
        rows = []
        for name, definition in self.segment_definitions().items():
            people = self.segment(name).members().count().to_pyarrow().as_py()
            rows.append(
                {
                    "segment": name,
                    "description": definition.description,
                    "definition": definition.describe(),
                    "saved_in": self._saved_in(name),
                    "people": int(people or 0),
                }
            )
        columns = ["segment", "description", "definition", "saved_in", "people"]
        return Result(title=gettext("Segments"), table=pd.DataFrame(rows, columns=columns))

    def _saved_in(self, name: str) -> str:
        return "jejak.yaml"

    def data_version(self) -> Any:
        """Changes whenever the data does (None: unknown, nothing fitted is kept)."""
        return None

    def segment_members(self, rule: SegmentRule) -> ibis.Table:
        """person_id of everyone ``rule`` holds for, on all of this source: a query that
        reads the data as it is when it runs, except a rule that needs models (fitted
        once per state of the data, see :meth:`fitted_members`)."""
        if rule.uses_models():
            return self.fitted_members(rule)
        return members(self, rule)

    def fitted_members(self, rule: SegmentRule) -> ibis.Table:
        """Members of a segment that needs models, kept while the data stays the same."""
        return self.fitted(
            ("members", rule_key(rule)),
            lambda: self.people_table(members(self, rule).to_pandas()["person_id"]),
        )

    def fitted(self, key: Hashable, fit: Callable[[], T]) -> T:
        """What ``fit`` makes of this source (a model, a segment's people), kept under
        ``key`` while the data stays the same; made anew each time when this source cannot
        tell its data's version (see :meth:`data_version`). The :data:`FITTED_KEPT` last
        made are kept (a part's fits are kept by the whole source, see :class:`Filtered`)."""
        version = self.data_version()
        kept = self.__dict__.setdefault("_fitted", {})
        if version is None or kept.get(key, (None,))[0] != version:
            kept.pop(key, None)
            kept[key] = (version, fit())
            while len(kept) > FITTED_KEPT:
                kept.pop(next(iter(kept)))  # the oldest
        return kept[key][1]

    def people_table(self, people: pd.Series) -> ibis.Table:
        """Person ids from Python as a table the engine can join (distinct ``person_id``)."""
        frame = pd.DataFrame({"person_id": pd.Series(people, dtype=object).astype(str)})
        return ibis.memtable(frame.drop_duplicates(), schema={"person_id": "string"})

    def audience(self, name: str) -> Result:
        """The people of segment ``name``, ready to export to an ad or email tool: ids,
        current stage, first and last seen, touchpoints, purchases and revenue."""
        part = self.segment(name)
        table = _audience(part.events(), self.journey, self.settings.roles.purchase)
        table = table.to_pandas()
        table = _utc(table.sort_values("person_id").reset_index(drop=True))
        meta = {"segment": name, "definition": part.definition.describe(), "people": len(table)}
        return Result(title=gettext("Audience: {name}").format(name=name), table=table, meta=meta)

    def _groups(self, by: str | None) -> ibis.Table | None:
        """The breakdown groups ``by="segment"`` asks for (None: a first-touch field)."""
        return self.segment_groups() if by == "segment" else None

    def stages(
        self, journey: Journey | None = None, *, by: str | None = None
    ) -> stage_analyses.StageFunnel:
        """The stage funnel: people per stage, conversion, time between stages, flows.

        ``by="channel"`` gives one funnel per acquisition (first-touch) channel;
        ``by="segment"`` one per saved segment.
        """
        journey = self._journey(journey)
        funnel = stage_analyses.stage_funnel(self.events(), journey, by=by, groups=self._groups(by))
        funnel.meta["as_of"] = self.as_of()
        nobody = funnel.table.empty or int(funnel.table["reached"].iloc[0]) == 0
        return warn(funnel, self._stalled(funnel.table, journey), nobody and self.empty_reason())

    def empty_reason(self) -> str | None:
        """Why there is no touchpoint at all, when that is so (None: there are some, or
        this source cannot tell)."""
        return None

    def stage_entries(self, journey: Journey | None = None) -> Result:
        """When each person entered each stage they reached (long format)."""
        journey = self._journey(journey)
        table = stage_analyses.entries(self.events(), journey)
        return Result(
            title=gettext("Stage entries ({journey})").format(journey=journey.name),
            table=_utc(table.order_by(["person_id", "stage_index"]).to_pandas()),
            meta={"journey": journey.name},
        )

    def current_stages(self, journey: Journey | None = None) -> Result:
        """Every person's current (furthest) stage and when they entered it."""
        journey = self._journey(journey)
        table = stage_analyses.current_stages(self.events(), journey).order_by("person_id")
        return Result(
            title=gettext("Current stage ({journey})").format(journey=journey.name),
            table=_utc(table.to_pandas()),
            meta={"journey": journey.name},
        )

    def stuck(
        self,
        stage: str,
        days: float,
        *,
        within: float | None = None,
        as_of: datetime | str | None = None,
        journey: Journey | None = None,
    ) -> Result:
        """People whose furthest stage is ``stage`` and who entered it over ``days`` days ago;
        with ``within``, only the recently stuck: over ``days`` by at most ``within`` days
        (they stalled in the last ``within`` days, while a nudge may still move them).

        ``as_of`` defaults to the latest touchpoint; a time without a zone is read in the
        workspace's time zone, like the times in loaded files.
        """
        as_of = self.as_of() if as_of is None else self._zoned(as_of)
        chosen = self._journey(journey)
        result = stage_analyses.stuck(self.events(), chosen, stage, days, as_of, within)
        result.table = _utc(result.table)
        return result

    def stuck_by_stage(
        self,
        days: dict[str, float] | None = None,
        *,
        within: float = stage_analyses.RECENT_DAYS,
        as_of: datetime | str | None = None,
    ) -> Result:
        """How many people :meth:`stuck` finds in each stage, in one query: ``days`` per
        stage (by default each stage's usual time to move on, see
        :func:`~jejak.analyses.stages.usual_days`). ``table`` columns: stage, stage_index,
        current (people now in it), days, stuck (of them, in it over ``days``),
        recently_stuck (of those, stuck for at most ``within`` days: the ones a nudge
        may still move; with a long history, most of the stuck stalled long ago)."""
        if days is None:
            days = stage_analyses.usual_days(self.stages().table)
        moment = self.as_of() if as_of is None else self._zoned(as_of)
        counts = stage_analyses.stuck_counts(self.events(), self.journey, days, moment, within)
        meta = {"as_of": moment, "days": days, "within": within}
        return Result(title=gettext("Stuck in a stage"), table=counts, meta=meta)

    def funnel(
        self,
        steps: Funnel | list[Any],
        *,
        window: timedelta | str | float = timedelta(days=30),
        order: str = "ordered",
        exclusions: list[Any] | None = None,
        by: str | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        open_windows: str | None = None,
        as_of: datetime | str | None = None,
    ) -> funnel_analyses.FunnelResult:
        """People through ``steps`` in order within ``window`` (see :mod:`jejak.analyses.funnels`).

        ``steps`` are touchpoint names, rules or ``{"stage": name}``, each optionally with
        ``optional``, ``within`` and ``after`` (``{"event": "x", "optional": True,
        "within": "2d", "after": "1h"}``); ``window`` a timedelta, seconds, or text like
        ``"7d"``/``"2h"``/``"30m"``; ``order`` ordered, strict or any. ``open_windows``
        ("exclude"/"include"): whether people whose window is still open at ``as_of``
        (default: the latest touchpoint) count in the rates. ``start`` and ``end`` bound
        when people enter the first step; a later step counts whenever it comes within
        the window, so a range never undercounts conversions. A date range of this source
        (:meth:`between`) bounds the entries the same way.
        """
        split = by == "segment"
        spec = _funnel_spec(steps, window, order, exclusions, None if split else by, open_windows)
        source, moments = self._funnel_moments(start, end, as_of)
        if not split:
            return source._funnel(spec, moments)
        source.segment_groups()  # says plainly when there are no segments
        parts = dict(source.each_segment())
        parts[NONE_SEGMENT] = source._segment_part(NONE_SEGMENT)
        # why nobody got through is said once, of everyone, not of each segment
        answers = {n: part._funnel(spec, moments, explain=False) for n, part in parts.items()}
        combined = _combined(answers, "segment")
        combined.meta["open_people"] = sum(p.meta["open_people"] for p in answers.values())
        if not combined.table.groupby("segment")["entered"].last().any():
            warn(combined, *[self._unmatched(step) for step in spec.steps])
        return combined

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """The start and end of this source's date range (None: unbounded)."""
        return None, None

    def undated(self) -> JourneyAnalyses:
        """This source without its date range: the same people, all of their touchpoints."""
        return self

    def _funnel_moments(
        self, start: Any, end: Any, as_of: Any
    ) -> tuple[JourneyAnalyses, tuple[datetime | None, datetime | None, datetime | None]]:
        """Where a funnel of this source is counted, and its start, end and as_of: a date
        range (this source's, within the one given) bounds when people enter the first
        step, not the steps after, so the funnel reads the touchpoints past its end."""
        first, last = self.date_range()
        start, end = self._zoned(start), self._zoned(end)
        start = first if start is None else start if first is None else max(start, first)
        end = last if end is None else end if last is None else min(end, last)
        return self.undated(), (start, end, self._zoned(as_of))

    def _funnel(
        self,
        spec: Funnel,
        moments: tuple[datetime | None, datetime | None, datetime | None],
        *,
        explain: bool = True,
    ) -> funnel_analyses.FunnelResult:
        """:meth:`funnel` of this source as a whole (``moments``: start, end, as_of),
        saying which steps match nothing when nobody got through (``explain``)."""
        result = funnel_analyses.funnel(self.events(), self.journey, spec, *moments)
        if explain and "entered" in result.table and not result.table["entered"].iloc[-1]:
            warn(result, *[self._unmatched(step) for step in spec.steps])
        return result

    def funnel_dropoffs(
        self,
        steps: Funnel | list[Any],
        step: int,
        *,
        window: timedelta | str | float = timedelta(days=30),
        order: str = "ordered",
        exclusions: list[Any] | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        open_windows: str | None = None,
        as_of: datetime | str | None = None,
    ) -> Result:
        """Who reached ``step`` of the funnel and not the next: an audience to follow up
        (without the people whose window is still open, when the funnel leaves them out)."""
        spec = _funnel_spec(steps, window, order, exclusions, None, open_windows)
        source, moments = self._funnel_moments(start, end, as_of)
        table = funnel_analyses.dropped_off(source.events(), self.journey, spec, step, *moments)
        label = spec.steps[step - 1].label
        return Result(
            title=gettext("Reached {step} and stopped there").format(step=label),
            table=_utc(table.to_pandas()),
            meta={"step": step, "label": label, "steps": [s.label for s in spec.steps]},
        )

    def funnel_audience(
        self,
        steps: Funnel | list[Any],
        step: int,
        *,
        stopped: bool = False,
        window: timedelta | str | float = timedelta(days=30),
        order: str = "ordered",
        exclusions: list[Any] | None = None,
        open_windows: str | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> Result:
        """Who reached ``step`` of the funnel (``stopped``: and went no further): one cell
        of :meth:`funnel` as people, to save as a segment (``{"funnel": ...}``); without
        the people whose window is still open at the data's end when the funnel leaves
        them out (``open_windows``, as :meth:`funnel` takes it). ``start`` and ``end``
        (and a date range of this source) bound when people entered the first step, as
        in :meth:`funnel`."""
        spec = _funnel_spec(steps, window, order, exclusions, None, open_windows)
        if not 1 <= step <= len(spec.steps):
            raise JejakError(
                gettext("step {step} is past the funnel's last ({count})").format(
                    step=step, count=len(spec.steps)
                )
            )
        source, (first, last, _) = self._funnel_moments(start, end, None)
        people = funnel_analyses.at_step(
            source.events(), self.journey, spec, step, stopped=stopped, start=first, end=last
        ).to_pandas()
        label = spec.steps[step - 1].label
        title = (
            gettext("Reached {step} and stopped there") if stopped else gettext("Reached {step}")
        ).format(step=label)
        meta = {"step": step, "label": label, "steps": [s.label for s in spec.steps]}
        return Result(title=title, table=people.sort_values("person_id"), meta=meta)

    def retention_audience(
        self,
        cohort: date | str,
        offset: int,
        *,
        period: str = "month",
        active: Any = None,
        returned: str = "on",
        joined: Any = None,
        at_least: int = 1,
    ) -> Result:
        """The people of one cell of :meth:`retention`: the cohort of the week or month
        holding ``cohort``, active ``offset`` periods later; to save as a segment.
        ``period``, ``active``, ``returned`` and ``at_least`` are the retention's, and
        ``joined`` its ``cohort`` touchpoint (people join at their first one)."""
        from jejak.analyses.retention import cell_people

        day = date.fromisoformat(cohort) if isinstance(cohort, str) else cohort
        people = cell_people(
            self.events(),
            self.journey,
            day,
            offset,
            period=period,
            active=active,
            sent=self.settings.sent_events,
            zone=self.settings.timezone,
            returned=returned,
            joined=joined,
            at_least=at_least,
        ).to_pandas()
        title = gettext("Cohort of {day}, active {offset} periods later").format(
            day=day.isoformat(), offset=offset
        )
        meta = {"cohort": day.isoformat(), "period": period, "offset": offset}
        return Result(title=title, table=people.sort_values("person_id"), meta=meta)

    def process_map(
        self,
        *,
        min_count: int = 1,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
    ) -> ProcessMap:
        """Which touchpoint follows which (see :mod:`jejak.analyses.process_map`)."""
        return process_map(
            self.events(), self.journey, min_count, self._zoned(start), self._zoned(end)
        )

    def paths(
        self,
        *,
        after: Any = None,
        before: Any = None,
        steps: int = 5,
        top: int = 10,
        collapse: bool = True,
    ) -> PathFlows:
        """Where people go after a touchpoint, or came from before one (see :mod:`paths`)."""
        return path_flows(
            self.events(),
            self.journey,
            after=after,
            before=before,
            steps=steps,
            top=top,
            collapse=collapse,
        )

    def path_audience(
        self,
        position: int,
        touchpoint: str,
        *,
        after: Any = None,
        before: Any = None,
        steps: int = 5,
        top: int = 10,
        collapse: bool = True,
    ) -> Result:
        """The people of one node of :meth:`paths` (the same arguments): whose touchpoint
        at step ``position`` is ``touchpoint``; to save as a segment (``{"path": ...}``)."""
        from jejak.analyses.paths import node_people

        if not 1 <= position <= steps:
            raise JejakError(
                gettext("position {position} is past the path's last step ({steps})").format(
                    position=position, steps=steps
                )
            )
        options = {"after": after, "before": before, "steps": steps, "top": top}
        people = node_people(
            self.events(),
            self.journey,
            position=position,
            touchpoint=touchpoint,
            collapse=collapse,
            **options,
        ).to_pandas()
        anchor = FunnelStep.of(after if after is not None else before).label
        title = (
            gettext("{touchpoint} at step {position} after {step}")
            if after is not None
            else gettext("{touchpoint} at step {position} before {step}")
        ).format(touchpoint=touchpoint, position=position, step=anchor)
        meta = {"position": position, "touchpoint": touchpoint, "anchor": anchor}
        return Result(title=title, table=people.sort_values("person_id"), meta=meta)

    def top_paths(
        self, goal: Any, *, steps: int = 5, limit: int = 20, collapse: bool = True
    ) -> TopPaths:
        """The most common paths to ``goal`` (a touchpoint, rule or stage) and how they convert."""
        return top_paths(
            self.events(), self.journey, goal, steps=steps, limit=limit, collapse=collapse
        )

    def journey_map(
        self, *, by: str | None = None, top: int = 6, lanes: bool = True, min_people: int = 30
    ) -> JourneyMap:
        """Per stage, its top touchpoints and how people fare (see :mod:`journey_map`);
        ``by`` a first-touch field or ``segment``: one map per kind of customer. ``lanes``
        adds the CX lanes: feeling (from the experience rules, NPS and review stars), pain
        points and opportunities (against the campaigns' targets), and a persona per map,
        with the behavioural clusters (:meth:`clusters`) most of its people are in (see
        :mod:`jejak.analyses.journey_lanes`); ``min_people`` on each side of an effect
        they weigh."""
        events = self.events()
        if not lanes:
            return journey_map(events, self.journey, by=by, top=top, lanes=False,
                               groups=self._groups(by))  # fmt: skip
        descriptions = (
            {name: d.description for name, d in self.segment_definitions().items()}
            if by == "segment"
            else {}
        )
        try:
            behaviour = described(self._cluster_fit(), self.journey)
        except JejakError:
            behaviour = None  # nobody to cluster: the personas say the rest
        return journey_map(
            events,
            self.journey,
            by=by,
            top=top,
            groups=self._groups(by),
            rules=self.settings.experience_rules(),
            campaigns=self.settings.campaigns,
            as_of=self.as_of(),
            min_people=min_people,
            descriptions=descriptions,
            currency=self.currency(),
            clusters=behaviour,
        )

    def customer_value(
        self,
        *,
        purchase: Any = None,
        horizon: float = 52.0,
        unit_days: float = 7.0,
        as_of: datetime | str | None = None,
    ) -> CustomerValue:
        """P(alive), expected purchases and revenue per buyer over ``horizon`` units of
        ``unit_days`` (BG/NBD and Gamma-Gamma; see :mod:`jejak.analyses.customer_value`).
        ``as_of`` (default: the latest touchpoint) ends the period the models learn from;
        ``meta["currency"]`` is :meth:`currency` (None: amounts are plain numbers)."""
        from jejak.analyses.customer_value import customer_value

        moment = self.as_of() if as_of is None else self._zoned(as_of)
        if moment is None:
            raise ConfigError(
                gettext("no touchpoints yet: load some before asking for customer value")
            )
        try:
            result = customer_value(
                self.events(),
                self.journey,
                purchase=purchase,
                as_of=moment,
                horizon=horizon,
                unit_days=unit_days,
            )
        except JejakError as exc:
            why = self._missing(["purchase"]) if purchase is None else []
            if why:
                raise JejakError(f"{exc}: {why[0]}") from None
            raise
        result.meta["currency"] = self.currency()  # amounts read with it (None: plain numbers)
        return result

    def retention(
        self,
        *,
        period: str = "month",
        active: Any = None,
        cohort: Any = None,
        by: str | None = None,
        returned: str = "on",
        at_least: int = 1,
    ) -> Retention:
        """Cohort retention by week or month; ``active``/``cohort`` are touchpoints, rules or
        stages (default: any touchpoint, first seen; see :mod:`jejak.analyses.retention`).
        ``by`` (a first-touch field like ``channel``, or ``segment``) gives each group's
        cohorts, stacked with the group first. ``returned="on_or_after"`` counts a person
        until the last period they came back in; ``at_least`` touchpoints in a period make
        a person active in it. The result's ``curve()`` is rolling retention over all
        cohorts, and ``trend(k)`` the k-th period's retention cohort by cohort."""
        options = {"period": period, "active": active, "cohort": cohort}
        options |= {"returned": returned, "at_least": at_least}
        options["zone"] = self.settings.timezone
        events = self.events()
        if by is None:
            result = retention(events, self.journey, **options, sent=self.settings.sent_events)
            if result.table.empty:
                warn(result, *[self._unmatched(s) for s in (active, cohort) if s is not None])
            return result
        groups = self._groups(by)
        if groups is None:
            stage_analyses.check_breakdown(
                by, N_("cannot split retention by {by}; use one of {choices}")
            )
            groups = stage_analyses.first_touch(events, by)
        parts = group_retention(
            events, self.journey, groups, by, **options, sent=self.settings.sent_events
        )
        if not parts:
            return retention(events, self.journey, **options, sent=self.settings.sent_events)
        return _combined(parts, by)

    def stickiness(self, *, period: str = "week", active: Any = None) -> Stickiness:
        """On how many days of each week (or month) people came: the distribution, per
        period and over the periods the data covers whole (see
        :func:`jejak.analyses.retention.stickiness`)."""
        result = stickiness(
            self.events(),
            self.journey,
            period=period,
            active=active,
            sent=self.settings.sent_events,
            zone=self.settings.timezone,
        )
        if result.days["people"].sum() == 0:
            why = self._unmatched(active) if active is not None else None
            if why is None:
                why = gettext(
                    "The data covers no whole {period} yet (the first and the running"
                    " last are partial), so there is no distribution over whole ones; each"
                    " {period}'s own counts are still given."
                ).format(period=gettext(period))
            warn(result, why)
        return result

    def lifecycle(self, *, period: str = "month", active: Any = None) -> Lifecycle:
        """New, returning, resurrecting and dormant people per week or month."""
        return lifecycle(
            self.events(),
            self.journey,
            period=period,
            active=active,
            sent=self.settings.sent_events,
            zone=self.settings.timezone,
        )

    def nps(self, *, survey: Any = None, field: str | None = None, period: str = "month") -> NPS:
        """Net Promoter Score with a 95% interval, per period, and how promoters fare on the
        journey (see :mod:`jejak.analyses.nps`)."""
        options = {"survey": survey, "field": field, "period": period}
        result = nps(self.events(), self.journey, **options, zone=self.settings.timezone)
        if not result.table["answers"].sum() and survey is None:
            warn(result, *self._missing(["nps"], fields=[] if field else ["nps"]))
        return result

    def reviews(
        self, *, review: Any = None, field: str | None = None, period: str = "month"
    ) -> Reviews:
        """Review ratings: mean with a 95% interval, stars, trend per period, and how
        reviewers at each star fare on the journey (see :mod:`jejak.analyses.reviews`)."""
        options = {"review": review, "field": field, "period": period}
        result = reviews(self.events(), self.journey, **options, zone=self.settings.timezone)
        if not result.table["reviews"].sum() and review is None:
            warn(result, *self._missing(["review"], fields=[] if field else ["review"]))
        return result

    def engagement_groups(
        self, *, threshold: float = 0.5, engagement: Any = None, transactional: Any = None
    ) -> EngagementGroups:
        """People who follow content vs who only transact, and how each converts and
        responds to email (see :mod:`jejak.analyses.engagement`)."""
        result = engagement_groups(
            self.events(),
            self.journey,
            threshold=threshold,
            engagement=engagement,
            transactional=transactional,
        )
        table = result.table
        if not table["converted"].fillna(0).any():
            warn(result, *self._missing(["purchase"]))
        if not table["sent"].sum():
            warn(result, *self._missing(messages=True))
        if engagement is None and not table.loc[table["group"] == FOLLOWS, "people"].sum():
            warn(result, *self._missing(["content"]))
        return result

    def clusters(self, *, k: int | None = None) -> Clusters:
        """Behavioural clusters of people, each described by its dominant traits ("mostly
        social, stalls at Subscribe, high NPS"; see :mod:`jejak.analyses.clusters`)."""
        result = described(self._cluster_fit(k), self.journey)
        if not result.people["purchases"].any():
            warn(result, *self._missing(["purchase"]))
        return result

    def _cluster_fit(self, k: int | None = None) -> ClusterFit:
        """The clusters' fit (k-means: a second or so on a large shop, and scikit-learn's
        import), made once while the data and the journey stay the same: the clusters,
        the segments made of them and the journey map's personas all read it."""
        journey = self.journey
        # what the people's features are read with (the roles name the touchpoints sent)
        read_with = (journey.model_dump_json(), self.settings.roles.model_dump_json())
        return self.fitted(
            ("clusters", k, read_with),
            lambda: fit_clusters(self.events(), journey, k=k, sent=self.settings.sent_events),
        )

    def referrals(
        self,
        *,
        invite: Any = None,
        referrer: str | None = None,
        purchase: Any = None,
    ) -> Referrals:
        """Who brought whom, the K-factor and the promoters to reward (see
        :mod:`jejak.analyses.referrals`)."""
        result = referrals(
            self.events(), self.journey, invite=invite, referrer=referrer, purchase=purchase
        )
        if result.table.empty:
            roles = [r for r, given in (("referral", invite), ("purchase", purchase)) if not given]
            warn(result, *self._missing(roles, fields=[] if referrer else ["referral"]))
        # the value still to come, from the value model, when it can be fitted
        try:
            value = self.customer_value(purchase=purchase).table
        except JejakError:
            return result
        referred = set(result.tree.loc[result.tree["customer"], "person_id"])
        mine = value["person_id"].isin(referred)
        result.meta["expected_value_per_referred_customer"] = _mean(
            value.loc[mine, "expected_revenue"]
        )
        result.meta["expected_value_per_other_customer"] = _mean(
            value.loc[~mine, "expected_revenue"]
        )
        return result

    def rfm(self, *, purchase: Any = None, as_of: datetime | str | None = None) -> RFM:
        """Recency, frequency and monetary scores per buyer and their named segments
        (see :mod:`jejak.analyses.rfm`); ``as_of`` defaults to the latest touchpoint."""
        moment = self.as_of() if as_of is None else self._zoned(as_of)
        if moment is None:
            raise ConfigError(gettext("no touchpoints yet: load some before asking for RFM"))
        result = rfm(self.events(), self.journey, purchase=purchase, as_of=moment)
        if result.table.empty and purchase is None:
            warn(result, *self._missing(["purchase"]))
        return result

    def value_by(self, by: str = "stage", **options: Any) -> ValueBy:
        """Expected value per current stage (``by="stage"``) or per first-touch field
        (``channel``, ``campaign``, ...); ``options`` go to :meth:`customer_value`."""
        from jejak.analyses.customer_value import value_by

        value = self.customer_value(**options)
        if by == "segment":
            groups = self.segment_groups().to_pandas()
            order = [*self.segment_definitions(), NONE_SEGMENT]
            return value_by(value, groups, "segment", order=order)
        if by == "stage":
            stages = stage_analyses.current_stages(self.events(), self.journey)
            groups = stages.select("person_id", "stage").to_pandas()
            return value_by(value, groups, "stage", order=self.journey.stage_names)
        if by not in stage_analyses.BREAKDOWNS:
            choices = ", ".join(("stage", *stage_analyses.BREAKDOWNS, "segment"))
            raise ConfigError(
                gettext("cannot split value by {by}; use one of {choices}").format(
                    by=repr(by), choices=choices
                )
            )
        groups = stage_analyses.first_touch(self.events(), by).to_pandas()
        return value_by(value, groups, by)

    def touchpoint_ratios(self, goal: Any = None, *, by: str = "event") -> TouchpointRatios:
        """Reach, occurrences and touchpoints per conversion of ``goal`` (default: Convert)
        for each ``by`` value (see :mod:`jejak.analyses.effectiveness`)."""
        return touchpoint_ratios(self.events(), self.journey, goal, by=by)

    def touchpoint_effects(self, *, by: str = "event", min_people: int = 30) -> TouchpointEffects:
        """Per stage, how fast people move on with and without each ``by`` value, with a 95%
        interval of the rate ratio (observational; see :mod:`jejak.analyses.effectiveness`)."""
        return touchpoint_effects(
            self.events(), self.journey, by=by, min_people=min_people, as_of=self.as_of()
        )

    def drivers(
        self,
        *,
        stage: str | None = None,
        fields: Sequence[str] = FIELDS,
        properties: Sequence[str] = (),
        min_people: int = 30,
    ) -> Drivers:
        """Which touchpoints, channels, campaigns and property values go with moving on
        from ``stage`` (default: every stage but the last) faster or slower, each with its
        rate ratio, interval and q-value (see :mod:`jejak.analyses.drivers`)."""
        return drivers(
            self.events(),
            self.journey,
            stage=stage,
            fields=fields,
            properties=properties,
            min_people=min_people,
            as_of=self.as_of(),
        )

    def funnel_drivers(
        self,
        steps: Funnel | list[Any],
        step: int,
        *,
        window: timedelta | str | float = timedelta(days=30),
        order: str = "ordered",
        exclusions: list[Any] | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        open_windows: str | None = None,
        as_of: datetime | str | None = None,
        fields: Sequence[str] = FIELDS,
        properties: Sequence[str] = (),
        min_people: int = 30,
        by: str | None = None,
        group: str | None = None,
    ) -> Drivers:
        """Which touchpoints, channels, campaigns and property values go with moving on
        from ``step`` (1-based) of the funnel to its next step, for the people who reached
        it: :meth:`drivers` for a funnel's step (see
        :func:`jejak.analyses.drivers.funnel_drivers`). The funnel is given as to
        :meth:`funnel`; ``as_of`` (default: the latest touchpoint) ends open windows.
        ``by`` and ``group``: of a funnel split as :meth:`funnel` splits it, the drivers of
        one group only (a field's value, or a segment's name with ``by="segment"``)."""
        if (by is None) != (group is None):
            raise JejakError(
                gettext("the drivers of a split funnel are of one group: give by and group")
            )
        if by == "segment":
            part = self._segment_part(str(group))
            # the part's own moment, as the funnel split by segment counts each part
            found = part.funnel_drivers(
                steps, step, window=window, order=order, exclusions=exclusions, start=start,
                end=end, open_windows=open_windows, as_of=as_of,
                fields=fields, properties=properties, min_people=min_people,
            )  # fmt: skip
            found.meta |= {"by": by, "group": group}
            return found
        spec = _funnel_spec(steps, window, order, exclusions, by, open_windows)
        source, (start, end, as_of) = self._funnel_moments(start, end, as_of)
        return funnel_drivers(
            source.events(),
            self.journey,
            spec,
            step,
            fields=fields,
            properties=properties,
            min_people=min_people,
            start=start,
            end=end,
            as_of=source.as_of() if as_of is None else as_of,
            group=group,
        )

    def attribution(
        self,
        goal: Any = None,
        *,
        by: str = "channel",
        lookback: timedelta | str | float | None = "90d",
        models: list[str] | None = None,
        half_life: timedelta | str | float = "7d",
        position: tuple[float, float, float] = (0.4, 0.2, 0.4),
        order: int = 1,
    ) -> Attribution:
        """Credit for reaching ``goal`` (default: Convert) per ``by`` value under each model
        (see :mod:`jejak.analyses.attribution`); ``lookback=None`` looks back forever."""
        from jejak.analyses.attribution import attribution

        result = attribution(
            self.events(),
            self.journey,
            goal,
            by=by,
            lookback=None if lookback is None else parse_window(lookback),
            models=models,
            half_life=parse_window(half_life),
            position=position,
            order=order,
        )
        if not result.meta["conversions"]:
            warn(
                result,
                gettext("nobody reached {goal}, so there is nothing to credit").format(
                    goal=language_stage(result.meta["goal"])
                ),
                *self._missing(["purchase"] if goal is None else []),
            )
        return result

    def campaign(
        self, campaign: str | Campaign | dict[str, Any], *, name: str | None = None
    ) -> campaign_analyses.CampaignEffect:
        """Did a campaign move its audience across its target transition, more than those
        it held out? ``campaign``: a name from jejak.yaml, or a definition (a mapping or
        :class:`Campaign`; see :mod:`jejak.analyses.campaigns` for the method)."""
        return self._campaign_effect(*self._campaign(campaign, name))

    def _campaign_effect(
        self, label: str, definition: Campaign, wide: ibis.Table | None = None
    ) -> campaign_analyses.CampaignEffect:
        moment = self.as_of()
        if moment is None:
            raise ConfigError(
                gettext("no touchpoints yet: load some before asking about a campaign")
            )
        result = campaign_analyses.campaign_effect(
            self.events(),
            self.journey,
            label,
            definition,
            zone=ZoneInfo(self.settings.timezone),
            as_of=moment,
            wide=wide,
        )
        rule = definition.purchase.rule
        if rule is not None and rule.role == "purchase" and rule.event is None:
            # revenue per person reads the purchase role: say so when it matches nothing
            warn(result, *self._missing(["purchase"]))
        return result

    def campaigns(self) -> campaign_analyses.CampaignOverview:
        """Every campaign in jejak.yaml on the transition it targets, with its lift, and
        the transitions no campaign aims at."""
        if not self.settings.campaigns:
            return campaign_analyses.overview({}, self.journey)
        # every campaign reads the people's stage entries: one pass, kept for them all
        wide = stage_analyses.stage_entries(self.events(), self.journey).cache()
        try:
            effects = {
                name: self._campaign_effect(*self._campaign(name, None), wide=wide)
                for name in self.settings.campaigns
            }
        finally:
            wide.release()
        return campaign_analyses.overview(effects, self.journey)

    def _campaign(self, campaign: Any, name: str | None) -> tuple[str, Campaign]:
        if isinstance(campaign, str):
            known = self.settings.campaigns
            if campaign not in known:
                listed = ", ".join(known) or gettext("none yet")
                raise ConfigError(
                    gettext(
                        "no campaign named {name} (campaigns: {known}); define it under"
                        " 'campaigns:' in jejak.yaml"
                    ).format(name=repr(campaign), known=listed)
                )
            return campaign, known[campaign]
        label = name or "campaign"
        try:
            definition = (
                campaign if isinstance(campaign, Campaign) else Campaign.model_validate(campaign)
            )
            definition.check(label, self.journey)
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                problem = exc.errors()[0]
                where = ".".join(str(p) for p in problem["loc"]) or "definition"
                message = said(problem)
                if problem["type"] == "extra_forbidden":
                    message = gettext("unknown key; check its spelling (see 'jejak init')")
                elif problem["type"] == "missing" and where == "exposure":
                    message = gettext(
                        "missing; say who was reached, e.g. {example}"
                        " (a send or impression, not the click)"
                    ).format(example="{event: email_sent, campaign: NAME}")
                elif problem["type"] == "missing":
                    message = gettext("missing")
                raise ConfigError(
                    gettext("campaign '{name}' {where}: {message}").format(
                        name=label, where=repr(where), message=message
                    )
                ) from None
            raise ConfigError(str(exc)) from None
        return label, definition

    def contact_metrics(self, *, by: str = "campaign") -> contact_analyses.ContactMetrics:
        """Messages sent, delivered, opened, clicked, unsubscribed and complained about, per
        campaign (or channel, source, medium, segment; see :mod:`jejak.analyses.contact`)."""
        result = contact_analyses.contact_metrics(
            self.events(), self.settings.contact, by=by, groups=self._groups(by)
        )
        return warn(result, *self._missing(messages=True)) if not result.meta["sent"] else result

    def contact_frequency(
        self, *, cap: int = 7, min_weeks: int = 100
    ) -> contact_analyses.ContactFrequency:
        """Messages per person-week against opens, clicks, unsubscribes and stage progress,
        and the frequency beyond which returns fall."""
        result = contact_analyses.contact_frequency(
            self.events(),
            self.journey,
            self.settings.contact,
            cap=cap,
            min_weeks=min_weeks,
            zone=self.settings.timezone,
        )
        return warn(result, *self._missing(messages=True)) if result.table.empty else result

    def send_times(
        self, *, by: str | None = None, min_messages: int = 5
    ) -> contact_analyses.SendTimes:
        """Open and click rates by the hour of the week messages went out (in the workspace
        time zone), per segment with ``by="segment"``, and each person's best hour."""
        if by not in (None, "segment"):
            raise ConfigError(
                gettext("send times split by segment only (by='segment'), not {by}").format(
                    by=repr(by)
                )
            )
        result = contact_analyses.send_times(
            self.events(),
            self.settings.contact,
            zone=self.settings.timezone,
            groups=self._groups(by),
            by=by,
            min_messages=min_messages,
        )
        return warn(result, *self._missing(messages=True)) if result.table.empty else result

    def experience(
        self, *, purchase: Any = None, churn_days: float = 90.0, min_people: int = 30
    ) -> Experience:
        """Good, neutral and bad experiences by touchpoint and stage, what a bad one does to
        moving on and to churn (observational; rules from ``experience:`` in jejak.yaml;
        see :mod:`jejak.analyses.experience`)."""
        moment = self.as_of()
        if moment is None:
            raise ConfigError(
                gettext("no touchpoints yet: load some before asking about experience")
            )
        result = experience(
            self.events(),
            self.journey,
            self.settings.experience_rules(),
            as_of=moment,
            purchase=purchase,
            churn_days=churn_days,
            sent=self.settings.sent_events,
            min_people=min_people,
        )
        if result.table.empty:
            warn(
                result,
                gettext(
                    "no touchpoint matched a rule under 'experience:' in jejak.yaml (reviews,"
                    " NPS answers, support tickets, failed payments...)"
                ),
                *self._missing(["review", "nps"]),
            )
        if purchase is None and not int(result.churn["buyers"].sum()):
            warn(result, *self._missing(["purchase"]))
        return result

    def _missing(
        self, roles: list[str] = (), *, fields: list[str] = (), messages: bool = False
    ) -> list[str]:
        """Why an answer that needs these roles is empty (see :mod:`diagnosis`)."""
        events, named = self.events(), self.settings.roles
        wanted = [*roles, *(["messages"] if messages else [])]
        found = diagnosis.missing_roles(events, named, wanted)
        found += [diagnosis.missing_field(events, named, role) for role in fields]
        return [sentence for sentence in found if sentence]

    def _unmatched(self, step: Any) -> str | None:
        """A sentence when a step (touchpoint, rule or stage) matches no touchpoint."""
        matcher = FunnelStep.of(step).as_stage(self.journey)
        events = self.events()
        marked = with_properties(events, [matcher])
        if marked.filter(stage_matches(marked, matcher)).count().to_pyarrow().as_py():
            return None
        top = diagnosis.listed(diagnosis.top_events(events))
        return gettext(
            "'{step}' matches no touchpoint ({rules}); your most frequent events are {top}"
        ).format(step=matcher.name, rules=describe_rules(matcher), top=top)

    def _stalled(self, table: pd.DataFrame, journey: Journey) -> str | None:
        """A stage funnel that stops at its first stage says why."""
        if table.empty or "reached" not in table or table["reached"].iloc[0] == 0:
            return None
        if table["reached"].iloc[1:].sum() > 0:
            return None
        later = "; ".join(
            f"{language_stage(stage.name)}: {describe_rules(stage)}" for stage in journey.stages[1:]
        )
        top = diagnosis.listed(diagnosis.top_events(self.events()))
        return gettext(
            "nobody got past {stage}: no touchpoint matched a rule of a later stage ({later})."
            " Your most frequent events are {top}. Name them under 'roles:' in jejak.yaml"
            " ('jejak init --from FILE' proposes them, 'jejak check' shows what each rule"
            " matches)"
        ).format(stage=language_stage(journey.stages[0].name), later=later, top=top)

    def _zoned(self, value: datetime | str | None) -> datetime | None:
        """A time from the user (or text like 2026-03-01): without a zone, it is in the
        workspace's zone."""
        moment = _moment(value)
        if moment is None or moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=ZoneInfo(self.settings.timezone))

    def check(self) -> DataCheck:
        """What jejak will make of the data: touchpoints and people per stage rule and
        role, events that match nothing, answers that will be empty and why, and
        suspicious data (see :mod:`jejak.analyses.checkup`)."""
        return checkup.check(
            self.events(),
            self.journey,
            self.settings,
            conflicting_rows=self.conflicting_rows(),
        )

    def conflicting_rows(self) -> int:
        """Rows loads refused because their event_id was taken by other content."""
        return 0

    def ad_spend(self) -> pd.DataFrame:
        """The ad spend loaded (see :mod:`jejak.store.spend`): day, channel, campaign,
        source, spend, currency; empty where none can be (this source holds none)."""
        return pd.DataFrame(columns=["day", "channel", "campaign", "source", "spend", "currency"])

    def spend_return(
        self,
        *,
        by: str = "channel",
        goal: str | None = None,
        models: list[str] | None = None,
        lookback: timedelta | str | float | None = "90d",
    ) -> Any:
        """What each channel (campaign, or traffic source: ``by``) cost and brought back:
        cost per acquisition, cost per move to each stage, and ROAS under each attribution
        model side by side (see :mod:`jejak.analyses.spend`). ``goal``: the stage a
        customer is acquired at (default: Convert)."""
        from jejak.analyses.attribution import MODELS
        from jejak.analyses.spend import FIELDS as SPEND_FIELDS
        from jejak.analyses.spend import spend_return

        if by not in SPEND_FIELDS:
            raise JejakError(
                gettext(
                    "spend is loaded per channel, campaign and source: split it by channel,"
                    " campaign or source, not {field!r}"
                ).format(field=by)
            )
        spend = self.ad_spend()
        if spend.empty:
            raise JejakError(
                gettext(
                    "no ad spend in this period: load what the ads cost with jejak spend load"
                    " FILE (a Google Ads, Meta or TikTok export, or date,channel,campaign,spend)"
                )
            )
        names = self.journey.stage_names
        goal = goal or ("Convert" if "Convert" in names else names[len(names) // 2])
        if goal not in names:
            raise JejakError(
                gettext("no stage {stage!r} in the journey; its stages are {stages}").format(
                    stage=goal, stages=", ".join(names)
                )
            )
        events = self.events()
        first = stage_analyses.first_touch(events, by)
        # the stage entries, found once: the moves and the campaigns' effects read them
        entries = stage_analyses.stage_entries(events, self.journey).cache()
        try:
            wide = entries.join(first, "person_id")
            reached = wide.group_by(by).aggregate(
                **{
                    name: wide[stage_analyses.entered_column(i)].count()
                    for i, name in enumerate(names)
                }
            )
            moves = reached.to_pandas().melt(id_vars=by, var_name="stage", value_name="people")
            moves = moves[moves["people"] > 0]
            moves["stage_index"] = moves["stage"].map({n: i + 1 for i, n in enumerate(names)})
            # spend without a campaign is the campaign of touchpoints without one
            spend = spend.assign(campaign=spend["campaign"].replace("", stage_analyses.NONE_LABEL))
            returns = self._campaign_returns(spend, entries)
        finally:
            entries.release()
        # and spend without a source the source of touchpoints without one
        spend = spend.assign(source=spend["source"].replace("", stage_analyses.NONE_LABEL))
        at_goal = moves[moves["stage"] == goal]
        acquired = at_goal[[by, "people"]].rename(columns={"people": "customers"})
        models = list(models or MODELS)
        credited = self.attribution({"stage": goal}, by=by, models=models, lookback=lookback)
        return spend_return(
            spend,
            acquired,
            moves,
            credited.table,
            credited.revenue,
            by=by,
            goal=goal,
            models=models,
            revenue_currency=self.currency(),
            campaigns=returns,
        )

    def _campaign_returns(self, spend: pd.DataFrame, entries: ibis.Table) -> pd.DataFrame:
        """The incremental return of each campaign of the settings that spend was loaded
        for (see :func:`jejak.analyses.spend.campaign_returns`); ``entries``: the people's
        stage entries (:func:`~jejak.analyses.stages.stage_entries`), found once."""
        from jejak.analyses.spend import campaign_returns, campaign_spend

        paid = {
            name: campaign_spend(spend, c.traffic_source, c.start, c.end)
            for name, c in self.settings.campaigns.items()
        }
        paid = {name: cost for name, cost in paid.items() if cost > 0}
        if not paid:
            return campaign_returns([])
        keys = [
            f"incremental_{k}{b}" for k in ("customers", "revenue") for b in ("", "_low", "_high")
        ]
        rows = []
        for name, cost in paid.items():
            effect = self._campaign_effect(name, self.settings.campaigns[name], wide=entries)
            meta = effect.meta
            rows.append(
                {"campaign": name, "spend": cost, "observational": meta["observational"]}
                | {key: meta[key] for key in keys}
            )
        return campaign_returns(rows)

    def engine(self) -> str:
        """What holds the touchpoints (the source's kind, e.g. Workspace, SparkSource)."""
        return type(self).__name__

    def identity_conflicts(self) -> Result:
        """Anonymous ids claimed by several customers, and which customer got them."""
        table = identity.conflicts(self.touchpoints(), self.identity_links()).to_pandas()
        return Result(title=gettext("Identity conflicts"), table=table, meta={"count": len(table)})


class Filtered(JourneyAnalyses):
    """A date range or a group of people of another source; analyses work as on the whole."""

    def __init__(
        self,
        parent: JourneyAnalyses,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        who: Any = None,
        first: bool = False,
        segment: tuple[str, Segment] | None = None,
    ) -> None:
        self.parent, self.settings = parent, parent.settings
        self.start, self.end, self.who, self.first = start, end, who, first
        self.name, self.definition = segment if segment is not None else (None, None)
        self._members: ibis.Table | None = None

    def segment_definitions(self) -> dict[str, Segment]:
        return self.root().segment_definitions()

    def _saved_in(self, name: str) -> str:
        return self.root()._saved_in(name)

    def data_version(self) -> Any:
        """The whole source's: a part's data changes when the whole's does."""
        return self.root().data_version()

    def fitted(self, key: Hashable, fit: Callable[[], T]) -> T:
        """Kept by the whole source under this part's scope, so a part asked for again
        (each request cuts a new one) finds its clusters fitted."""
        return self.root().fitted((self.scope(), key), fit)

    def scope(self) -> tuple:
        """What this part holds, as a key: its range, people and segment, after its
        parent's."""
        parent = self.parent.scope() if isinstance(self.parent, Filtered) else ()
        who = None if self.who is None else FunnelStep.of(self.who).model_dump_json()
        rule = None if self.definition is None else rule_key(self.definition)
        return (*parent, (self.start, self.end, who, self.first, rule))

    def people_table(self, people: pd.Series) -> ibis.Table:
        return self.root().people_table(people)

    def conflicting_rows(self) -> int:
        return self.root().conflicting_rows()

    def members(self) -> ibis.Table:
        """person_id of everyone in this part's segment, decided on all the data."""
        if self.definition is None:
            return self.events().select("person_id").distinct()
        if self._members is not None:
            return self._members
        # the root decides (and may keep) them: a segment needing models is fitted once
        # per state of the data, so it is asked again each time; any other is a query
        # that reads the data as it is when it runs
        root = self.root()
        check_stages(self.name, self.definition, root.journey)
        found = root.segment_members(self.definition)
        if not self.definition.uses_models():
            self._members = found
        return found

    def touchpoints(self) -> ibis.Table:
        return self.parent.touchpoints()

    def identity_links(self) -> ibis.Table | None:
        return self.parent.identity_links()

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """This part's range within its parent's."""
        first, last = self.parent.date_range()
        if self.start is not None:
            first = self.start if first is None else max(first, self.start)
        if self.end is not None:
            last = self.end if last is None else min(last, self.end)
        return first, last

    def undated(self) -> JourneyAnalyses:
        if self.date_range() == (None, None):
            return self
        parent = self.parent.undated()
        if self.who is None and self.definition is None:
            return parent
        segment = None if self.definition is None else (self.name, self.definition)
        return Filtered(parent, who=self.who, first=self.first, segment=segment)

    def root(self) -> JourneyAnalyses:
        """The whole source this part was cut from."""
        return self.parent.root() if isinstance(self.parent, Filtered) else self.parent

    def ad_spend(self) -> pd.DataFrame:
        """The parent's ad spend on the days of this part's range (a day counts when it
        starts in the range, in the workspace's calendar)."""
        if self.who is not None or self.definition is not None:
            raise JejakError(
                gettext(
                    "ad spend is paid for everyone a campaign reaches, not for a group of"
                    " people: ask for spend and return without a segment"
                )
            )
        spend = self.parent.ad_spend()
        for moment, keep in ((self.start, "after"), (self.end, "before")):
            if moment is None:
                continue
            local = pd.Timestamp(moment)
            zone = self.settings.timezone
            local = local.tz_localize(zone) if local.tz is None else local.tz_convert(zone)
            days = pd.to_datetime(spend["day"])
            bound = local.tz_localize(None)
            spend = spend[days >= bound] if keep == "after" else spend[days < bound]
        return spend

    def events(self) -> ibis.Table:
        events = self.parent.events()
        if self.start is not None or self.end is not None:
            # a person's first purchase is their first of all time, not of the range
            events = with_counts(events, self.journey.stages)
        if self.start is not None:
            events = events.filter(events.ts >= _literal(self.start))
        if self.end is not None:
            events = events.filter(events.ts < _literal(self.end))
        if self.who is not None:
            # who someone is does not depend on a date range: people are chosen on all data,
            # so between(...).only(...) and only(...).between(...) agree
            everything = self.root().events()
            step = FunnelStep.of(self.who).as_stage(self.journey)
            marked = with_properties(everything, [step])
            if self.first:
                marked = marked.mutate(_position=position(marked))
                marked = marked.filter(marked._position == 0)
            hits = marked.filter(stage_matches(marked, step))
            events = events.semi_join(hits.select("person_id").distinct(), "person_id")
        if self.definition is not None:
            events = events.semi_join(self.members(), "person_id")
        return events


def _literal(moment: datetime) -> ibis.Value:
    stamp = pd.Timestamp(moment)
    return ibis.literal(
        stamp.tz_convert("UTC") if stamp.tz else stamp.tz_localize("UTC"), "timestamp('UTC')"
    )


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            gettext("{value} is not a date or time; write it like 2026-03-01").format(
                value=repr(value)
            )
        ) from None


def _funnel_spec(
    steps: Funnel | list[Any],
    window: timedelta | str | float,
    order: str,
    exclusions: list[Any] | None,
    by: str | None,
    open_windows: str | None = None,
) -> Funnel:
    if isinstance(steps, Funnel):
        return steps
    try:
        return Funnel(
            steps=steps,
            window=parse_window(window),
            order=order,
            exclusions=exclusions or [],
            by=by,
            open_windows=open_windows,
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "funnel"
        raise ConfigError(
            gettext("funnel {where}: {message}").format(where=where, message=said(problem))
        ) from None


MAX_WINDOW_DAYS = 36_500
"""A window longer than a hundred years means "no limit"; longer ones are refused."""


def parse_window(window: timedelta | str | float) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s``, a number of seconds, or a timedelta."""
    if isinstance(window, timedelta):
        seconds = window.total_seconds()
    elif isinstance(window, int | float):
        seconds = float(window)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dhms])\s*", str(window).lower())
        if not match:
            raise ConfigError(
                gettext(
                    "window {window} is not a duration; write it like 30d, 12h, 45m or 90s"
                ).format(window=repr(window))
            )
        unit = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}[match.group(2)]
        seconds = float(match.group(1)) * unit
    if not seconds <= MAX_WINDOW_DAYS * 86_400:  # NaN too
        raise ConfigError(
            gettext(
                "window {window} is longer than {days} days (a hundred years);"
                " for no limit, give 36500d"
            ).format(window=repr(window), days=localised(f"{MAX_WINDOW_DAYS:,}"))
        )
    return window if isinstance(window, timedelta) else timedelta(seconds=seconds)


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as UTC-aware, whichever engine produced them (Spark's come without a zone)."""
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) and frame[column].dt.tz is None:
            frame[column] = frame[column].dt.tz_localize("UTC")
    return frame


def _audience(events: ibis.Table, journey: Journey, purchases: list[str]) -> ibis.Table:
    """One row per person: ids, current stage, first/last seen, touchpoints, purchases."""
    orders = events.event.isin(purchases)
    per_person = events.group_by("person_id").aggregate(
        customer_id=events.customer_id.max(),
        anonymous_id=events.anonymous_id.min(),
        first_seen=events.ts.min(),
        last_seen=events.ts.max(),
        touchpoints=events.count(),
        orders=events.count(where=orders),
        revenue=events.revenue.sum(where=orders),
    )
    now = stage_analyses.current_stages(events, journey).select(
        "person_id", "stage", entered_stage_at="entered_at"
    )
    joined = per_person.left_join(now, "person_id").drop("person_id_right")
    return joined.mutate(revenue=joined.revenue.fill_null(0.0))


def _combined(parts: dict[str, Result], by: str) -> Any:
    """One result of a kind from one per group: tables stacked with a ``by`` column first."""
    import dataclasses

    first = next(iter(parts.values()))
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(first):
        value = getattr(first, field.name)
        if isinstance(value, pd.DataFrame):
            frames = [
                getattr(result, field.name).assign(**{by: name}) for name, result in parts.items()
            ]
            stacked = pd.concat(frames, ignore_index=True)
            changes[field.name] = stacked[[by, *[c for c in stacked.columns if c != by]]]
    meta = {**first.meta, "by": by, by + "s": list(parts)}
    title = gettext("{title} by {field}").format(title=first.title, field=gettext(by))
    return dataclasses.replace(first, title=title, meta=meta, **changes)


def _in_none(definitions: dict[str, Segment]) -> Segment:
    """Everyone in none of the segments."""
    rules = [d.model_dump(by_alias=True, exclude_none=True) for d in definitions.values()]
    for rule in rules:
        rule.pop("description", None)
    return Segment.model_validate({"not": {"any": rules}})


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")
