"""The words shops use for jejak's fields and event roles, in English and Indonesian.

The words themselves are data, in ``vocabulary.yaml`` beside this module; this module
reads them and matches a column name, an event name or a channel value against them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

LANGUAGES = {"en": "English", "id": "Indonesian"}


def normal(name: str) -> str:
    """A name as the vocabulary writes it: lowercase, spaces, dashes, dots and slashes as
    '_' (``Tanggal Transaksi`` -> ``tanggal_transaksi``)."""
    return re.sub(r"[\s\-./]+", "_", name.strip().lower()).strip("_") or name.strip().lower()


@dataclass(frozen=True)
class Word:
    """A vocabulary word: what it names (a field, a role...), its language, its rank."""

    term: str
    meaning: str  # the field, role, message kind ('messages.opened') or property it names
    language: str  # en or id
    rank: int  # position in its list: earlier words are the usual ones


@dataclass(frozen=True)
class Match:
    """An event name found in the vocabulary: whole (``pembelian``) or by a word in it
    (``pembelian_online`` by ``pembelian``)."""

    name: str
    meaning: str
    word: Word
    whole: bool

    def why(self) -> str:
        how = "is" if self.whole else f"has the word '{self.word.term}',"
        return f"'{self.name}' {how} {LANGUAGES[self.word.language]} for {self.meaning}"


class Vocabulary:
    """The tables of ``vocabulary.yaml``, each as normalised term -> :class:`Word`."""

    def __init__(self, data: dict) -> None:
        self.columns = _table(data["columns"])
        self.events = _table(data["roles"]) | _table(data["messages"], prefix="messages.")
        self.fields = {name: _table({name: words}) for name, words in data["fields"].items()}
        self.direct = _table({"direct": data["channels"]["direct"]})
        self.channels = self.direct | _table({"other": data["channels"]["other"]})

    def column(self, name: str) -> Word | None:
        """The field a column name says, if any."""
        return self.columns.get(normal(name))

    def event(self, name: str) -> Match | list[Match] | None:
        """The role (or ``messages.KIND``) an event name says: the whole name, else the
        longest run of its words (``kirim_email_promo`` by ``kirim_email``). A list when
        words of the same length say different roles (``klik_produk``): ambiguous."""
        key = normal(name)
        if key in self.events:
            word = self.events[key]
            return Match(name, word.meaning, word, whole=True)
        parts = key.split("_")
        for size in range(len(parts) - 1, 0, -1):
            found = {}
            for start in range(len(parts) - size + 1):
                word = self.events.get("_".join(parts[start : start + size]))
                if word is not None:
                    found.setdefault(word.meaning, Match(name, word.meaning, word, whole=False))
            if len(found) == 1:
                return next(iter(found.values()))
            if found:
                return list(found.values())
        return None

    def field(self, role_field: str, names: list[str]) -> tuple[str, Word] | None:
        """Of the property ``names``, the one the vocabulary calls ``role_field`` (rating,
        score, referrer), earliest word first."""
        table = self.fields[role_field]
        found = [(table[normal(n)], n) for n in names if normal(n) in table]
        if not found:
            return None
        word, name = min(found, key=lambda pair: pair[0].rank)
        return name, word

    def is_direct(self, value: str) -> Word | None:
        return self.direct.get(normal(value))

    def is_channel(self, value: str) -> bool:
        return normal(value) in self.channels


def _table(section: dict, prefix: str = "") -> dict[str, Word]:
    words: dict[str, Word] = {}
    for meaning, languages in section.items():
        ranked = [(t, lang) for lang, terms in languages.items() for t in terms]
        # English and Indonesian words alternate in rank: neither language wins a tie
        order = {lang: i for i, lang in enumerate(languages)}
        ranked.sort(key=lambda p: (languages[p[1]].index(p[0]), order[p[1]]))
        for rank, (term, lang) in enumerate(ranked):
            words.setdefault(normal(str(term)), Word(str(term), prefix + meaning, lang, rank))
    return words


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary."""
    text = resources.files("jejak.model").joinpath("vocabulary.yaml").read_text("utf-8")
    return Vocabulary(yaml.safe_load(text))


@cache
def raw_vocabulary() -> dict:
    """``vocabulary.yaml`` as written (for tests and docs)."""
    text = resources.files("jejak.model").joinpath("vocabulary.yaml").read_text("utf-8")
    return yaml.safe_load(text)
