"""The named groups of people that model-based analyses assign, and that a segment
definition may name: RFM segments and engagement groups.

They live here, not in their analyses, so that reading a segment from jejak.yaml does
not load the engines the analyses run on.
"""

from __future__ import annotations

from jejak.language import NP_

# RFM: (name, recency scores, frequency scores), first match wins; see analyses.rfm. The
# names stay English in data and settings; the faces show them through pgettext("rfm", ...)
RFM_SEGMENTS: tuple[tuple[str, range, range], ...] = (
    (NP_("rfm", "Champions"), range(4, 6), range(4, 6)),
    (NP_("rfm", "Loyal"), range(3, 4), range(4, 6)),
    (NP_("rfm", "Potential loyalist"), range(4, 6), range(2, 4)),
    (NP_("rfm", "New customer"), range(5, 6), range(1, 2)),
    (NP_("rfm", "Promising"), range(4, 5), range(1, 2)),
    (NP_("rfm", "Need attention"), range(3, 4), range(2, 4)),
    (NP_("rfm", "About to sleep"), range(3, 4), range(1, 2)),
    (NP_("rfm", "Can't lose them"), range(1, 2), range(5, 6)),
    (NP_("rfm", "At risk"), range(1, 3), range(3, 6)),
    (NP_("rfm", "Hibernating"), range(2, 3), range(1, 3)),
    (NP_("rfm", "Lost"), range(1, 2), range(1, 3)),
)

# Engagement groups: see analyses.engagement
FOLLOWS, TRANSACTS = "follows content", "transactional only"
