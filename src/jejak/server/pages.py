"""The dashboard's pages: each a title and the sections it shows.

A page is built from the same sections as the report (``jejak.report.html``), so the
dashboard, the report and the JSON API show the same numbers. A new analysis joins the
dashboard by adding a :class:`Page` to :data:`PAGES` (or sections to a page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jejak.analyses.comparison import REST, WHATS
from jejak.analyses.diagnosis import Noting
from jejak.analyses.journeys import JourneyAnalyses
from jejak.errors import JejakError
from jejak.language import N_, gettext, ngettext
from jejak.model.funnel import parse_step as step
from jejak.model.funnel import with_step_options
from jejak.report import formatting as fmt
from jejak.report import html as report
from jejak.report.html import Section
from jejak.report.html.funnels import (
    DEFAULT_WINDOW,
    default_steps,
    funnel_sections,
    step_driver_sections,
)

Params = Mapping[str, Any]  # query parameters: text, or a list for repeated ones (step)


@dataclass(frozen=True)
class Field:
    """A page's own parameter, shown in its form (e.g. the funnel's steps).

    ``kind``: ``text`` (``choices`` are suggestions), ``select`` (one of ``choices``),
    ``step`` (a touchpoint or stage, suggested from the data) or ``steps`` (a list of
    them, built one row per step). ``placeholder``: what an empty box shows (default:
    ``help``); ``blank``: what a select's empty choice says (default: "none");
    ``more``: shown under the form's "More options", open when one of them is set.
    """

    name: str
    label: str
    default: str = ""
    help: str = ""
    kind: str = "text"
    choices: tuple[str, ...] = ()
    placeholder: str = ""
    blank: str = ""
    more: bool = False


SPLITS = ("", "channel", "source", "medium", "campaign", "context", "need", "segment")
MESSAGE_GROUPS = ("campaign", "channel", "source", "medium", "segment")
SPEND_GROUPS = ("channel", "campaign", "source")  # what ad spend is loaded per
WINDOWS = ("1d", "7d", "14d", "30d", "90d")
# a select's choices are values the analyses take; the form shows them in words
CHOICE_WORDS = {
    "": N_("none"),
    "on": N_("in the period"),
    "on_or_after": N_("in it or later"),
    "channel": N_("channel"),
    "source": N_("source"),
    "medium": N_("medium"),
    "campaign": N_("campaign"),
    "context": N_("context"),
    "need": N_("need"),
    "segment": N_("segment"),
    "stage": N_("stage"),
    "ordered": N_("ordered"),
    "strict": N_("strict"),
    "any": N_("any"),
    "month": N_("month"),
    "week": N_("week"),
    "stages": N_("stage funnel"),
    "map": N_("process map"),
    "paths": N_("paths"),
    "journey": N_("journey map"),
    "exclude": N_("left out"),
    "include": N_("counted"),
}


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    build: Callable[[JourneyAnalyses, Params], list[Section]]
    fields: tuple[Field, ...] = field(default_factory=tuple)
    current: bool = False  # never shown on older data (what was loaded, rejected)


def _loads(number: int) -> str:
    return ngettext("{count} load", "{count} loads", number).format(count=fmt.people(number))


def _note(heading: str, text: str) -> list[Section]:
    return [Section(heading=heading, intro=text)]


def _goal(params: Params, source: JourneyAnalyses) -> Any:
    goal = params.get("goal") or ""
    if goal:
        return step(goal)
    names = source.journey.stage_names
    return {"stage": "Convert" if "Convert" in names else names[len(names) // 2]}


def overview(source: JourneyAnalyses, params: Params) -> list[Section]:
    funnel = source.stages()
    return (
        _watched(source)
        + report.key_number_sections(funnel)
        + report.stage_sections(funnel)
        + report.stuck_sections(source, funnel)
        + report.lifecycle_sections(source)
    )


def _watched(source: JourneyAnalyses) -> list[Section]:
    """The watch rules of the whole workspace, checked now (none: nothing shown)."""
    root = source.root() if hasattr(source, "root") else source
    if not root.settings.watch.rules:
        return []
    from jejak import alerts

    # the collector's rejections are in the workspace's loads (another engine has none)
    loads = getattr(root, "con", None)
    return report.watch_sections(alerts.check(root, root.settings.watch, loads=loads))


def journey_map(source: JourneyAnalyses, params: Params) -> list[Section]:
    return report.journey_map_sections(source.journey_map(by=params.get("by") or None))


def funnel_steps(source: JourneyAnalyses, params: Params) -> list[str]:
    """The funnel's steps: repeated ``step`` parameters (the builder), or ``steps``
    separated by commas; fewer than two: the journey's first four stages."""
    steps = [s.strip() for s in params.get("step") or [] if s.strip()]
    if not steps:
        steps = [s.strip() for s in (params.get("steps") or "").split(",") if s.strip()]
    if len(steps) < 2:
        steps = default_steps(source.journey.stage_names)
    return steps


def _listed(text: str | None) -> list[str]:
    """A box's values, separated by commas (a JSON rule, which may hold commas, is one)."""
    text = (text or "").strip()
    if text.startswith("{"):
        return [text]
    return [part.strip() for part in text.split(",") if part.strip()]


def _step_numbers(text: str | None) -> list[int]:
    """The optional steps' numbers, like ``2`` or ``2, 4``."""
    given = _listed(text)
    if not all(number.isdigit() for number in given):
        said = gettext("optional steps {text}: give the steps' numbers, like 2 or 2, 4")
        raise JejakError(said.format(text=repr(text)))
    return [int(number) for number in given]


def funnel_definition(
    source: JourneyAnalyses, params: Params
) -> tuple[list[str], list[Any], dict[str, Any]]:
    """The page's funnel as the library takes it: the steps as typed, the steps as
    definitions (with the page's optional, within and after, spelled as ``jejak funnel
    --optional 2 --within 3=2d --after 3=1h`` takes them) and the funnel's options
    (window, order, exclusions, open windows)."""
    steps = funnel_steps(source, params)
    cells = [step(s) for s in steps]
    optional = _step_numbers(params.get("optional"))
    within, after = _listed(params.get("step_within")), _listed(params.get("step_after"))
    if optional or within or after:
        cells = with_step_options(cells, optional, within, after)
    options = {
        "window": params.get("window") or DEFAULT_WINDOW,
        "order": params.get("order") or "ordered",
        "exclusions": [step(x) for x in _listed(params.get("exclude"))],
        "open_windows": params.get("open_windows") or None,
    }
    return steps, cells, options


def funnels(source: JourneyAnalyses, params: Params) -> list[Section]:
    steps, cells, options = funnel_definition(source, params)
    window, order = options["window"], options["order"]
    more = {"exclusions": options["exclusions"], "open_windows": options["open_windows"]}
    result = source.funnel(cells, by=params.get("by") or None, **options)
    zone = source.settings.timezone
    shown = funnel_sections(result, steps, window, cells, zone=zone, **more)
    drivers = (params.get("drivers") or "").strip()
    try:  # a step that cannot be asked about says why below the funnel
        if drivers and not drivers.isdigit():
            said = gettext("drivers of step {step}: give the step's number, like 2")
            raise JejakError(said.format(step=repr(drivers)))
        chosen = int(drivers) if drivers else None
        group = (params.get("drivers_for") or "").strip() or None
        found = step_driver_sections(source, result, cells, window, order, chosen, group, **more)
        return shown + found
    except JejakError as exc:
        return shown + _note(gettext("Drivers of step"), str(exc))


def paths(source: JourneyAnalyses, params: Params) -> list[Section]:
    goal = _goal(params, source)
    after = params.get("after") or ""
    anchor = step(after) if after else goal
    flows = source.paths(after=anchor, steps=5) if after else source.paths(before=goal)
    return (
        report.path_sections(flows, source.top_paths(goal, steps=4, limit=10))
        + report.path_node_sections(flows)
        + report.process_map_sections(source.process_map())
    )


def touchpoints(source: JourneyAnalyses, params: Params) -> list[Section]:
    goal = _goal(params, source)
    return (
        report.attribution_sections(source.attribution(goal))
        + report.touchpoint_sections(
            source.touchpoint_ratios(goal), source.touchpoint_effects(by="channel")
        )
        + report.driver_sections(source.drivers())
    )


def campaigns(source: JourneyAnalyses, params: Params) -> list[Section]:
    spend = report.spend_sections(source, by=params.get("spend_by") or "channel")
    return report.campaign_sections(source) + spend or _note(
        gettext("No campaigns yet"),
        gettext(
            "Define campaigns under 'campaigns:' in jejak.yaml (jejak init writes an example):"
            " a call to action, a traffic source, the transition it aims at, who was reached"
            " and who was held out."
        ),
    )


def contact(source: JourneyAnalyses, params: Params) -> list[Section]:
    return report.contact_sections(source, params.get("by") or "campaign") or _note(
        gettext("No messages yet"),
        gettext(
            "Load the touchpoints of what you send (email_sent, sms_sent, push_sent) and what"
            " people did with them (opens, clicks, unsubscribes)."
        ),
    )


def experience(source: JourneyAnalyses, params: Params) -> list[Section]:
    return report.experience_sections(source) or _note(
        gettext("No experience signals yet"),
        gettext(
            "Reviews, NPS or CSAT answers, support tickets and failed payments show here; the"
            " rules are under 'experience:' in jejak.yaml."
        ),
    )


def segments(source: JourneyAnalyses, params: Params) -> list[Section]:
    compared: list[Section] = []
    if params.get("compare"):  # two segments side by side, above the list of segments
        sides = source.compare(params["compare"], params.get("against") or REST)
        compared = report.comparison_sections(sides.of(params.get("what") or "stages"))
    return (
        compared
        + report.segment_sections(source)
        + report.cluster_sections(source)
        + report.engagement_sections(source)
        + report.rfm_sections(source)
    )


def _at_least(text: str | None) -> Any:
    """How many touchpoints make a period active: a whole number, or the text as given
    (the retention says what it takes)."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else (text or 1)


def retention(source: JourneyAnalyses, params: Params) -> list[Section]:
    by, period = params.get("by") or None, params.get("period") or "month"
    returned = params.get("returned") or "on"
    chosen = {name: (params.get(name) or "").strip() for name in ("active", "joined")}
    kept = report.retention_sections(
        source,
        by=by,
        period=period,
        returned=returned,
        active=step(chosen["active"]) if chosen["active"] else None,
        joined=step(chosen["joined"]) if chosen["joined"] else None,
        at_least=_at_least(params.get("at_least")),
    )
    return kept + report.lifecycle_sections(source) + report.stickiness_sections(source)


def value(source: JourneyAnalyses, params: Params) -> list[Section]:
    by = params.get("by")
    return report.value_sections(source, (by,) if by else ("stage", "channel"))


def advocacy(source: JourneyAnalyses, params: Params) -> list[Section]:
    return (
        report.nps_sections(source)
        + report.review_sections(source)
        + report.referral_sections(source)
    ) or _note(gettext("No advocacy yet"), gettext("NPS answers, reviews and referrals show here."))


LOAD_COLUMNS = (
    fmt.Column("load_id", N_("Load")),
    fmt.Column("file", N_("File or batch")),
    fmt.Column("loaded_at", N_("Loaded at"), fmt.timestamp),
    fmt.Column("rows_read", N_("Read"), fmt.people),
    fmt.Column("rows_stored", N_("Stored"), fmt.people),
    fmt.Column("rows_rejected", N_("Rejected"), fmt.people),
    fmt.Column("rows_repeated", N_("Repeated in it"), fmt.people),
    fmt.Column("rows_conflicting", N_("Conflicting ids"), fmt.people),
    fmt.Column("already_stored", N_("Already stored"), fmt.people),
)


def data(source: JourneyAnalyses, params: Params) -> list[Section]:
    import pandas as pd

    from jejak.model.touchpoint import FIELDS

    root = source.root() if hasattr(source, "root") else source
    sections = report.check_sections(source.check())
    if hasattr(root, "loads"):
        loads = root.loads()
        loads["already_stored"] = (
            loads["rows_read"]
            - loads["rows_stored"]
            - loads["rows_rejected"]
            - loads["rows_repeated"]
            - loads["rows_conflicting"]
        )
        sections.append(
            Section(
                heading=gettext("What was loaded"),
                intro=gettext(
                    "{touchpoints} touchpoints stored from {loads}. Each file or collector"
                    " batch: when, rows read, stored, rejected, repeated within it,"
                    " conflicting (an event_id taken by other content: not stored), and"
                    " already stored before (never stored twice)."
                ).format(touchpoints=fmt.people(root.count()), loads=_loads(len(loads))),
                table=loads,
                columns=LOAD_COLUMNS,
            )
        )
        rejected = root.rejected(limit=50)
        sections.append(
            Section(
                heading=gettext("Rejected rows"),
                intro=gettext(
                    "The latest rows that were not stored, with the field and the fix; 'row'"
                    " is the row in the file, or the event's index in a collector batch. Fix"
                    " them and load again: rows already stored are skipped."
                )
                if len(rejected)
                else gettext("No rows rejected: every row read was stored (or already stored)."),
                table=rejected if len(rejected) else None,
            )
        )
    else:
        sections.append(
            Section(
                heading=gettext("Where the touchpoints live"),
                intro=gettext(
                    "This server reads touchpoints from another engine ({engine}); they are"
                    " loaded there, not through jejak."
                ).format(engine=root.engine()),
            )
        )
    conflicts = root.identity_conflicts()
    claimed = int(conflicts.meta["count"])
    sections.append(
        Section(
            heading=gettext("Identities"),
            intro=ngettext(
                "{count} anonymous id claimed by more than one customer",
                "{count} anonymous ids claimed by more than one customer",
                claimed,
            ).format(count=fmt.people(claimed))
            + (gettext(" (each went to the customer shown).") if claimed else "."),
            table=conflicts.table.head(20) if claimed else None,
        )
    )
    schema = pd.DataFrame(
        [{"field": f.name, "type": f.sql_type, "meaning": f.help} for f in FIELDS]
    )
    sections.append(Section(heading=gettext("The touchpoint fields"), table=schema))
    return sections


GOAL_HELP = N_("a touchpoint or stage:NAME (default: Convert)")
PAGES: tuple[Page, ...] = (
    Page("overview", N_("Overview"), overview),
    Page(
        "journey-map",
        N_("Journey map"),
        journey_map,
        (
            Field(
                "by", N_("One map per"), "", N_("one map per first-touch value"), "select", SPLITS
            ),
        ),
    ),
    Page(
        "funnels",
        N_("Funnels"),
        funnels,
        (
            Field("steps", N_("Steps"), "", N_("touchpoints, stage:NAME or field=value"), "steps"),
            Field("window", N_("Window"), "30d", N_("e.g. 7d, 12h"), "text", WINDOWS),
            Field("order", N_("Order"), "ordered", "", "select", ("ordered", "strict", "any")),
            Field("by", N_("Split by"), "", N_("a field of step 1, or segment"), "select", SPLITS),
            Field(
                "drivers",
                N_("Drivers of step"),
                "",
                N_("what moves people on from this step (default: the biggest drop)"),
                placeholder=N_("the biggest drop"),
            ),
            Field(
                "drivers_for",
                N_("Drivers for"),
                "",
                N_(
                    "with a split: the group whose drivers show (default: the one that loses"
                    " the most people at the step)"
                ),
                placeholder=N_("the group losing most"),
            ),
            Field(
                "exclude",
                N_("Exclude"),
                "",
                N_(
                    "people who did this between the first and last step are left out;"
                    " several: separate with commas"
                ),
                "step",
                placeholder=N_("e.g. support_ticket"),
                more=True,
            ),
            Field(
                "open_windows",
                N_("Open windows"),
                "",
                N_(
                    "people who may still convert when the data ends: left out of the rates,"
                    " or counted as not converted yet; automatic: left out when a step has"
                    " options"
                ),
                "select",
                ("", "exclude", "include"),
                blank=N_("automatic"),
                more=True,
            ),
            Field(
                "optional",
                N_("Optional steps"),
                "",
                N_("steps people may skip, by number (not the first or the last)"),
                placeholder=N_("e.g. 2 or 2, 3"),
                more=True,
            ),
            Field(
                "step_within",
                N_("Step within"),
                "",
                N_(
                    "STEP=GAP: at most this long after the step before; several: separate"
                    " with commas"
                ),
                placeholder=N_("e.g. 3=2d"),
                more=True,
            ),
            Field(
                "step_after",
                N_("Step after at least"),
                "",
                N_(
                    "STEP=GAP: at least this long after the step before; several: separate"
                    " with commas"
                ),
                placeholder=N_("e.g. 3=1h"),
                more=True,
            ),
        ),
    ),
    Page(
        "paths",
        N_("Paths"),
        paths,
        (
            Field("goal", N_("Leading to"), "", GOAL_HELP, "step"),
            Field(
                "after",
                N_("Starting from"),
                "",
                N_("show where people went after this instead"),
                "step",
            ),
        ),
    ),
    Page(
        "touchpoints",
        N_("Touchpoints & attribution"),
        touchpoints,
        (Field("goal", N_("Goal"), "", GOAL_HELP, "step"),),
    ),
    Page(
        "campaigns",
        N_("Campaigns"),
        campaigns,
        (Field("spend_by", N_("Spend by"), "channel", "", "select", SPEND_GROUPS),),
    ),
    Page(
        "contact",
        N_("Contact & send time"),
        contact,
        (Field("by", N_("Messages by"), "campaign", "", "select", MESSAGE_GROUPS),),
    ),
    Page("experience", N_("Experience"), experience),
    Page(
        "segments",
        N_("Segments"),
        segments,
        (
            Field("compare", N_("Compare"), "", N_("a segment, or channel=social"), "text"),
            Field("against", N_("With"), REST, N_("another segment or group, or rest")),
            Field("what", N_("On"), "stages", "", "select", WHATS),
        ),
    ),
    Page(
        "retention",
        N_("Retention"),
        retention,
        (
            Field("by", N_("Per group"), "", N_("each group's own cohorts"), "select", SPLITS),
            Field("period", N_("Cohorts by"), "month", "", "select", ("month", "week")),
            Field(
                "returned",
                N_("Came back"),
                "on",
                N_("on or after: counted up to the last period they came back in"),
                "select",
                ("on", "on_or_after"),
            ),
            Field(
                "joined",
                N_("Joined at"),
                "",
                N_(
                    "a touchpoint or stage:NAME: their first one starts their cohort (default:"
                    " their first active one)"
                ),
                "step",
                placeholder=N_("first active one"),
                more=True,
            ),
            Field(
                "active",
                N_("Active with"),
                "",
                N_("a touchpoint or stage:NAME that makes them active (default: a purchase)"),
                "step",
                placeholder=N_("a purchase"),
                more=True,
            ),
            Field(
                "at_least",
                N_("At least"),
                "1",
                N_("times in a period that make them active in it"),
                placeholder="1",
                more=True,
            ),
        ),
    ),
    Page(
        "value",
        N_("Value"),
        value,
        (
            Field(
                "by",
                N_("Per"),
                "",
                N_("stage and channel by default"),
                "select",
                ("", "stage", *SPLITS[1:]),
            ),
        ),
    ),
    Page("advocacy", N_("Advocacy"), advocacy),
    Page("data", N_("Data"), data, current=True),
)
"""Every page, in the order of the navigation."""


def build(page: Page, source: JourneyAnalyses, params: Params) -> list[Section]:
    """The page's sections; an analysis that cannot run says why instead of failing."""
    noting = Noting(source)  # why an answer is empty shows at the top of the page
    try:
        sections = page.build(noting, params)
    except JejakError as exc:
        return _note(gettext("{page}: nothing to show").format(page=gettext(page.title)), str(exc))
    return report.noted(sections, noting.take(), gettext(page.title), noting.titles)
