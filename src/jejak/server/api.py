"""The JSON API: every analysis with the parameters of the Python API, as JSON.

Each answer is the analysis' ``to_dict()``: title, meta (parameters and definitions)
and the table as records. Scope parameters work on every analysis: ``since``/``until``
(dates), ``segment`` (a saved segment), ``only`` and ``acquired`` (a touchpoint,
``stage:NAME`` or ``field=value``). Touchpoints, rules and stages in parameters are
written the same way, or as a JSON object.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from jejak.analyses.drivers import FIELDS
from jejak.analyses.journeys import JourneyAnalyses
from jejak.analyses.result import records
from jejak.analyses.stages import RECENT_DAYS
from jejak.errors import ConfigError
from jejak.language import gettext
from jejak.model.config import preset
from jejak.model.funnel import parse_step
from jejak.model.journey import Journey
from jejak.server.answers import answer, json_response, json_text, question_of
from jejak.server.state import require_key, state_of

router = APIRouter(prefix="/v1/analyses", tags=["analyses"])

Step = Annotated[
    str | None,
    Query(description="A touchpoint name, stage:NAME, role:NAME, field=value or a JSON rule."),
]


def step(text: str | None) -> Any:
    """A touchpoint, rule or stage from a query parameter (see :func:`parse_step`); empty
    means not given (the analysis reads the roles in jejak.yaml)."""
    return None if text is None or not text.strip() else parse_step(text)


class Scope:
    """Query parameters every analysis takes: which touchpoints and people it looks at."""

    def __init__(
        self,
        since: Annotated[str | None, Query(description="From this date, e.g. 2026-01-01.")] = None,
        until: Annotated[str | None, Query(description="Before this date.")] = None,
        segment: Annotated[str | None, Query(description="A saved segment's name.")] = None,
        only: Step = None,
        acquired: Step = None,
    ) -> None:
        self.since, self.until, self.segment = since, until, segment
        self.only, self.acquired = only, acquired

    def apply(self, source: JourneyAnalyses) -> JourneyAnalyses:
        return source.narrowed(
            since=self.since,
            until=self.until,
            only=step(self.only),
            acquired=step(self.acquired),
            segment=self.segment,
        )


def _run(request: Request, scope: Scope, ask: Any) -> Response:
    """The analysis' answer as JSON: kept for the data as it is, or computed now (the
    headers say when, and on which data)."""
    require_key(request, "read")
    question = question_of(request)
    with state_of(request).answering(question) as source:
        kept = answer(source, question, lambda: json_text(ask(scope.apply(source)).to_dict()))
    return json_response(kept)


Scoped = Annotated[Scope, Depends()]
When = Annotated[
    str | None, Query(description="A date or time, e.g. 2026-03-01 (in the workspace's zone).")
]


def journey_of(
    journey: Annotated[
        str | None,
        Query(
            description="Another journey than the workspace's: a preset (value-journey, "
            "four-stage) or a journey as JSON ({name, stages: [{name, rules: [...]}]})."
        ),
    ] = None,
) -> Journey | None:
    """The journey asked for, or None for the workspace's own."""
    if not journey:
        return None
    if not journey.lstrip().startswith("{"):
        return preset(journey.strip())
    try:
        return Journey.model_validate_json(journey)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or gettext("the journey")
        said = gettext("journey: {where}: {problem}")
        raise ConfigError(said.format(where=where, problem=problem["msg"])) from None


AnotherJourney = Annotated[Journey | None, Depends(journey_of)]


@router.get("/stages")
def stages(
    request: Request, scope: Scoped, journey: AnotherJourney, by: str | None = None
) -> dict[str, Any]:
    """The stage funnel; ``by``: a first-touch field (channel...) or ``segment``."""
    return _run(request, scope, lambda s: s.stages(journey, by=by))


class FunnelQuery:
    """A funnel's parameters, as in the Python API (``exclude``: its ``exclusions``)."""

    def __init__(
        self,
        steps: Annotated[list[str], Query(description="Steps in order (repeat the parameter).")],
        window: str = "30d",
        order: str = "ordered",
        exclude: Annotated[
            list[str] | None, Query(description="Touchpoints that void an attempt between steps.")
        ] = None,
        start: When = None,
        end: When = None,
        open_windows: Annotated[
            Literal["exclude", "include"] | None,
            Query(
                description="People whose window is still open at as_of: left out of the"
                " rates or counted (default: exclude when a step has optional/within/after)."
            ),
        ] = None,
        as_of: When = None,
    ) -> None:
        # a step with options is a JSON rule: {"event": "x", "optional": true, "within": "2d"}
        self.steps = [parse_step(s) for s in steps]  # an empty one is an error
        self.options = {
            "window": window,
            "order": order,
            "exclusions": [parse_step(x) for x in exclude or []],
            "start": start,
            "end": end,
            "open_windows": open_windows,
            "as_of": as_of,
        }


Funnel = Annotated[FunnelQuery, Depends()]


@router.get("/funnel")
def funnel(
    request: Request, scope: Scoped, funnel: Funnel, by: str | None = None
) -> dict[str, Any]:
    """A funnel over touchpoints or stages within a window (ordered, strict or any);
    ``start``/``end``: only attempts whose first step is in that range."""
    return _run(request, scope, lambda s: s.funnel(funnel.steps, by=by, **funnel.options))


@router.get("/funnel-dropoffs")
def funnel_dropoffs(
    request: Request,
    scope: Scoped,
    funnel: Funnel,
    dropped_at: Annotated[int, Query(ge=1, description="The step (1-based) they stopped at.")],
) -> dict[str, Any]:
    """Who reached a step of the funnel and not the next: an audience to follow up."""
    ask = funnel.steps, dropped_at
    return _run(request, scope, lambda s: s.funnel_dropoffs(*ask, **funnel.options))


@router.get("/stuck")
def stuck(
    request: Request,
    scope: Scoped,
    stage: str,
    journey: AnotherJourney,
    days: Annotated[float, Query(ge=0, le=3650)] = 30,
    within: Annotated[
        float | None,
        Query(gt=0, le=3650, description="Only the recently stuck: past days within these."),
    ] = None,
    as_of: When = None,
) -> dict[str, Any]:
    """People whose furthest stage is ``stage`` and who entered it over ``days`` days ago
    (before ``as_of``, default: the latest touchpoint); with ``within``, only those past
    ``days`` within the last ``within`` days."""
    options = {"within": within, "as_of": as_of, "journey": journey}
    return _run(request, scope, lambda s: s.stuck(stage, days, **options))


@router.get("/stuck-by-stage")
def stuck_by_stage(
    request: Request,
    scope: Scoped,
    days: Annotated[
        list[str] | None,
        Query(
            description="STAGE=DAYS, repeated: a stage's days to count from (default: each"
            " stage's usual time to move on)."
        ),
    ] = None,
    within: Annotated[
        float, Query(gt=0, le=3650, description="The recently stuck: past it within these.")
    ] = RECENT_DAYS,
    as_of: When = None,
) -> dict[str, Any]:
    """How many people are stuck in each stage, and of them how many stalled within the
    last ``within`` days (``recently_stuck``)."""
    limits = _stage_days(days)
    return _run(request, scope, lambda s: s.stuck_by_stage(limits, within=within, as_of=as_of))


def _stage_days(given: list[str] | None) -> dict[str, float] | None:
    """``["Subscribe=14", ...]`` as ``{"Subscribe": 14.0, ...}``; none given: None."""
    if not given:
        return None
    limits = {}
    for text in given:
        name, _sep, days = text.rpartition("=")
        try:
            value = float(days)
        except ValueError:
            value = None
        if not name.strip() or value is None:
            said = gettext("days: {given!r} is not STAGE=DAYS, e.g. Subscribe=14")
            raise ConfigError(said.format(given=text))
        limits[name.strip()] = value
    return limits


class Paging:
    """One page of a per-person table (``limit``, ``offset``)."""

    def __init__(
        self,
        limit: Annotated[
            int | None, Query(ge=1, le=1_000_000, description="At most this many rows.")
        ] = None,
        offset: Annotated[int, Query(ge=0, description="Skip this many rows first.")] = 0,
    ) -> None:
        self.limit, self.offset = limit, offset

    def of(self, result: Any) -> Any:
        """The page of ``result``; ``meta.rows`` says how many rows there are in all."""
        result.meta["rows"] = len(result.table)
        stop = None if self.limit is None else self.offset + self.limit
        result.table = result.table.iloc[self.offset : stop]
        return result


Paged = Annotated[Paging, Depends()]


@router.get("/stage-entries")
def stage_entries(
    request: Request, scope: Scoped, journey: AnotherJourney, page: Paged
) -> dict[str, Any]:
    """When each person entered each stage they reached (one row per person and stage)."""
    return _run(request, scope, lambda s: page.of(s.stage_entries(journey)))


@router.get("/current-stages")
def current_stages(
    request: Request, scope: Scoped, journey: AnotherJourney, page: Paged
) -> dict[str, Any]:
    """Every person's current (furthest) stage and when they entered it."""
    return _run(request, scope, lambda s: page.of(s.current_stages(journey)))


@router.get("/journey-map")
def journey_map(
    request: Request,
    scope: Scoped,
    by: str | None = None,
    top: Annotated[int, Query(ge=1, le=50)] = 6,
    lanes: Annotated[
        bool,
        Query(description="Add the CX lanes: feeling, pain points, opportunities, personas."),
    ] = True,
    min_people: Annotated[
        int,
        Query(ge=1, le=1_000_000, description="Fewer people on a side of an effect: no pain."),
    ] = 30,
) -> dict[str, Any]:
    """Per stage, its top touchpoints and how people fare, with the CX lanes."""
    return _run(
        request,
        scope,
        lambda s: s.journey_map(by=by, top=top, lanes=lanes, min_people=min_people),
    )


@router.get("/paths")
def paths(
    request: Request,
    scope: Scoped,
    after: Step = None,
    before: Step = None,
    steps: Annotated[int, Query(ge=1, le=20)] = 5,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    collapse: Annotated[bool, Query(description="Repeats in a row count once.")] = True,
) -> dict[str, Any]:
    """Where people go after a touchpoint, or came from before one."""
    return _run(
        request,
        scope,
        lambda s: s.paths(
            after=step(after), before=step(before), steps=steps, top=top, collapse=collapse
        ),
    )


@router.get("/top-paths")
def top_paths(
    request: Request,
    scope: Scoped,
    goal: Step = None,
    steps: Annotated[int, Query(ge=1, le=20)] = 5,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    collapse: Annotated[bool, Query(description="Repeats in a row count once.")] = True,
) -> dict[str, Any]:
    """The most common paths to a goal (default: Convert) and how they convert."""
    return _run(
        request,
        scope,
        lambda s: s.top_paths(
            step(goal) or _default_goal(s), steps=steps, limit=limit, collapse=collapse
        ),
    )


def _default_goal(source: JourneyAnalyses) -> Any:
    names = source.journey.stage_names
    return {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}


@router.get("/process-map")
def process_map(
    request: Request,
    scope: Scoped,
    min_count: Annotated[int, Query(ge=1)] = 1,
    start: When = None,
    end: When = None,
) -> dict[str, Any]:
    """Which touchpoint follows which."""
    return _run(request, scope, lambda s: s.process_map(min_count=min_count, start=start, end=end))


@router.get("/attribution")
def attribution(
    request: Request,
    scope: Scoped,
    goal: Step = None,
    by: str = "channel",
    lookback: str | None = "90d",
    models: Annotated[list[str] | None, Query()] = None,
    half_life: str = "7d",
    position: Annotated[
        list[float] | None, Query(description="First, middle, last weights (3 numbers).")
    ] = None,
    order: Annotated[int, Query(ge=1, le=3)] = 1,
) -> dict[str, Any]:
    """Credit for reaching a goal under each attribution model."""
    weights = tuple(position) if position else (0.4, 0.2, 0.4)
    if len(weights) != 3:
        raise ConfigError(gettext("position takes three weights: first, middle and last touch"))
    return _run(
        request,
        scope,
        lambda s: s.attribution(
            step(goal),
            by=by,
            lookback=lookback,
            models=models,
            half_life=half_life,
            position=weights,
            order=order,
        ),
    )


@router.get("/touchpoints")
def touchpoint_ratios(
    request: Request, scope: Scoped, goal: Step = None, by: str = "event"
) -> dict[str, Any]:
    """Reach and touchpoints per conversion."""
    return _run(request, scope, lambda s: s.touchpoint_ratios(step(goal), by=by))


@router.get("/touchpoint-effects")
def touchpoint_effects(
    request: Request,
    scope: Scoped,
    by: str = "event",
    min_people: Annotated[
        int, Query(ge=1, le=1_000_000, description="Fewer people with a value: not shown.")
    ] = 30,
) -> dict[str, Any]:
    """Per stage, how fast people move on with and without each touchpoint."""
    return _run(request, scope, lambda s: s.touchpoint_effects(by=by, min_people=min_people))


# what the drivers of a stage and of a funnel's step both test
DriverFields = Annotated[
    list[str] | None, Query(description="Touchpoint fields to test (event, channel...).")
]
DriverProperties = Annotated[
    list[str] | None, Query(description="Properties to test the values of.")
]
VerdictPeople = Annotated[
    int, Query(ge=1, le=1_000_000, description="Fewest people on each side for a verdict.")
]


@router.get("/drivers")
def drivers(
    request: Request,
    scope: Scoped,
    stage: Annotated[
        str | None, Query(description="The stage people move on from (default: each).")
    ] = None,
    field: DriverFields = None,
    property: DriverProperties = None,
    min_people: VerdictPeople = 30,
) -> dict[str, Any]:
    """What drives people on from each stage, and what holds them back (q-values)."""
    fields = tuple(field) if field else FIELDS
    return _run(
        request,
        scope,
        lambda s: s.drivers(
            stage=stage, fields=fields, properties=tuple(property or ()), min_people=min_people
        ),
    )


@router.get("/funnel-drivers")
def funnel_drivers(
    request: Request,
    scope: Scoped,
    funnel: Funnel,
    step: Annotated[int, Query(ge=1, description="The step (1-based) people move on from.")],
    field: DriverFields = None,
    property: DriverProperties = None,
    min_people: VerdictPeople = 30,
    by: Annotated[
        str | None, Query(description="Of a funnel split as /funnel splits it: the field.")
    ] = None,
    group: Annotated[
        str | None,
        Query(description="With by: the group (a field's value, or a segment's name)."),
    ] = None,
) -> dict[str, Any]:
    """What drives people on from a funnel's step to the next, and what holds them back:
    the drivers' test for the people who reached the step (the funnel's parameters as for
    ``/funnel``); ``by`` and ``group``: of one group of the funnel split by ``by``."""
    asked = {"fields": tuple(field) if field else FIELDS, "properties": tuple(property or ())}
    asked |= {"by": by, "group": group}
    return _run(
        request,
        scope,
        lambda s: s.funnel_drivers(
            funnel.steps, step, **funnel.options, **asked, min_people=min_people
        ),
    )


@router.get("/campaigns")
def campaigns(request: Request, scope: Scoped) -> dict[str, Any]:
    """Every campaign on the transition it targets, and transitions without one."""
    return _run(request, scope, lambda s: s.campaigns())


@router.get("/spend-return")
def spend_return(
    request: Request,
    scope: Scoped,
    by: Annotated[str, Query(description="channel, campaign or source.")] = "channel",
    goal: Annotated[
        str | None, Query(description="The stage a customer is acquired at (Convert).")
    ] = None,
    models: Annotated[list[str] | None, Query()] = None,
    lookback: Annotated[
        str | None, Query(description="Attribution's lookback, e.g. 90d; 'none': forever.")
    ] = "90d",
) -> dict[str, Any]:
    """Spend against return per channel, campaign or traffic source: cost per acquisition,
    cost per move to each stage (``moves``), per attribution model CPA and ROAS
    (``models``), and each campaign's incremental return (``campaigns``)."""
    back = None if lookback in (None, "", "none") else lookback
    return _run(
        request,
        scope,
        lambda s: s.spend_return(by=by, goal=goal, models=models, lookback=back),
    )


@router.get("/campaigns/{name}")
def campaign(request: Request, scope: Scoped, name: str) -> dict[str, Any]:
    """One campaign's lift against its holdout."""
    return _run(request, scope, lambda s: s.campaign(name))


@router.get("/contact")
def contact(request: Request, scope: Scoped, by: str = "campaign") -> dict[str, Any]:
    """Messages sent, opened, clicked, unsubscribed per campaign (or channel, segment)."""
    return _run(request, scope, lambda s: s.contact_metrics(by=by))


@router.get("/contact-frequency")
def contact_frequency(
    request: Request,
    scope: Scoped,
    cap: Annotated[int, Query(ge=2, le=50)] = 7,
    min_weeks: Annotated[
        int, Query(ge=1, le=10_000_000, description="Fewer person-weeks: not judged.")
    ] = 100,
) -> dict[str, Any]:
    """Messages per person-week against the response."""
    return _run(request, scope, lambda s: s.contact_frequency(cap=cap, min_weeks=min_weeks))


@router.get("/send-times")
def send_times(
    request: Request,
    scope: Scoped,
    by: str | None = None,
    min_messages: Annotated[
        int, Query(ge=1, le=100_000, description="Fewer: a person gets everyone's best hour.")
    ] = 5,
) -> dict[str, Any]:
    """Open and click rates by the hour messages went out."""
    return _run(request, scope, lambda s: s.send_times(by=by, min_messages=min_messages))


@router.get("/experience")
def experience(
    request: Request,
    scope: Scoped,
    churn_days: Annotated[float, Query(gt=0, le=3650)] = 90,
    purchase: Step = None,
    min_people: Annotated[int, Query(ge=1, le=1_000_000)] = 30,
) -> dict[str, Any]:
    """Good, neutral and bad experiences and what a bad one does."""
    options = {"churn_days": churn_days, "min_people": min_people}
    return _run(request, scope, lambda s: s.experience(purchase=step(purchase), **options))


@router.get("/retention")
def retention(
    request: Request,
    scope: Scoped,
    period: str = "month",
    active: Step = None,
    cohort: Step = None,
    by: str | None = None,
    returned: Annotated[
        str,
        Query(
            description="on: active in the period; on_or_after: in it or any later one"
            " (unbounded retention)."
        ),
    ] = "on",
    at_least: Annotated[
        int, Query(ge=1, le=10_000, description="Touchpoints in a period that make one active.")
    ] = 1,
    trend: Annotated[
        int | None,
        Query(ge=0, le=1_000, description="Also this period's retention, cohort by cohort."),
    ] = None,
) -> dict[str, Any]:
    """Cohort retention by week or month, with the rolling retention of all cohorts
    (``curve``) and, when asked, one period's retention cohort by cohort (``trend``)."""

    def ask(source: Any) -> _Parts:
        result = source.retention(
            period=period,
            active=step(active),
            cohort=step(cohort),
            by=by,
            returned=returned,
            at_least=at_least,
        )
        parts = {"curve": result.curve()}
        if trend is not None:
            parts["trend"] = result.trend(trend)
        return _Parts(result, parts)

    return _run(request, scope, ask)


class _Parts:
    """A result's JSON with more tables beside its own (each as records)."""

    def __init__(self, result: Any, tables: dict[str, Any]) -> None:
        self.result, self.tables = result, tables

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict() | {k: records(t) for k, t in self.tables.items()}


@router.get("/stickiness")
def stickiness(
    request: Request, scope: Scoped, period: str = "week", active: Step = None
) -> dict[str, Any]:
    """On how many days of a week (or month) people came, per period (``table``) and over
    the periods the data covers whole (``days``)."""
    return _run(request, scope, lambda s: s.stickiness(period=period, active=step(active)))


@router.get("/lifecycle")
def lifecycle(
    request: Request, scope: Scoped, period: str = "month", active: Step = None
) -> dict[str, Any]:
    """New, returning, resurrecting and dormant people per period."""
    return _run(request, scope, lambda s: s.lifecycle(period=period, active=step(active)))


class ValueModel:
    """The value model's parameters (BG/NBD and Gamma-Gamma), as in the Python API."""

    def __init__(
        self,
        horizon: Annotated[float, Query(gt=0, le=520, description="How far ahead, in units.")] = 52,
        unit_days: Annotated[
            float, Query(gt=0, le=366, description="Days in a unit (7: weeks).")
        ] = 7,
        as_of: Annotated[
            str | None,
            Query(description="End of the period the models learn from (default: latest)."),
        ] = None,
        purchase: Step = None,
    ) -> None:
        self.options = {
            "horizon": horizon,
            "unit_days": unit_days,
            "as_of": as_of,
            "purchase": step(purchase),
        }


Model = Annotated[ValueModel, Depends()]


@router.get("/value")
def value(request: Request, scope: Scoped, model: Model, by: str = "stage") -> dict[str, Any]:
    """Expected purchases and revenue per group (BG/NBD and Gamma-Gamma)."""
    return _run(request, scope, lambda s: s.value_by(by, **model.options))


@router.get("/customer-value")
def customer_value(request: Request, scope: Scoped, model: Model) -> dict[str, Any]:
    """Per buyer: P(alive), expected purchases and revenue (BG/NBD and Gamma-Gamma)."""
    return _run(request, scope, lambda s: s.customer_value(**model.options))


@router.get("/rfm")
def rfm(
    request: Request, scope: Scoped, purchase: Step = None, as_of: When = None
) -> dict[str, Any]:
    """RFM scores and segments per buyer."""
    return _run(request, scope, lambda s: s.rfm(purchase=step(purchase), as_of=as_of))


@router.get("/nps")
def nps(
    request: Request,
    scope: Scoped,
    period: str = "month",
    survey: Step = None,
    field: Annotated[
        str | None,
        Query(description="The property holding the 0-10 score (default: from roles: nps)."),
    ] = None,
) -> dict[str, Any]:
    """Net Promoter Score with its interval, per period."""
    answers = step(survey)
    return _run(request, scope, lambda s: s.nps(survey=answers, field=field, period=period))


@router.get("/reviews")
def reviews(
    request: Request,
    scope: Scoped,
    period: str = "month",
    review: Step = None,
    field: Annotated[
        str | None,
        Query(description="The property holding the stars (default: from roles: review)."),
    ] = None,
) -> dict[str, Any]:
    """Review ratings per period."""
    written = step(review)
    return _run(request, scope, lambda s: s.reviews(review=written, field=field, period=period))


@router.get("/referrals")
def referrals(
    request: Request,
    scope: Scoped,
    invite: Step = None,
    referrer: Annotated[
        str | None,
        Query(
            description="The property naming who referred a new person (default: from"
            " roles: referral)."
        ),
    ] = None,
    purchase: Step = None,
) -> dict[str, Any]:
    """Referral tree, K-factor and promoters."""
    options = {
        "invite": step(invite),
        "referrer": referrer,
        "purchase": step(purchase),
    }
    return _run(request, scope, lambda s: s.referrals(**options))


@router.get("/engagement")
def engagement(
    request: Request,
    scope: Scoped,
    threshold: Annotated[float, Query(gt=0, le=1)] = 0.5,
    engagement: Step = None,
    transactional: Step = None,
) -> dict[str, Any]:
    """Who follows content and who only transacts (``engagement``, ``transactional``: which
    touchpoints are which; defaults: the Engagement stage, and orders and the like)."""
    kinds = {"engagement": step(engagement), "transactional": step(transactional)}
    return _run(request, scope, lambda s: s.engagement_groups(threshold=threshold, **kinds))


@router.get("/clusters")
def clusters(
    request: Request, scope: Scoped, k: Annotated[int | None, Query(ge=1, le=20)] = None
) -> dict[str, Any]:
    """Behavioural clusters, described in words."""
    return _run(request, scope, lambda s: s.clusters(k=k))


@router.get("/check")
def check(request: Request, scope: Scoped) -> dict[str, Any]:
    """What jejak makes of the data: matches per stage rule and role, touchpoints that
    match nothing, answers that will be empty and why, suspicious data."""
    return _run(request, scope, lambda s: s.check())


@router.get("/identity-conflicts")
def identity_conflicts(request: Request, scope: Scoped) -> dict[str, Any]:
    """Anonymous ids claimed by several customers, and which customer got them."""
    return _run(request, scope, lambda s: s.identity_conflicts())


@router.get("/segments")
def segments(request: Request, scope: Scoped) -> dict[str, Any]:
    """Every saved segment and its people."""
    return _run(request, scope, lambda s: s.segments())


@router.get("/segments/{name}/audience")
def audience(request: Request, scope: Scoped, name: str) -> dict[str, Any]:
    """A segment's people, to export."""
    return _run(request, scope, lambda s: s.audience(name))


@router.get("/compare")
def compare(
    request: Request,
    scope: Scoped,
    a: Annotated[
        str,
        Query(
            description="A saved segment's name, or a group: people who had channel=social,"
            " stage:Convert, had:page_view...; first:channel=social for a first touch."
        ),
    ],
    b: Annotated[
        str, Query(description="Another segment or group, or rest: everyone not in a.")
    ] = "rest",
    what: Annotated[
        Literal["stages", "map", "paths", "journey"],
        Query(description="The stage funnel, the process map, paths or the journey map."),
    ] = "stages",
    goal: Step = None,
    top: Annotated[
        int | None,
        Query(ge=1, le=100, description="Paths (10) or touchpoints per stage (6) per side."),
    ] = None,
    min_count: Annotated[int, Query(ge=1)] = 1,
) -> dict[str, Any]:
    """Two segments or groups side by side: each share, the difference and its 95% interval."""
    return _run(
        request,
        scope,
        lambda s: s.compare(a, b).of(what, goal=step(goal), top=top, min_count=min_count),
    )


@router.get("/watch")
def watch(request: Request, as_of: When = None) -> Response:
    """The watch rules of jejak.yaml (``watch: rules:``) checked now: each rule's finding,
    whether it fired, its numbers and the dashboard view that shows it. Nothing is sent:
    ``jejak watch --notify`` and the server's schedule send."""
    from jejak import alerts

    require_key(request, "read")
    state = state_of(request)
    rules = state.workspace.settings.watch
    if not rules.rules:
        raise ConfigError(
            gettext(
                "no watch rules yet; write them under 'watch: rules:' in jejak.yaml"
                " (jejak init writes an example)"
            )
        )
    with state.reading() as source, state.workspace.reader() as stored:
        moment = source._zoned(as_of)
        found = alerts.check(source, rules, loads=stored.con, as_of=moment)
    return Response(json_text(found.to_dict()), media_type="application/json")


data_router = APIRouter(prefix="/v1/loads", tags=["data"])


@data_router.get("")
def loads(request: Request) -> dict[str, Any]:
    """Every load of the workspace: file or collector batch, when, rows read, stored,
    rejected, already stored (a server over Spark has none)."""
    require_key(request, "read")
    with state_of(request).workspace.reader() as ws:
        return {"loads": records(ws.loads().drop(columns="rejects_file"))}


@data_router.get("/rejected")
def rejected(
    request: Request,
    load: Annotated[int | None, Query(ge=1, description="Only this load's rows.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    """Rejected rows kept in the workspace, newest load first: the row (in the file, or
    the index in a collector batch), field, reason and the row as it came."""
    require_key(request, "read")
    with state_of(request).workspace.reader() as ws:
        return {"rejected": records(ws.rejected(load, limit=limit))}
