"""One file read to propose how to load it: its dialect, encoding, time format and which
column feeds each touchpoint field, from the column's name (English or Indonesian) or,
when the name says nothing, from what the column holds.

Reading goes through the loader's own doors (:func:`jejak.store.sources.opened` for the
format and encoding, DuckDB's CSV sniffer for the separator, :func:`amounts.detect` for
the decimal and thousands marks), so the proposal reads the file as ``jejak load`` will.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext
from jejak.model.config import DEFAULT_PHONE_REGION, Settings
from jejak.model.touchpoint import FIELD_NAMES, IDENTITY_FIELDS
from jejak.model.vocabulary import LANGUAGES, vocabulary
from jejak.proposal.times import Times, read_times
from jejak.store import amounts
from jejak.store.contacts import EMAIL_PATTERN, e164
from jejak.store.sources import describe, ident, opened, quote

TABLE = "_jejak_proposal"
ID = r"[A-Za-z0-9][A-Za-z0-9_\-.:@+]*"
WORD = r"[A-Za-z(][A-Za-z0-9_ ()\-]*"
NUMERIC = ("DOUBLE", "FLOAT", "DECIMAL", "REAL")
# written like a phone number: digits with spaces, dashes, dots or brackets, 9 digits at
# least (amounts and short ids are not numbers to dial)
PHONE_LIKE = re.compile(r"\+?[\d\s().-]+")
PHONE_DIGITS = 9


@dataclass(frozen=True)
class Guess:
    """A column proposed for a touchpoint field, and why."""

    column: str
    why: str
    by_name: bool  # the column's name said it (else its contents did)


@dataclass(frozen=True)
class Profile:
    """What a column holds, in counts of its non-empty values."""

    dtype: str
    filled: int
    distinct: int
    amounts: int
    money: int  # amounts written with a currency (Rp, IDR, $...)
    marked: int  # amounts written with a '.' or ','
    codes: int  # 3-letter upper-case codes (IDR, USD)
    ids: int  # one token with a digit or '@' (p1, 00123, ana@toko.id)
    objects: int  # JSON objects
    words: int  # one name (pembelian, kunjungi_halaman, Google Ads)
    small: int  # whole numbers of one or two digits (ratings, scores, quantities)


@dataclass
class FileProposal:
    """How to read one file; kept per file so it can become a ``sources:`` entry."""

    path: Path
    fmt: str
    rows: int
    columns: list[str]
    guesses: dict[str, Guess] = field(default_factory=dict)  # field -> column
    separator: str | None = None
    encoding: str = "utf-8"
    encoding_why: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    marks_why: str | None = None
    times: Times | None = None
    idr: bool = False  # amounts or currencies in Rupiah
    other_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    contacts: dict[str, str] = field(default_factory=dict)  # email/phone -> column

    @property
    def identities_only(self) -> bool:
        """A list of people (a CRM export): ids, but no times and no events."""
        ids = set(self.guesses) & {"customer_id", "anonymous_id"}
        return not {"ts", "event"} & set(self.guesses) and bool(ids or self.contacts)

    @property
    def purchases_only(self) -> bool:
        """An orders export: times and amounts, but no event column."""
        return "event" not in self.guesses and {"ts", "revenue"} <= set(self.guesses)

    def columns_setting(self) -> dict[str, str]:
        """``columns:`` for jejak.yaml: fields whose column has another name."""
        return {
            f: self.guesses[f].column
            for f in FIELD_NAMES
            if f in self.guesses and self.guesses[f].column != f
        }

    def reads_like(self, main: FileProposal) -> bool:
        """Whether the settings proposed for ``main`` read this file too: the same
        columns, and a separator, time format and amount marks that do not disagree
        (a sheet has no separator; time cells need no format; whole amounts no marks)."""
        if self.columns_setting() != main.columns_setting():
            return False
        if None not in (self.separator, main.separator) and self.separator != main.separator:
            return False
        mine, theirs = (f.times.ts_format if f.times else None for f in (self, main))
        if mine != theirs and not (self.times and self.times.kind == "typed"):
            return False
        return self.decimal is None or (self.decimal, self.thousands) == (
            main.decimal,
            main.thousands,
        )

    def extras(self) -> list[str]:
        """Columns kept in properties (not mapped to a field)."""
        used = {g.column for g in self.guesses.values()}
        return [c for c in self.columns if c not in used and not c.startswith("_jejak_")]

    def as_source(self, purchase: str = "order") -> dict:
        """The file's settings as its ``sources:`` entry: its file, columns, the kind of
        id each id column holds, and ``purchase`` as the event of an orders export."""
        entry: dict = {"files": self.path.name}
        ids = {f: self.guesses[f].column for f in IDENTITY_FIELDS if f in self.guesses}
        ids |= self.contacts
        if self.identities_only:
            return {**entry, "identities_only": True, "ids": ids, **self._reading()}
        columns = self.columns_setting()
        entry["columns"] = {f: c for f, c in columns.items() if f not in IDENTITY_FIELDS}
        if self.purchases_only:
            entry["constants"] = {"event": purchase}
        if ids:
            entry["ids"] = ids
        return {**entry, **self._reading()}

    def _reading(self) -> dict:
        entry = {}
        for key in ("separator", "decimal", "thousands"):
            if getattr(self, key) is not None:
                entry[key] = getattr(self, key)
        if self.times and self.times.ts_format:
            entry["ts_format"] = self.times.ts_format
        if self.encoding != "utf-8":
            entry["encoding"] = self.encoding
        return entry


def inspect(con: duckdb.DuckDBPyConnection, path: Path) -> FileProposal:
    """Read ``path`` and propose how to load it; it stays in the TABLE temp table."""
    path = Path(path)
    if not path.exists():
        raise LoadError.no_such_file(path)
    settings = Settings()
    with opened(con, path, settings) as source:
        types = describe(con, source, settings)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT * FROM {source.sql}")
        proposal = FileProposal(path, source.fmt, _rows(con), list(types))
        if source.fmt == "csv":
            proposal.separator = _sniffed_separator(con, source.read_path, source.encoding)
            proposal.encoding = source.codec
            if source.notes:
                proposal.encoding_why = source.notes[0]
    profiles = {c: _profile(con, c, t) for c, t in types.items() if not c.startswith("_jejak_")}
    _by_name(proposal, profiles)
    _contacts(con, proposal, profiles)
    contacts = set(proposal.contacts.values())
    _by_contents(con, proposal, {c: p for c, p in profiles.items() if c not in contacts})
    _orders_without_events(con, proposal, profiles)
    if proposal.identities_only:
        return proposal
    if "event" not in proposal.guesses and not proposal.purchases_only:
        said = gettext(
            "no column holds event names; name it in 'columns: {{event: your_column}}' (or,"
            " for a file of one kind of touchpoint, give its source 'constants: {{event:"
            " name}}')"
        )
        proposal.problems.append(said.format())
    if not {"customer_id", "anonymous_id"} & set(proposal.guesses) and not contacts:
        said = gettext(
            "no column holds the ids of people; name it in 'columns: {{customer_id: ...}}'"
        )
        proposal.problems.append(said.format())
    _times(con, proposal, profiles)
    _marks(con, proposal, profiles)
    return proposal


def _orders_without_events(
    con: duckdb.DuckDBPyConnection, proposal: FileProposal, profiles: dict[str, Profile]
) -> None:
    """An amount on every row and no column of known event names: an orders export, whose
    repeating words (a courier, a payment method) are properties, not events."""
    event, revenue = proposal.guesses.get("event"), proposal.guesses.get("revenue")
    if event is None or event.by_name or revenue is None:
        return
    if profiles[revenue.column].filled == proposal.rows and not _event_hits(con, event.column):
        del proposal.guesses["event"]


def _contacts(
    con: duckdb.DuckDBPyConnection, proposal: FileProposal, profiles: dict[str, Profile]
) -> None:
    """Columns of emails and of phone numbers (in region ID, or with a country code)."""
    for column in _free(proposal, profiles):
        values = _values(con, column)
        if not values:
            continue
        if "email" not in proposal.contacts and all(re.fullmatch(EMAIL_PATTERN, v) for v in values):
            proposal.contacts["email"] = column
        elif "phone" not in proposal.contacts and all(
            PHONE_LIKE.fullmatch(v)
            and sum(c.isdigit() for c in v) >= PHONE_DIGITS
            and e164(v, DEFAULT_PHONE_REGION)
            for v in values
        ):
            proposal.contacts["phone"] = column


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0]


def _sniffed_separator(con: duckdb.DuckDBPyConnection, path: Path, encoding: str) -> str:
    sql = f"SELECT Delimiter FROM sniff_csv({quote(str(path))}, encoding = {quote(encoding)})"
    return con.execute(sql).fetchall()[0][0]


def _profile(con: duckdb.DuckDBPyConnection, column: str, dtype: str) -> Profile:
    v = "v"
    amount = f"regexp_full_match(v, {quote(amounts.AMOUNT)})"
    counts = con.execute(
        f"SELECT count(v), count(DISTINCT v), count(*) FILTER ({amount}),"
        f" count(*) FILTER ({amount} AND regexp_matches(v, '[A-Za-z$€£]')),"
        f" count(*) FILTER ({amount} AND regexp_matches(v, '[.,]')),"
        f" count(*) FILTER (regexp_full_match(v, '[A-Z]{{3}}')),"
        f" count(*) FILTER (regexp_full_match(v, {quote(ID)}) AND regexp_matches(v, '[0-9@]')),"
        f" count(*) FILTER (starts_with(v, '{{') AND json_valid(v)),"
        f" count(*) FILTER (regexp_full_match(v, {quote(WORD)})),"
        f" count(*) FILTER (regexp_full_match(v, '\\d{{1,2}}'))"
        f" FROM (SELECT nullif(trim(CAST({ident(column)} AS VARCHAR)), '') AS {v} FROM {TABLE})"
    ).fetchall()[0]
    return Profile(dtype, *counts)


def _said(word_language: str, field_name: str, column: str) -> str:
    if column == field_name:
        return f"already named '{field_name}'"
    return f"'{column}' is {LANGUAGES[word_language]} for {field_name}"


def _by_name(proposal: FileProposal, profiles: dict[str, Profile]) -> None:
    """Each field takes the free column whose name is its earliest vocabulary word.

    Fields go in their schema order, so ``channel`` takes ``utm_medium`` before
    ``medium`` would, when there is no channel column (jejak's channel analyses read
    channel)."""
    words = vocabulary()
    taken: set[str] = set()
    for name in FIELD_NAMES:
        if name in profiles:  # the loader maps a column named like the field by itself
            found = [(-1, name, "en")]
        else:
            found = []
            for column in profiles:
                word = words.column(column)
                if word is not None and word.meaning == name and column not in taken:
                    found.append((word.rank, column, word.language))
        if found:
            _, column, language = min(found)
            proposal.guesses[name] = Guess(column, _said(language, name, column), by_name=True)
            taken.add(column)


def _free(proposal: FileProposal, profiles: dict[str, Profile]) -> dict[str, Profile]:
    used = {g.column for g in proposal.guesses.values()}
    return {c: p for c, p in profiles.items() if c not in used and p.filled}


def _take(proposal: FileProposal, name: str, column: str, why: str) -> None:
    proposal.guesses[name] = Guess(column, why, by_name=False)


def _by_contents(
    con: duckdb.DuckDBPyConnection, proposal: FileProposal, profiles: dict[str, Profile]
) -> None:
    """Fields no column name said, from what the free columns hold."""
    rows = proposal.rows
    if "ts" not in proposal.guesses:
        for column, profile in _free(proposal, profiles).items():
            times = read_times(con, TABLE, column, profile.dtype)
            if times is not None and times.problem is None:
                _take(proposal, "ts", column, f"every value is a time ({times.label})")
                break
    if "properties" not in proposal.guesses:
        for column, p in _free(proposal, profiles).items():
            if p.objects == p.filled:
                _take(proposal, "properties", column, "every value is a JSON object")
                break
    if "currency" not in proposal.guesses:
        for column, p in _free(proposal, profiles).items():
            if p.codes == p.filled and p.distinct <= 10:
                _take(proposal, "currency", column, "every value is a 3-letter currency code")
                break
    if "revenue" not in proposal.guesses:
        for column, p in _free(proposal, profiles).items():
            numbers = p.dtype.upper().startswith(NUMERIC)
            unique_ints = p.distinct == rows and p.marked == 0 and p.money == 0
            # plain whole numbers are amounts only when some rows have none (visits)
            shown = p.money or p.marked or numbers or p.filled < rows
            if (p.amounts == p.filled or numbers) and not unique_ints and shown:
                how = "with a currency" if p.money else "as numbers"
                _take(proposal, "revenue", column, f"every value is an amount ({how})")
                break
    channel_like = {c for c, p in _free(proposal, profiles).items() if _channels(con, c, p)}
    if "event" not in proposal.guesses:
        best = None
        for column, p in _free(proposal, profiles).items():
            if p.words == p.filled and p.distinct < p.filled and column not in channel_like:
                hits = _event_hits(con, column)
                key = (hits, p.distinct)
                if best is None or key > best[0]:
                    best = (key, column)
        if best is not None:
            (hits, _), column = best
            why = (
                f"{hits} of its values are event names jejak knows"
                if hits
                else "its values repeat and read as names"
            )
            _take(proposal, "event", column, why)
    if "channel" not in proposal.guesses:
        for column in _free(proposal, profiles):
            if column in channel_like:
                _take(proposal, "channel", column, "its values are channels (like direct, email)")
                break
    # ratings and quantities (5, 12) are digits too, but no column of ids is all that short
    ids = [c for c, p in _free(proposal, profiles).items() if p.ids == p.filled > p.small]
    person = [c for c in ids if profiles[c].distinct < profiles[c].filled]
    if "customer_id" not in proposal.guesses and "anonymous_id" not in proposal.guesses and person:
        column = min(person, key=lambda c: (rows - profiles[c].filled, person.index(c)))
        _take(proposal, "customer_id", column, "its values are ids, and they repeat")
        ids.remove(column)
    if "event_id" not in proposal.guesses:
        unique = [c for c in ids if profiles[c].distinct == rows]
        if unique:
            _take(proposal, "event_id", unique[0], "its values are ids, one per row")
            ids.remove(unique[0])
    proposal.other_ids = [c for c in ids if c in _free(proposal, profiles)]


def _values(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    rows = con.execute(
        f"SELECT DISTINCT trim(CAST({ident(column)} AS VARCHAR)) FROM {TABLE}"
        f" WHERE nullif(trim(CAST({ident(column)} AS VARCHAR)), '') IS NOT NULL LIMIT 1000"
    ).fetchall()
    return [r[0] for r in rows]


def _channels(con: duckdb.DuckDBPyConnection, column: str, profile: Profile) -> bool:
    if profile.words != profile.filled:
        return False
    values = _values(con, column)
    known = sum(vocabulary().is_channel(v) for v in values)
    return bool(values) and known * 2 >= len(values)


def _event_hits(con: duckdb.DuckDBPyConnection, column: str) -> int:
    words = vocabulary()
    return sum(words.event(v) is not None for v in _values(con, column))


def _times(con: duckdb.DuckDBPyConnection, proposal: FileProposal, profiles: dict) -> None:
    guess = proposal.guesses.get("ts")
    if guess is None:
        said = gettext("no column holds times; name the time column in 'columns: {{ts: ...}}'")
        proposal.problems.append(said.format())
        return
    times = read_times(con, TABLE, guess.column, profiles[guess.column].dtype)
    if times is None:
        said = gettext(
            "'{column}' (ts) holds values that are not times jejak can read; write them as"
            " ISO 8601 (2025-11-30T14:05:00+07:00), or set ts_format"
        )
        proposal.problems.append(said.format(column=guess.column))
        return
    proposal.times = times
    if times.problem:
        proposal.problems.append(f"'{guess.column}' (ts): {times.problem}")


def _marks(con: duckdb.DuckDBPyConnection, proposal: FileProposal, profiles: dict) -> None:
    """Decimal and thousands marks of a text revenue column, as the loader detects them."""
    guess = proposal.guesses.get("revenue")
    profile = profiles.get(guess.column) if guess else None
    currency = proposal.guesses.get("currency")
    if currency is not None:
        values = {v.upper() for v in _values(con, currency.column)}
        proposal.idr = "IDR" in values
    if profile is None or profile.dtype.upper() != "VARCHAR":
        return
    column = ident(guess.column)
    rupiah = con.execute(
        f"SELECT count(*) FROM {TABLE} WHERE regexp_matches(CAST({column} AS VARCHAR),"
        " '(?i)(^|[^a-z])(rp|idr)([^a-z]|$)')"
    ).fetchall()[0][0]
    proposal.idr = proposal.idr or rupiah > 0
    if not profile.marked:
        return
    try:
        marks = amounts.detect(con, TABLE, column, Settings(), proposal.path, proposal.separator)
    except LoadError as exc:
        proposal.problems.append(str(exc))
        return
    proposal.decimal, proposal.thousands = marks.decimal, marks.thousands
    examples = con.execute(
        f"SELECT list(v ORDER BY r)[:3] FROM (SELECT DISTINCT ON (v) v, r FROM (SELECT"
        f" trim(CAST({column} AS VARCHAR)) AS v, rowid + 1 AS r FROM {TABLE})"
        " WHERE regexp_matches(v, '[.,]') ORDER BY v, r)"
    ).fetchall()[0][0]
    shown = ", ".join(repr(e) for e in examples)
    proposal.marks_why = (
        f"amounts like {shown} in '{guess.column}': decimal '{marks.decimal}',"
        f" thousands '{marks.thousands}'"
    )
