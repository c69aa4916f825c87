"""What a Pydantic validation error says, in the reader's language.

Our own validators raise ValueErrors whose words already went through the catalogue;
Pydantic's own messages (a missing key, a word where a number goes) are looked up here by
their error type. A type not listed keeps Pydantic's English words.
"""

from __future__ import annotations

import re
from typing import Any

from jejak.language import N_, gettext, pgettext

# Pydantic's message template of each error type, word for word: the English msgid is
# Pydantic's own, so English output is Pydantic's (a test pins them to pydantic_core)
PYDANTIC_MESSAGES = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "finite_number": N_("Input should be a finite number"),
}


def said(error: Any) -> str:
    """The message of one error of ``ValidationError.errors()``, without Pydantic's
    'Value error, ' before our own words, in the reader's language."""
    message = str(error["msg"])
    if error.get("type") == "value_error":  # our own validators' words, already translated
        return message.removeprefix("Value error, ")
    template = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if template is None:
        return message
    translated = gettext(template)
    if translated == template:  # English, or no entry: Pydantic's words as they were
        return message
    context = dict(error.get("ctx") or {})
    if "expected" in context:  # 'a', 'b' or 'c': the values stay, the 'or' is translated
        either = pgettext("rules", "or")
        context["expected"] = re.sub(r"(?<=') or (?=')", f" {either} ", str(context["expected"]))
    try:
        return translated.format(**context)
    except (KeyError, IndexError, ValueError):  # a context Pydantic changed: its own words
        return message


def either(names: Any) -> str:
    """Choices joined by the reader's 'or': ``value-journey or four-stage``."""
    return f" {pgettext('rules', 'or')} ".join(str(name) for name in names)
