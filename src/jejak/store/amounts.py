"""Revenue as shops write it: ``Rp 150.000``, ``1.250.000,50``, ``IDR 1.250.000``, ``$1,234.50``.

An amount is an optional sign, an optional currency (``Rp``, a 3-letter code, ``$``,
``€``, ``£``) before or after the number, and digits with an optional thousands mark
(groups of exactly 3 digits) and decimal mark. The marks come from jejak.yaml
(``decimal``, ``thousands``) or are detected from the column (:func:`detect`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from jejak.errors import LoadError
from jejak.language import gettext, localised
from jejak.model.config import Settings

CURRENCY = r"[Rr][Pp]\.?|[A-Z]{3}|[$€£]"
AMOUNT = rf"^([-+]?)\s*({CURRENCY})?\s*([-+]?)\s*(\d[\d.,' ]*?)\s*({CURRENCY})?$"
PARTS = ["sign", "before", "sign2", "number", "after"]
SYMBOLS = {"€": "EUR", "£": "GBP"}  # '$' is left out: many currencies write it


@dataclass(frozen=True)
class Marks:
    """The decimal and thousands marks of a revenue column, and whether they were detected."""

    decimal: str = "."
    thousands: str = ","
    detected: bool = False

    def example(self) -> str:
        return f"1{self.thousands}234{self.decimal}5"

    def note(self) -> str | None:
        """What the load summary says: only detected marks other than the usual ones."""
        if not self.detected or self.decimal == ".":
            return None
        said = gettext(
            "revenue read with decimal '{decimal}' and thousands '{thousands}'"
            " (detected; set decimal and thousands in jejak.yaml if that is wrong)"
        )
        return said.format(decimal=self.decimal, thousands=self.thousands)


def _number(value: int) -> str:
    """A row number in the marks of the reader's language: ``1,234`` (``1.234``)."""
    return localised(f"{value:,}")


def _other(mark: str) -> str:
    return "," if mark == "." else "."


def _parts(text: str) -> str:
    """SQL: the amount's parts as a struct (all '' when it is no amount)."""
    names = ", ".join(f"'{p}'" for p in PARTS)
    pattern = AMOUNT.replace("'", "''")
    return f"regexp_extract({text}, '{pattern}', [{names}])"


def configured(settings: Settings) -> Marks | None:
    """The marks jejak.yaml gives (``decimal``, ``thousands``), or None when it gives none."""
    if not settings.decimal and settings.thousands is None:
        return None
    decimal = settings.decimal or _other(settings.thousands or ",")
    thousands = settings.thousands if settings.thousands is not None else _other(decimal)
    return Marks(decimal, thousands)


def detect(
    con: duckdb.DuckDBPyConnection,
    table: str,
    column: str,
    settings: Settings,
    path: Path,
    separator: str | None = None,
    field: str = "revenue",
) -> Marks:
    """The marks of a text amount ``column`` of ``table`` (rows are ``rowid + 1``), the
    ``field`` a message names (revenue, or a spend file's spend).

    The settings win. Otherwise each value that shows its decimal mark is evidence: the
    last mark when both appear (``1.234,50``), the other mark when one repeats
    (``1.250.000`` has thousands '.', so decimal ','), a lone mark not followed by
    exactly 3 digits (``150000,50``, ``12.5``), and a lone mark followed by 3 digits in
    a Rupiah amount (``Rp 150.000``: rupiah have no cents, so it groups thousands).
    Values that disagree stop the load. With no evidence (only ``150.000``-like values),
    a ``separator`` ';' reads '.' as the thousands mark; otherwise it is the decimal mark.
    """
    if (marks := configured(settings)) is not None:
        return marks
    number = f"nullif(trim(CAST({column} AS VARCHAR)), '')"
    rows = con.execute(
        f"SELECT min(_row) FILTER (WHERE mark = ','), arg_min(raw, _row) FILTER (WHERE mark = ','),"
        f" min(_row) FILTER (WHERE mark = '.'), arg_min(raw, _row) FILTER (WHERE mark = '.')"
        f" FROM (SELECT _row, raw, {mark_sql('n', 'rupiah')} AS mark FROM ("
        f"  SELECT _row, raw, p.number AS n, {rupiah_sql('p')} AS rupiah"
        f"   FROM (SELECT rowid + 1 AS _row, {number} AS raw, {_parts(number)} AS p"
        f"   FROM {table}) WHERE raw IS NOT NULL))"
    ).fetchall()[0]
    comma_row, comma_value, dot_row, dot_value = rows
    if comma_row is not None and dot_row is not None:
        said = gettext(
            "{file} rows {first} and {last}: '{field}' is written with a decimal comma"
            " ({comma}, row {comma_row}) and with a decimal dot ({dot}, row {dot_row}); make"
            " them agree, or set decimal (and thousands) in jejak.yaml"
        )
        raise LoadError(
            said.format(
                file=path,
                field=field,
                first=_number(min(comma_row, dot_row)),
                last=_number(max(comma_row, dot_row)),
                comma=repr(comma_value),
                comma_row=_number(comma_row),
                dot=repr(dot_value),
                dot_row=_number(dot_row),
            )
        )
    if comma_row is not None:
        return Marks(",", ".", detected=True)
    if dot_row is not None:
        return Marks(".", ",", detected=True)
    return assumed(separator)


def assumed(separator: str | None) -> Marks:
    """The marks :func:`detect` gives a column that shows no decimal mark."""
    return Marks(",", ".", detected=True) if separator == ";" else Marks(".", ",", detected=True)


def mark_sql(n: str, rupiah: str) -> str:
    """SQL: the decimal mark that ``n``, an amount's number (of its parts), shows: '.' or
    ',', or NULL when it shows none; ``rupiah`` says whether its currency is the Rupiah
    (see :func:`detect`, which reads each value's)."""
    return (
        f"nullif(CASE WHEN contains({n}, '.') AND contains({n}, ',')"
        f"   THEN regexp_extract({n}, '([.,])[^.,]*$', 1)"
        f" WHEN length({n}) - length(replace({n}, '.', '')) > 1 THEN ','"
        f" WHEN length({n}) - length(replace({n}, ',', '')) > 1 THEN '.'"
        f" WHEN regexp_full_match({n}, '\\d*[.,]\\d{{3}}') THEN CASE WHEN {rupiah}"
        f"   THEN CASE WHEN contains({n}, '.') THEN ',' ELSE '.' END END"
        f" ELSE regexp_extract({n}, '([.,])', 1) END, '')"
    )


def rupiah_sql(parts: str) -> str:
    """SQL: whether the amount whose parts (:func:`amount_sql`'s struct) are ``parts``
    is written in Rupiah."""
    return f"upper({parts}.before || {parts}.after) IN ('RP', 'RP.', 'IDR')"


def amount_sql(text: str, marks: Marks) -> tuple[str, str, str]:
    """SQL for (the parts struct, the amount from it, the currency it names) of ``text``.

    The amount is NULL when the text is not an amount with these marks; the currency is
    NULL when none is written (or only '$').
    """
    decimal, thousands = re.escape(marks.decimal), re.escape(marks.thousands)
    grouped = rf"\d{{1,3}}({thousands}\d{{3}})+" if marks.thousands else r"\d+"
    valid = rf"({grouped}|\d+)({decimal}\d+)?".replace("'", "''")
    digits = "p.number"
    if marks.thousands:
        digits = f"replace({digits}, '{marks.thousands.replace(chr(39), chr(39) * 2)}', '')"
    digits = f"replace({digits}, '{marks.decimal}', '.')"
    amount = (
        f"CASE WHEN regexp_full_match(p.number, '{valid}')"
        " AND (p.before = '' OR p.after = '') AND (p.sign = '' OR p.sign2 = '')"
        f" THEN CASE WHEN '-' IN (p.sign, p.sign2) THEN -1 ELSE 1 END"
        f" * CAST({digits} AS DOUBLE) END"
    )
    written = "coalesce(nullif(p.before, ''), nullif(p.after, ''))"
    symbols = " ".join(f"WHEN '{s}' THEN '{code}'" for s, code in SYMBOLS.items())
    currency = (
        f"CASE WHEN upper({written}) LIKE 'RP%' THEN 'IDR'"
        f" WHEN regexp_full_match({written}, '[A-Z]{{3}}') THEN {written}"
        f" ELSE CASE {written} {symbols} END END"
    )
    return _parts(text), amount, currency
