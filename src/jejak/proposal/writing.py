"""The proposal as a commented jejak.yaml: every guess with the reason for it, and what
could not be placed, in comments beside the settings they explain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from jejak.model.config import preset, settings_template
from jejak.model.contact import KINDS
from jejak.model.journey import Rule
from jejak.model.roles import EVENT_ROLES, ROLE_FIELDS

if TYPE_CHECKING:
    from jejak.proposal.files import FileProposal
    from jejak.proposal.settings import SettingsProposal

# where the shipped template's own documentation of the remaining keys starts
TEMPLATE_TAIL = "# Experience:"
NOT_PLACED_SHOWN = 30


def flow(value: object) -> str:
    """A YAML value on one line: 'a;b', [x, y], {events: [ulasan], rating: bintang}."""
    text = yaml.safe_dump(
        [value], default_flow_style=True, allow_unicode=True, width=10**6, sort_keys=False
    )
    return text.strip()[1:-1]


def quoted(mark: str) -> str:
    """A one-character setting in quotes, so that ';' and '.' read as what they are."""
    return '"\\t"' if mark == "\t" else "'" + mark.replace("'", "''") + "'"


def _comment(text: str, indent: str = "") -> list[str]:
    """``text`` as comment lines of at most ~88 characters."""
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(indent) + 2 + len(line) + 1 + len(word) > 88:
            lines.append(f"{indent}# {line}")
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(f"{indent}# {line}")
    return lines


def write(proposal: SettingsProposal) -> str:
    """The jejak.yaml text of a proposal."""
    files = " ".join(str(f.path) for f in proposal.files)
    out = [
        *_comment(
            f"jejak.yaml proposed by 'jejak init --from {files}': each setting below was"
            " guessed from the data, and the comment beside it says why. Check them, then"
            " jejak load (the same files) and jejak stages."
        ),
        "",
        "# The DuckDB file that holds your touchpoints (created on first load).",
        f"workspace: {flow(proposal.workspace)}",
        "",
        "# Time zone for times written without an offset (IANA name).",
        *_comment(proposal.timezone_why[:1].upper() + proposal.timezone_why[1:] + "."),
        f"timezone: {flow(proposal.timezone)}",
        "",
    ]
    out += _dialect(proposal.main)
    out += _columns(proposal)
    out += _differing(proposal)
    out += _problems(proposal)
    out += _roles(proposal)
    out += _journey(proposal)
    return "\n".join(out) + "\n"


def _dialect(main: FileProposal) -> list[str]:
    out = [f"# How {main.path.name} is written ({main.rows:,} rows, {main.fmt}):"]
    if main.encoding_why:
        out += _comment(main.encoding_why)
    out.append(f"encoding: {flow(main.encoding)}")
    if main.separator is not None:
        out.append("# the field separator, found by DuckDB's CSV sniffer")
        out.append(f"separator: {quoted(main.separator)}")
    if main.decimal is not None:
        out += _comment(main.marks_why or "")
        out.append(f"decimal: {quoted(main.decimal)}")
        out.append(f"thousands: {quoted(main.thousands or '')}")
    if main.idr:
        out.append("# amounts in Rupiah (Rp, IDR): their currency is IDR")
    times = main.times
    if times is not None:
        ts = main.guesses["ts"].column
        if times.ts_format:
            out += _comment(f"times in '{ts}' are written {times.why}")
            out.append(f"ts_format: {flow(times.ts_format)}")
        else:
            out += _comment(f"times in '{ts}': {times.why}; no ts_format needed")
    out.append("")
    return out


def _columns(proposal: SettingsProposal) -> list[str]:
    main = proposal.main
    setting = main.columns_setting()
    out = ["# Which column feeds each touchpoint field, from its name or its contents:"]
    width = max((len(f) + len(c) for f, c in setting.items()), default=0) + 4
    for name, guess in main.guesses.items():
        if name not in setting:
            out.append(f"#   {name}: {guess.why}")
    out.append("columns:" if setting else "columns: {}")
    for name, column in setting.items():
        pair = f"{name}: {flow(column)}"
        out.append(f"  {pair.ljust(width)}# {main.guesses[name].why}")
    extras = main.extras()
    if extras:
        out += _comment(f"kept in properties: {', '.join(extras)}")
    if main.other_ids:
        out += _comment(
            f"{', '.join(main.other_ids)} also hold ids (kept in properties); map one as"
            " anonymous_id if it is a device or cookie id, or event_id if each row has its own"
        )
    out.append("")
    return out


def _differing(proposal: SettingsProposal) -> list[str]:
    others = proposal.differing
    if not others:
        if len(proposal.files) > 1:
            names = ", ".join(f.path.name for f in proposal.files)
            return [f"# {names} share one shape: these settings read them all.", ""]
        return []
    main = proposal.main
    out = _comment(
        f"These files are written differently from {main.path.name}, so each is read by"
        " its own source: jejak load picks the source whose 'files' match a file's name"
        " (widen them to a pattern like \"pesanan_*.csv\" for later exports). 'ids' says"
        " which kind of id each column holds; people are joined across sources by"
        " customer id, email and phone number. A file of orders without an event column"
        " has every row a purchase ('constants'); a file of ids only (a customer list)"
        " links them (identities_only)."
    )
    out.append("sources:")
    purchase = next(iter(proposal.roles.names("purchase")), "order")
    for name, file in source_names(proposal.files).items():
        out.append(f"  {name}: {flow(file.as_source(purchase))}")
    out.append("")
    return out


def source_names(files: list[FileProposal]) -> dict[str, FileProposal]:
    """A source name per file, from its name (web_maret.csv: web_maret), each its own."""
    names: dict[str, FileProposal] = {}
    for file in files:
        stem = file.path.name.split(".")[0].lower()
        base = re.sub(r"[^a-z0-9_-]+", "_", stem).strip("_-") or "source"
        name, n = base, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names[name] = file
    return names


def _problems(proposal: SettingsProposal) -> list[str]:
    out = []
    for problem in proposal.problems:
        out += _comment(f"PROBLEM: {problem}")
    return [*out, ""] if out else []


def _roles(proposal: SettingsProposal) -> list[str]:
    roles = proposal.roles
    data = roles.settings()
    out = [
        "# Event roles, from your event names (counts over all the files); the journey's",
        "# stages and every analysis read these.",
        "roles:",
    ]
    if "purchase" not in data:
        out.append("  # no event looks like a purchase; name yours, e.g. purchase: [pesanan]")
    for role in [*EVENT_ROLES, "direct", "messages"]:
        if role not in data:
            continue
        if role == "messages":
            out.append("  messages:")
            for kind in KINDS:
                if kind in data["messages"]:
                    out += _placed(proposal, f"messages.{kind}", "    ")
                    out.append(f"    {kind}: {flow(data['messages'][kind])}")
            continue
        if role == "direct":
            counts = ", ".join(f"{s.name} ({s.touchpoints:,})" for s in roles.direct)
            out.append(f"  # channel values that mean direct: {counts}")
        else:
            out += _placed(proposal, role, "  ")
            if role == "shop_sent" and roles.names("messages.sent"):
                out.append("  # messages sent (below) are sent by the shop too")
        if role in ROLE_FIELDS and role in roles.fields:
            name, why = roles.fields[role]
            out.append(f"  # {name}: {why}")
        elif role in ROLE_FIELDS:
            out.append(f"  # no property looks like the {ROLE_FIELDS[role]}; name yours")
        out.append(f"  {role}: {flow(data[role])}")
    missing = [r for r in roles.missing() if r != "purchase"]
    if missing:
        out += _comment(
            f"none of your events looked like: {', '.join(missing)}; they keep jejak's"
            " default names (see jejak init without --from): add yours",
            "  ",
        )
    out += _not_placed(proposal)
    out.append("")
    return out


def _placed(proposal: SettingsProposal, role: str, indent: str) -> list[str]:
    return [
        f"{indent}# {p.seen.name}: {p.seen.counts()} ({p.match.why()})"
        for p in proposal.roles.roles.get(role, [])
    ]


def _not_placed(proposal: SettingsProposal) -> list[str]:
    roles = proposal.roles
    out = []
    for seen, meanings in roles.ambiguous:
        out += _comment(
            f"{seen.name} ({seen.counts()}) could be {' or '.join(meanings)}; place it by hand",
            "  ",
        )
    if roles.not_placed:
        shown = roles.not_placed[:NOT_PLACED_SHOWN]
        listed = ", ".join(f"{s.name} ({s.touchpoints:,})" for s in shown)
        more = len(roles.not_placed) - len(shown)
        listed += f" and {more:,} more" if more > 0 else ""
        out += _comment(f"not placed: {listed}", "  ")
        out.append("  # (they count toward the first stage; add them to a role if they are more)")
    return out


def _rule_text(rule: Rule, proposal: SettingsProposal, seen: set[str]) -> str | None:
    if rule.any:
        return "any touchpoint"
    settings = proposal.settings_roles
    if rule.role is None:
        names = [n for n in rule.event or [] if n in seen]
    else:
        names = [n for n in settings.events(rule.role) if n in seen]
    if not names:
        return None
    text = ", ".join(names)
    if rule.nth is not None:
        tests = dict(rule.nth.tests())
        text += " (a person's first)" if tests.get("eq") == 1 else " (second or later)"
    for key, condition in rule.where.items():
        name = settings.field(rule.role) if rule.role in ROLE_FIELDS else key
        for op, value in condition.tests():
            sign = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<", "eq": "=", "ne": "!="}
            text += f" with {name} {sign.get(op, op)} {value:g}"
    return text


def _journey(proposal: SettingsProposal) -> list[str]:
    journey = preset(proposal.journey)
    seen = {s.name for s in proposal.roles.all_seen}
    out = ["#", f"# With the roles above, people enter the stages of {proposal.journey} at:"]
    for stage in journey.stages:
        parts = [t for r in stage.rules if (t := _rule_text(r, proposal, seen))]
        reached = "; ".join(parts) if parts else "none of your events yet"
        out += _comment(f"{stage.name}: {reached}", "  ")
    template = settings_template(proposal.workspace, proposal.timezone, proposal.journey)
    start = template.find(TEMPLATE_TAIL)
    line = f"journey: {proposal.journey}\n"
    if start < 0 or line not in template:
        return [*out, line.rstrip("\n")]
    tail = template[start:].replace(line, "\n".join(out) + "\n" + line)
    return tail.rstrip("\n").splitlines()
