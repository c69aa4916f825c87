"""plotly.js's own words in the page's language.

A chart's toolbar (download, zoom, pan, reset), its messages (a download in progress,
"double-click to zoom back out") and its date names come from plotly.js, in English. For
another language they are registered as a plotly.js locale built from jejak's catalogue,
so a translator finds them beside every other word of the report and dashboard.
"""

from __future__ import annotations

from typing import Any

from babel.dates import get_day_names, get_month_names

from jejak import language
from jejak.language import N_, gettext

# the words plotly.js 3 shows with jejak's chart settings (its modebar's buttons and notes)
PLOTLY_WORDS = (
    N_("Download plot as a PNG"),
    N_("Download plot"),
    N_("Download plot as JSON"),
    N_("Zoom"),
    N_("Pan"),
    N_("Zoom in"),
    N_("Zoom out"),
    N_("Autoscale"),
    N_("Reset axes"),
    N_("Reset view"),
    N_("Reset"),
    N_("Box Select"),
    N_("Lasso Select"),
    N_("Toggle Spike Lines"),
    N_("Show closest data on hover"),
    N_("Compare data on hover"),
    N_("Toggle show closest data on hover"),
    N_("Preparing image - this may take a few seconds"),
    N_("Image download succeeded"),
    N_("Sorry, there was a problem downloading your image!"),
    N_("Double-click to zoom back out"),
    N_("Double-click on legend to isolate one trace"),
)


def plotly_locale() -> dict[str, Any] | None:
    """The plotly.js locale of the context's language (``Plotly.register`` takes it, and a
    chart's ``config.locale`` names it); None in English, plotly.js's own language."""
    lang = language.current()
    if lang == "en":
        return None
    # plotly.js counts days from Sunday; Babel from Monday
    days = get_day_names("wide", locale=lang)
    short_days = get_day_names("abbreviated", locale=lang)
    months = get_month_names("wide", locale=lang)
    short_months = get_month_names("abbreviated", locale=lang)
    marks = language.localised("1,234.5")
    return {
        "moduleType": "locale",
        "name": lang,
        "dictionary": {word: gettext(word) for word in PLOTLY_WORDS},
        "format": {
            "days": [days[(i + 6) % 7] for i in range(7)],
            "shortDays": [short_days[(i + 6) % 7] for i in range(7)],
            "months": [months[i] for i in range(1, 13)],
            "shortMonths": [short_months[i] for i in range(1, 13)],
            "date": "%d/%m/%Y",
            "decimal": marks[5],
            "thousands": marks[1],
        },
    }
