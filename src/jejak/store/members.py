"""SQL over the top-level members of JSON objects (touchpoints' properties, rejected
rows' records): reading one, and setting or removing some in one pass.

Setting is a JSON merge patch (RFC 7396, DuckDB's ``json_merge_patch``): a member
patched with null is removed, and one patched with a value that is NULL in SQL too, so
a member that was absent stays absent. DuckDB moves the members it sets to the end, in
the patch's order (:func:`jejak.store.personal.hashed_properties` follows it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from jejak.store.sources import quote


def member_sql(document: str, name: str) -> str:
    """SQL: the top-level member ``name`` of the JSON text ``document``, as text."""
    return f"({document} ->> {quote('$.' + json.dumps(name))})"


def patched_sql(document: str, members: Mapping[str, str]) -> str:
    """SQL: the JSON ``document`` as text, each of ``members`` (name: SQL value) set to
    its value, or removed where the value is NULL; unchanged without members."""
    if not members:
        return f"CAST({document} AS VARCHAR)"
    pairs = ", ".join(f"{quote(name)}, {value}" for name, value in members.items())
    return f"CAST(json_merge_patch({document}, json_object({pairs})) AS VARCHAR)"


def without_sql(document: str, names: Iterable[str]) -> str:
    """SQL: the JSON ``document`` as text without the top-level members ``names``."""
    return patched_sql(document, dict.fromkeys(names, "NULL"))
