"""What jejak will make of the data: which touchpoints each stage rule and role matched,
what matched nothing, which analyses will come out empty, and what looks suspicious.

Definitions:
- *Matched* counts touchpoints and distinct people per stage rule and per event role.
- *Not placed*: touchpoint names in no role and named by no stage rule (Awareness'
  ``any: true`` aside), most frequent first.
- *Findings*, each with a level: ``fix`` (an answer will be empty or wrong until a
  setting changes), ``warn`` (suspicious data), ``info``. Suspicious: clicks by people
  who never opened a message, one person holding a large share of the touchpoints
  (a test account or a bot), times in the future, revenue on touchpoints that are not
  purchases, event ids loaded twice with different content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import ibis
import pandas as pd

from jejak import language
from jejak.analyses.diagnosis import ROLE_USES, listed
from jejak.analyses.matching import rule_matches, with_properties
from jejak.analyses.result import Result, records
from jejak.language import N_, gettext, localised, ngettext
from jejak.model.config import Settings
from jejak.model.journey import Journey, describe_rules
from jejak.model.roles import EVENT_ROLES

KINDS = (N_("stage"), N_("role"))  # what a row of the table is, shown in words
BIG_SHARE = 0.05  # one person with more of the touchpoints than this is suspicious
MIN_PEOPLE = 20  # ... among at least this many people


@dataclass
class DataCheck(Result):
    """``table``: one row per stage rule and per role: kind (stage or role), name, rule
    (in words), touchpoints, people. ``unplaced``: event, touchpoints, people.
    ``findings``: level (fix, warn, info), topic, message."""

    unplaced: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def needs_fixing(self) -> bool:
        """Whether a finding says a setting must change for an answer to be right."""
        return bool(len(self.findings)) and (self.findings["level"] == "fix").any()

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["unplaced"] = records(self.unplaced)
        data["findings"] = records(self.findings)
        return data


def check(
    events: ibis.Table,
    journey: Journey,
    settings: Settings,
    *,
    conflicting_rows: int = 0,
    now: datetime | None = None,
) -> DataCheck:
    """See the module's definitions. ``conflicting_rows``: rows the loads refused because
    their event_id was taken by other content (the workspace counts them)."""
    roles = settings.roles
    now = now or datetime.now(UTC)
    per_event = events.group_by("event").aggregate(
        touchpoints=events.count(), people=events.person_id.nunique()
    )
    per_event = per_event.to_pandas().sort_values(["touchpoints", "event"], ascending=[False, True])
    marked = with_properties(events, journey.stages)
    hits: dict[str, ibis.Value] = {}  # per key, the touchpoints it counts
    rows = []
    for s, stage in enumerate(journey.stages):
        for r, rule in enumerate(stage.rules):
            hits[f"s{s}_{r}"] = rule_matches(marked, rule)
            rows.append(
                (
                    "stage",
                    stage.name,
                    describe_rules(stage.model_copy(update={"rules": [rule]})),
                    f"s{s}_{r}",
                )
            )
    message_names = sorted({n for n in roles.messages.kind_of()})
    for role in EVENT_ROLES:
        hits[f"role_{role}"] = marked.event.isin(roles.events(role))
        rows.append(("role", role, ", ".join(roles.events(role)), f"role_{role}"))
    for kind in ("sent", "opened", "clicked"):
        hits[f"msg_{kind}"] = marked.event.isin(list(getattr(roles.messages, kind)))
        names = ", ".join(getattr(roles.messages, kind))
        rows.append(("role", f"messages: {kind}", names, f"msg_{kind}"))  # as set in YAML
    hits["_future"] = marked.ts > ibis.literal(now, "timestamp('UTC')")
    found = _counted(marked, hits)
    table = pd.DataFrame(
        [
            {
                "kind": kind,
                "name": name,
                "rule": rule,
                "touchpoints": int(found[key]),
                "people": int(found[key + "_people"]),
            }
            for kind, name, rule, key in rows
        ],
        columns=["kind", "name", "rule", "touchpoints", "people"],
    )
    named = {n for role in EVENT_ROLES for n in roles.events(role)} | set(message_names)
    named |= {n for stage in journey.stages for rule in stage.rules for n in rule.event or []}
    unplaced = per_event[~per_event["event"].isin(named)].reset_index(drop=True)
    total = int(found["_all"])
    findings: list[dict[str, str]] = []

    def say(level: str, topic: str, message: str) -> None:
        findings.append({"level": level, "topic": topic, "message": message})

    top = listed(list(zip(unplaced["event"], unplaced["touchpoints"], strict=True))[:5])
    if not total:
        say("fix", "data", gettext("no touchpoints yet: load a file (jejak load FILE)"))
    later = [
        int(found[f"s{s}_{r}"])
        for s in range(1, len(journey.stages))
        for r in range(len(journey.stages[s].rules))
    ]
    if total and not sum(later):
        say(
            "fix",
            "journey",
            gettext(
                "no touchpoint matched a rule past {stage}, so the stage funnel stops there."
                " Touchpoints not placed: {top}. Name them under 'roles:' in jejak.yaml"
            ).format(stage=language.stage(journey.stages[0].name), top=top),
        )
    for s, stage in enumerate(journey.stages[1:], start=1):
        if (
            total
            and sum(later)
            and not sum(int(found[f"s{s}_{r}"]) for r in range(len(stage.rules)))
        ):
            say(
                "info",
                "journey",
                gettext(
                    "nobody entered {stage} ({rules}); people who reach a later stage are"
                    " counted as skipping it"
                ).format(stage=language.stage(stage.name), rules=describe_rules(stage)),
            )
    for role, use in ROLE_USES.items():
        if use.needed_by and total and not int(found[f"role_{role}"]):
            say(
                "fix" if use.essential else "warn",
                f"role {role}",
                gettext(
                    "no touchpoint is {words} ({role} = {names}), so {needed_by} will be"
                    " empty. Not placed: {top}"
                ).format(
                    words=gettext(use.words),
                    role=role,
                    names=", ".join(roles.events(role)),
                    needed_by=gettext(use.needed_by),
                    top=top,
                ),
            )
    if total and not int(found["msg_sent"]):
        say(
            "warn",
            "role messages",
            gettext(
                "no touchpoint is a message sent (messages: sent = {names}), so contact, send"
                " times and fatigue will be empty"
            ).format(names=", ".join(roles.messages.sent)),
        )
    buyers = int(found["role_purchase_people"])
    if buyers == 1:
        say("warn", "role purchase", gettext("one buyer only: customer value needs at least two"))
    if not settings.campaigns:
        say(
            "info",
            "campaigns",
            gettext("no campaigns defined: add them under 'campaigns:' in jejak.yaml"),
        )
    _suspicious(events, roles, found, total, now, conflicting_rows, say)
    findings_table = pd.DataFrame(findings, columns=["level", "topic", "message"])
    order = {"fix": 0, "warn": 1, "info": 2}
    findings_table = findings_table.sort_values(
        "level", key=lambda v: v.map(order), kind="stable"
    ).reset_index(drop=True)
    meta = {
        "touchpoints": total,
        "people": int(found["_people"]),
        "journey": journey.name,
        "fix": int((findings_table["level"] == "fix").sum()),
        # the stages any touchpoint counts in (touchpoints no rule names count there)
        "open_stages": [s.name for s in journey.stages if any(r.any for r in s.rules)],
    }
    return DataCheck(
        title=gettext("What jejak makes of the data"),
        table=table,
        meta=meta,
        unplaced=unplaced,
        findings=findings_table,
    )


def _counted(marked: ibis.Table, hits: dict[str, ibis.Value]) -> pd.Series:
    """Touchpoints (``key``) and people (``key_people``) each hit counts, ``_all`` and
    ``_people`` in all: per person first, then over people, so the people are counted
    once, not once per key (each a distinct count of its own)."""
    per_person = marked.group_by("person_id").aggregate(
        _all=marked.count(), **{key: marked.count(where=hit) for key, hit in hits.items()}
    )
    known = per_person.person_id.notnull()  # a distinct count leaves NULL out
    counts = {"_all": per_person._all.sum().fill_null(0), "_people": per_person.count(where=known)}
    for key in hits:
        counts[key] = per_person[key].sum().fill_null(0)
        counts[f"{key}_people"] = per_person.count(where=known & (per_person[key] > 0))
    return per_person.aggregate(**counts).to_pandas().iloc[0]


def _suspicious(events, roles, found, total, now, conflicting_rows, say) -> None:
    """Findings about the data itself (see the module's definitions)."""
    if not total:
        return
    clicks, opens = int(found["msg_clicked"]), int(found["msg_opened"])
    if clicks:
        clicked = events.filter(events.event.isin(list(roles.messages.clicked)))
        opened = events.filter(events.event.isin(list(roles.messages.opened)))
        blind = clicked.anti_join(opened.select("person_id").distinct(), "person_id")
        people = int(blind.person_id.nunique().to_pyarrow().as_py() or 0)
        if not opens:
            say(
                "warn",
                "messages",
                ngettext(
                    "{count} click and no open: opens are not tracked, or named otherwise"
                    " (messages: opened = {names})",
                    "{count} clicks and no open: opens are not tracked, or named otherwise"
                    " (messages: opened = {names})",
                    clicks,
                ).format(count=localised(f"{clicks:,}"), names=", ".join(roles.messages.opened)),
            )
        elif people:
            say(
                "warn",
                "messages",
                ngettext(
                    "{count} person clicked a message and never opened one: opens may be"
                    " tracked only in part (images blocked), or named otherwise",
                    "{count} people clicked a message and never opened one: opens may be"
                    " tracked only in part (images blocked), or named otherwise",
                    people,
                ).format(count=localised(f"{people:,}")),
            )
    heavy = (
        events.group_by("person_id")
        .aggregate(n=events.count())
        .order_by(ibis.desc("n"))
        .limit(1)
        .to_pandas()
    )
    people = int(found["_people"])
    if len(heavy) and people >= MIN_PEOPLE and heavy["n"].iloc[0] > BIG_SHARE * total:
        share = heavy["n"].iloc[0] / total
        say(
            "warn",
            "people",
            gettext(
                "{person} has {share} of all touchpoints: a test account, a shared device or"
                " a bot? Leave them out with --only / segments"
            ).format(person=heavy["person_id"].iloc[0], share=localised(f"{share:.0%}")),
        )
    if int(found["_future"]):
        say(
            "warn",
            "time",
            ngettext(
                "{count} touchpoint is in the future: check the time zone",
                "{count} touchpoints are in the future: check the time zone",
                int(found["_future"]),
            ).format(count=localised(f"{int(found['_future']):,}")),
        )
    if "revenue" in events.columns:
        paid = events.filter(
            events.revenue.notnull()
            & (events.revenue != 0)
            & ~events.event.isin([*roles.purchase, *roles.refund])
        )
        names = paid.group_by("event").aggregate(n=paid.count()).order_by(ibis.desc("n"))
        names = names.limit(3).to_pandas()
        if len(names):
            listed_names = listed(list(zip(names["event"], names["n"], strict=True)))
            say(
                "warn",
                "role purchase",
                gettext(
                    "revenue on touchpoints that are not purchases: {names}. If they are"
                    " purchases, name them under 'roles: purchase:'"
                ).format(names=listed_names),
            )
    if conflicting_rows:
        say(
            "warn",
            "loads",
            ngettext(
                "{count} row was not stored: its event_id was already taken by other content"
                " (jejak loads --rejected shows them)",
                "{count} rows were not stored: their event_id was already taken by other"
                " content (jejak loads --rejected shows them)",
                conflicting_rows,
            ).format(count=localised(f"{conflicting_rows:,}")),
        )
