"""Why an answer is empty, in words, and what to set: no analysis stays silent.

An analysis whose input is empty or degenerate (no purchase, no review, a stage funnel
that stops at its first stage) gets ``meta["warnings"]``: sentences that name the role or
setting involved, the shop's most frequent touchpoints, and the fix. Every face shows
them: the CLI prints them, the API returns them, the report and dashboard show them
where the chart would be.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import ibis

from jejak.analyses.result import Result
from jejak.language import N_, gettext, localised
from jejak.model.roles import ROLE_FIELDS, Roles


@dataclass(frozen=True)
class RoleUse:
    """What a role means to the faces: how its touchpoints are named in a sentence, which
    answers are empty without it, and whether that makes the journey itself wrong."""

    words: str  # marked for the catalogue: shown through gettext
    needed_by: str = ""
    essential: bool = False  # without it stages and values are wrong: 'jejak check' says fix


ROLE_USES = {
    "purchase": RoleUse(
        N_("a purchase"), N_("customer value, RFM, buyers' retention, Convert and Ascend"), True
    ),
    "refund": RoleUse(N_("a refund")),
    "signup": RoleUse(N_("a sign-up")),
    "subscribe": RoleUse(N_("a subscription")),
    "trial": RoleUse(N_("a trial")),
    "content": RoleUse(
        N_("content (engagement)"), N_("engagement groups and the Engagement stage")
    ),
    "transactional": RoleUse(N_("transactional (product, cart, checkout)")),
    "comparison": RoleUse(N_("a comparison")),
    "activation": RoleUse(N_("an activation (onboarding)")),
    "upsell": RoleUse(N_("an upsell")),
    "review": RoleUse(N_("a review"), N_("reviews and the Advocate stage")),
    "nps": RoleUse(N_("an NPS answer"), N_("NPS")),
    "referral": RoleUse(N_("a referral invite"), N_("referrals and the Promote stage")),
    "sharing": RoleUse(N_("a share")),
    "testimonial": RoleUse(N_("a testimonial")),
    "shop_sent": RoleUse(N_("sent by the shop")),
}
TOP = 5


def top_events(events: ibis.Table, limit: int = TOP) -> list[tuple[str, int]]:
    """The most frequent touchpoint names, with their counts."""
    counts = events.group_by("event").aggregate(n=events.count())
    frame = counts.order_by([ibis.desc("n"), "event"]).limit(limit).to_pandas()
    return [(str(e), int(n)) for e, n in zip(frame["event"], frame["n"], strict=True)]


def listed(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{name} ({localised(f'{count:,}')})" for name, count in pairs) or gettext(
        "none yet"
    )


def count_of(events: ibis.Table, names: list[str]) -> int:
    """Touchpoints with one of these names."""
    return int(events.filter(events.event.isin(names)).count().to_pyarrow().as_py() or 0)


def missing_roles(events: ibis.Table, roles: Roles, wanted: list[str]) -> list[str]:
    """A sentence for each role of ``wanted`` (or ``messages``: messages sent) that no
    touchpoint has; one query counts them all, one more finds the shop's own words."""
    named = {
        role: list(roles.messages.sent) if role == "messages" else roles.events(role)
        for role in wanted
    }
    if not named:
        return []
    counts = events.aggregate(
        **{f"n{i}": events.count(where=events.event.isin(n)) for i, n in enumerate(named.values())}
    ).to_pandas()
    empty = [role for i, role in enumerate(named) if not int(counts[f"n{i}"].iloc[0] or 0)]
    if not empty:
        return []
    top = listed(top_events(events))
    sentences = []
    for role in empty:
        words = gettext("a message sent") if role == "messages" else gettext(ROLE_USES[role].words)
        setting = "messages: sent" if role == "messages" else role
        sentences.append(
            gettext(
                "no touchpoint is {words} ({setting} = {names}); your most frequent events"
                " are {top}. Name yours under 'roles: {setting}:' in jejak.yaml ('jejak"
                " check' shows what each role matches)"
            ).format(words=words, setting=setting, names=", ".join(named[role]), top=top)
        )
    return sentences


def missing_field(events: ibis.Table, roles: Roles, role: str) -> str | None:
    """A sentence when the role's touchpoints exist but none carries its property."""
    from jejak.engine.functions import json_field

    names, field = roles.events(role), roles.field(role)
    hits = events.filter(events.event.isin(names))
    valued = hits.filter(json_field(hits.properties, field).notnull())
    if not count_of(events, names) or valued.count().to_pyarrow().as_py():
        return None
    keys = _property_keys(hits)
    return gettext(
        "the {role} touchpoints ({names}) carry no '{field}' property (their properties:"
        " {keys}); name the one that holds the value under 'roles: {role}: {{{setting}:"
        " ...}}' in jejak.yaml"
    ).format(
        role=role,
        names=", ".join(names),
        field=field,
        keys=", ".join(keys) or gettext("none"),
        setting=ROLE_FIELDS[role],
    )


def _property_keys(touchpoints: ibis.Table) -> list[str]:
    import json

    sample = touchpoints.select("properties").limit(200).to_pandas()["properties"]
    keys: dict[str, None] = {}
    for text in sample.dropna():
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            continue
        if isinstance(value, dict):
            keys.update(dict.fromkeys(value))
    return list(keys)


def warn(result: Result, *sentences: str | None) -> Result:
    """Add the sentences that are not None to ``meta["warnings"]``."""
    found = [s for s in sentences if s]
    if found:
        known = result.meta.setdefault("warnings", [])
        known.extend(s for s in found if s not in known)
    return result


def warnings_of(result: Any) -> list[str]:
    """The warnings of a result (none for anything else)."""
    meta = getattr(result, "meta", None)
    return list(meta.get("warnings", [])) if isinstance(meta, dict) else []


class Noting:
    """A source whose answers' warnings are gathered in ``notes``, for the faces that show
    them beside the answer (the CLI, the report, the dashboard). Parts of it (a date
    range, a segment) gather into the same notes."""

    def __init__(self, source: Any, notes: list[str] | None = None) -> None:
        self._source = source
        self.notes: list[str] = [] if notes is None else notes
        self.titles: dict[str, list[str]] = {}  # note -> titles of the answers giving it

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._source, name)
        if not callable(value) or isinstance(value, type):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            if hasattr(result, "touchpoints") and hasattr(result, "stages"):
                part = Noting(result, self.notes)
                part.titles = self.titles
                return part
            for note in warnings_of(result):
                if note not in self.notes:
                    self.notes.append(note)
                self.titles.setdefault(note, []).append(getattr(result, "title", ""))
            return result

        return call

    def take(self) -> list[str]:
        """The notes gathered so far, emptying them."""
        taken = list(self.notes)
        self.notes.clear()
        return taken
