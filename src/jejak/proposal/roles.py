"""Event roles from the shop's own event names: ``pembelian`` is a purchase, ``ulasan`` a
review, ``email_dibuka`` an opened message; what no word places is listed, with counts,
so the user can place it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jejak.model.contact import KINDS
from jejak.model.roles import EVENT_ROLES, ROLE_FIELDS
from jejak.model.vocabulary import LANGUAGES, Match, vocabulary

# the vocabulary's word for each role field (ROLE_FIELDS: review -> rating...)
FIELD_DEFAULTS = {"review": "rating", "nps": "score", "referral": "referrer_id"}


@dataclass(frozen=True)
class Seen:
    """An event name (or channel value) in the data, with how often it occurs."""

    name: str
    touchpoints: int
    people: int | None = None  # None: the files name no person column

    def counts(self) -> str:
        people = ""
        if self.people is not None:
            people = f", {self.people:,} {'person' if self.people == 1 else 'people'}"
        return f"{self.touchpoints:,} touchpoint{'s' * (self.touchpoints != 1)}{people}"


@dataclass(frozen=True)
class Placed:
    seen: Seen
    match: Match


@dataclass
class RoleProposal:
    """Roles proposed from the data, and what could not be placed."""

    roles: dict[str, list[Placed]] = field(default_factory=dict)  # role or messages.KIND
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (name, why)
    direct: list[Seen] = field(default_factory=list)
    not_placed: list[Seen] = field(default_factory=list)
    ambiguous: list[tuple[Seen, list[str]]] = field(default_factory=list)
    indonesian: bool = False  # some event name is an Indonesian word
    all_seen: list[Seen] = field(default_factory=list)  # every event name, most frequent first

    def names(self, role: str) -> list[str]:
        return [p.seen.name for p in self.roles.get(role, [])]

    def settings(self) -> dict:
        """``roles:`` as jejak.yaml holds it (see :class:`~jejak.model.roles.Roles`).

        Only roles some event was placed in are written; the others keep jejak's default
        names (an empty role would leave analyses that read it with nothing to ask for).
        """
        data: dict = {}
        for role in EVENT_ROLES:
            names = self.names(role)
            if role == "shop_sent":
                names = names + [n for n in self.names("messages.sent") if n not in names]
            if not names:
                continue
            if role in ROLE_FIELDS:
                key = "referrer" if role == "referral" else ROLE_FIELDS[role]
                value = self.fields.get(role, (FIELD_DEFAULTS[role], ""))[0]
                data[role] = {"events": names, key: value}
            else:
                data[role] = names
        if self.direct:
            data["direct"] = [s.name for s in self.direct]
        messages = {k: self.names(f"messages.{k}") for k in KINDS}
        if any(messages.values()):
            data["messages"] = {k: names for k, names in messages.items() if names}
        return data

    def missing(self) -> list[str]:
        """Roles none of the events was placed in (they keep their default names)."""
        data = self.settings()
        return [r for r in EVENT_ROLES if r not in data]


def propose_roles(events: list[Seen], channels: list[Seen], properties: list[str]) -> RoleProposal:
    """Place each event name in a role (see :meth:`Vocabulary.event`), find the property
    holding review stars, NPS scores and referrers, and the channel values that mean
    direct. ``events`` and ``channels`` come most frequent first."""
    words = vocabulary()
    proposal = RoleProposal(all_seen=list(events))
    for seen in events:
        found = words.event(seen.name)
        if found is None:
            proposal.not_placed.append(seen)
        elif isinstance(found, list):
            proposal.ambiguous.append((seen, sorted(m.meaning for m in found)))
        else:
            proposal.roles.setdefault(found.meaning, []).append(Placed(seen, found))
            proposal.indonesian |= found.word.language == "id"
    for role, role_field in (("review", "rating"), ("nps", "score"), ("referral", "referrer")):
        found = words.field(role_field, properties)
        if found is not None:
            name, word = found
            language = LANGUAGES[word.language]
            proposal.fields[role] = (name, f"'{name}' is {language} for the {role_field}")
    proposal.direct = [s for s in channels if words.is_direct(s.name)]
    return proposal
