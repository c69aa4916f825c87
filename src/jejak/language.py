"""The language people read jejak in: English, the default, or Bahasa Indonesia.

Every word a person reads (a table header, a message, a chart label, a page heading) is
written in English in the code and looked up in a message catalogue when shown:
``src/jejak/locale/<language>/LC_MESSAGES/jejak.po``, a gettext file a translator edits
without touching code (Poedit, or any text editor). ``make catalogue`` adds the messages
the code gained since.

The language is chosen per context (a CLI run, a server request), so two requests of one
server can be answered in two languages. Words fixed when a module is imported are
marked with :func:`N_` and translated where they are shown.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path

DEFAULT = "en"
LANGUAGES = {"en": "English", "id": "Bahasa Indonesia"}
DOMAIN = "jejak"
CATALOGUES = Path(__file__).parent / "locale"

_chosen: ContextVar[str] = ContextVar("jejak_language", default=DEFAULT)
_stage_names: ContextVar[str] = ContextVar("jejak_stage_names", default="local")


def current() -> str:
    """The language of this context: ``en`` or ``id``."""
    return _chosen.get()


def checked(language: str) -> str:
    """``language`` as a known code; a ValueError says which codes there are."""
    code = str(language).strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        known = ", ".join(f"{code} ({name})" for code, name in LANGUAGES.items())
        raise ValueError(
            gettext("{language} is not a language jejak speaks; use one of {known}").format(
                language=repr(language), known=known
            )
        )
    return code


def choose(language: str, stage_names: str = "local") -> None:
    """Speak ``language`` for the rest of this context (a CLI run); ``stage_names``:
    ``local`` (the presets' stages in ``language``) or ``english``."""
    _chosen.set(checked(language))
    _stage_names.set(stage_names)


@contextmanager
def speaking(language: str, stage_names: str = "local") -> Iterator[None]:
    """Speak ``language`` inside the block (a request, a report), then as before."""
    token = _chosen.set(checked(language))
    names = _stage_names.set(stage_names)
    try:
        yield
    finally:
        _stage_names.reset(names)
        _chosen.reset(token)


def catalogue_path(language: str) -> Path:
    """Where the catalogue of ``language`` is kept."""
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language``, read once per process; English needs none."""
    path = catalogue_path(language)
    if language == DEFAULT or not path.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as file:
        catalogue = read_po(file, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    """``message`` in this context's language (English when it has no entry)."""
    return translations(_chosen.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in this context's language."""
    try:
        number = int(count)  # numpy integers too
    except (TypeError, ValueError):  # a missing count reads as many
        number = 2
    return translations(_chosen.get()).ngettext(singular, plural, number)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context`` (a short word that reads two ways)."""
    return translations(_chosen.get()).pgettext(context, message)


@cache
def _marks(language: str) -> dict[int, str] | None:
    """How ``language`` writes the thousands and decimal marks, as a translation of the
    English ones (None when they are the English ones)."""
    if language == "en":
        return None
    from babel.numbers import get_decimal_symbol, get_group_symbol

    group, decimal = get_group_symbol(language), get_decimal_symbol(language)
    if (group, decimal) == (",", "."):
        return None
    return str.maketrans({",": group, ".": decimal})


def localised(text: str) -> str:
    """A number written the English way (``1,234.5``) in the marks of this context's
    language (``1.234,5``); the digits and their rounding stay as they were."""
    marks = _marks(current())
    return text if marks is None else text.translate(marks)


# ISO 4217 currencies whose everyday amounts carry no minor unit; a rupiah price with ".00"
# looks like a bug to an Indonesian shop owner.
NO_MINOR_UNIT = frozenset(
    {"IDR", "JPY", "KRW", "VND", "CLP", "ISK", "PYG", "UGX", "XAF", "XOF", "HUF", "TWD"}
)


def amount(value: float, currency: str, digits: int | None = None) -> str:
    """An amount with its currency: ``1234500, "IDR" -> "IDR 1,234,500"`` in English, and
    with the language's own symbol otherwise (``Rp 1.234.500`` in Bahasa Indonesia).

    Without ``digits``, currencies like IDR or JPY show whole units and others two decimals.
    A negative amount keeps its sign on the number: ``"USD -12.50"``.
    """
    code = currency.strip().upper()
    if digits is None:
        digits = 0 if code in NO_MINOR_UNIT else 2
    return f"{currency_sign(code)} {localised(f'{float(value):,.{digits}f}')}"


def currency_sign(currency: str) -> str:
    """How an amount in ``currency`` is marked in the language: ``IDR`` in English,
    ``Rp`` in Bahasa Indonesia (as :func:`amount` writes it)."""
    return _currency_sign(currency.strip().upper(), current())


@cache
def _currency_sign(code: str, language: str) -> str:
    """How ``language`` names a currency before an amount: its ISO code in English (one
    reading for every currency), the local symbol otherwise (Rp)."""
    if language == "en":
        return code
    from babel.numbers import get_currency_symbol

    return get_currency_symbol(code, locale=language)


def NP_(context: str, message: str) -> str:
    """:func:`N_` for a word read in ``context`` (see :func:`pgettext`)."""
    return message


# The presets' stages, shown in the reader's language; their English names stay what
# settings, campaigns and --stage options say (the seeds' marketers use them too).
PRESET_STAGES = frozenset(
    {
        NP_("stage", "Awareness"),
        NP_("stage", "Engagement"),
        NP_("stage", "Subscribe"),
        NP_("stage", "Convert"),
        NP_("stage", "Excite"),
        NP_("stage", "Ascend"),
        NP_("stage", "Advocate"),
        NP_("stage", "Promote"),
        NP_("stage", "Consideration"),
        NP_("stage", "Decision"),
        NP_("stage", "Loyalty"),
    }
)


def stage(name: str) -> str:
    """A preset stage's name in this context's language (``Konversi`` for ``Convert``),
    unless stage names are kept in English (``stage_names: english``); the user's own
    stages as they named them."""
    if name not in PRESET_STAGES or _stage_names.get() == "english":
        return name
    return pgettext("stage", name)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (a module constant);
    it is translated with :func:`gettext` where it is shown."""
    return message


_ = gettext
