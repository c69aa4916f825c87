"""Where a person's email address or phone number is held besides their ids: in the
personal properties of touchpoints, and in rejected rows kept as they were sent.

An erasure asked for an email or a phone (``jejak forget budi@example.com``,
``phone:0812-3456-7890``) looks for it there too (see :mod:`jejak.store.erasure`):

- a touchpoint whose email or phone property (``pii:``'s names of that kind, else
  ``email`` and ``phone``) holds it names its person, as its ids would: as written
  (compared normalised, as contact keys are) or hashed under the workspace's salt;
- a rejected row's record holds the number as a person would type it
  (``0812 3456 7890``, ``+62 812-3456-7890``, ``(0812) 34567890``), read with the
  workspace's ``phone_region`` by Google's libphonenumber (the ``phonenumbers``
  package), as contact keys are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from jejak.language import gettext, localised, ngettext
from jejak.model.config import Settings
from jejak.model.privacy import PersonalData
from jejak.store import members, personal
from jejak.store.contacts import e164
from jejak.store.prefixes import EMAIL_PREFIX, PHONE_PREFIX
from jejak.store.sources import quote

# what a bare id must look like to be read as a phone number too: a + or a leading 0,
# then digits and the separators people type (a customer id like 1042 is not a phone)
BARE_PHONE = re.compile(r"[+0][\d\s().-]{6,}\d")


@dataclass(frozen=True)
class Contact:
    """An email (trimmed, lower-cased) or a phone (E.164) someone asked about."""

    kind: str  # email or phone
    value: str

    @property
    def key(self) -> str:
        """Its contact key as stored without ``pii:`` (``email:...``, ``phone:+62...``)."""
        return (EMAIL_PREFIX if self.kind == "email" else PHONE_PREFIX) + self.value


@dataclass
class Held:
    """The touchpoints whose personal properties hold a contact: how many, in which
    properties, and the ids that name their people (a customer id, else the device)."""

    touchpoints: int = 0
    properties: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def note(self) -> str:
        """Where it was found, for the answer (no value: the answer may be logged)."""
        named = ", ".join(f"'{name}'" for name in self.properties)
        touchpoints = ngettext(
            "{count} touchpoint", "{count} touchpoints", self.touchpoints
        ).format(count=localised(f"{self.touchpoints:,}"))
        where = (
            gettext("found in the {names} property of {touchpoints}")
            if len(self.properties) == 1
            else gettext("found in the {names} properties of {touchpoints}")
        )
        return where.format(names=named, touchpoints=touchpoints)


def contact_of(given: str, region: str) -> Contact | None:
    """The email or phone an id names: ``email:...``, ``phone:...``, a bare address, or a
    bare number written with a + or a leading 0; None for other ids."""
    if given.startswith(EMAIL_PREFIX) or (not given.startswith(PHONE_PREFIX) and "@" in given):
        return Contact("email", given.removeprefix(EMAIL_PREFIX).strip().lower())
    if given.startswith(PHONE_PREFIX) or BARE_PHONE.fullmatch(given.strip()):
        number = e164(given.removeprefix(PHONE_PREFIX).strip(), region)
        return Contact("phone", number) if number else None
    return None


def key_forms(given: str, settings: Settings) -> list[str]:
    """The forms an id may be stored in besides itself: an email's or a phone's contact
    key as kept without ``pii:`` (a phone in E.164), and what ``pii:`` stores (hashed;
    ``settings`` salted)."""
    forms = personal.stored_forms(given, settings)
    contact = contact_of(given, settings.phone_region)
    if contact is not None:
        forms = [contact.key, *forms, *personal.stored_forms(contact.key, settings)]
    return [form for form in dict.fromkeys(forms) if form != given]


def _property_names(settings: Settings, kind: str) -> list[str]:
    names = (settings.pii or PersonalData()).names
    return [name for name, of in names.items() if of == kind]


def in_properties(con: duckdb.DuckDBPyConnection, contact: Contact, settings: Settings) -> Held:
    """The touchpoints whose email or phone properties hold ``contact``, as written or
    hashed (``settings`` salted)."""
    held = Held()
    hashed = personal.hash_text(contact.value, settings.pii) if settings.pii else None
    found: dict[int, tuple[str | None, str | None]] = {}
    for name in _property_names(settings, contact.kind):
        value = members.member_sql("properties", name)
        rows = con.execute(
            f"SELECT rowid, customer_id, anonymous_id, {value} FROM touchpoints"
            f" WHERE {value} IS NOT NULL AND ({_candidate_sql(value, contact)}"
            " OR coalesce(" + value + " = ?, false))",
            [hashed],
        ).fetchall()
        hits = [row for row in rows if row[3] == hashed or _same(row[3], contact, settings)]
        if hits:
            held.properties.append(name)
        found.update({rowid: (customer, anonymous) for rowid, customer, anonymous, _ in hits})
    held.touchpoints = len(found)
    # a touchpoint that names its customer stays with them; else its device says who
    held.ids = sorted({customer or anonymous for customer, anonymous in found.values()} - {None})
    return held


def _candidate_sql(value: str, contact: Contact) -> str:
    """SQL: whether the property ``value`` may be the contact as written (Python says)."""
    if contact.kind == "email":
        return f"lower(trim({value})) = {quote(contact.value)}"
    import phonenumbers  # only an erasure of a phone number needs it

    national = str(phonenumbers.parse(contact.value).national_number)
    return f"contains(regexp_replace({value}, '[^0-9]', '', 'g'), {quote(national)})"


def _same(written: str, contact: Contact, settings: Settings) -> bool:
    if contact.kind == "email":
        return written.strip().lower() == contact.value
    return e164(written.strip(), settings.phone_region) == contact.value


def phone_in(text: str, number: str, region: str) -> bool:
    """Whether ``text`` (a rejected row's record) holds the phone ``number`` (E.164)
    written in any way a person types it, read in ``region``."""
    import phonenumbers  # only an erasure of a phone number needs it

    e164_form = phonenumbers.PhoneNumberFormat.E164
    matches = phonenumbers.PhoneNumberMatcher(text, region)  # valid numbers only
    return any(phonenumbers.format_number(m.number, e164_form) == number for m in matches)


def rejected_with_phones(
    con: duckdb.DuckDBPyConnection, numbers: list[str], region: str
) -> list[int]:
    """Rowids of the rejected rows whose record holds one of the phone ``numbers``."""
    if not numbers:
        return []
    import phonenumbers  # only an erasure of a phone number needs it

    nationals = sorted({str(phonenumbers.parse(n).national_number) for n in numbers})
    rows = con.execute(
        "SELECT rowid, record FROM rejected_rows WHERE record IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM unnest(?) n(digits)"
        " WHERE contains(regexp_replace(record, '[^0-9]', '', 'g'), n.digits))",
        [nationals],
    ).fetchall()
    return [rowid for rowid, text in rows if any(phone_in(text, n, region) for n in numbers)]
