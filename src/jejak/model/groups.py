"""The named groups of people that model-based analyses assign, and that a segment
definition may name: RFM segments and engagement groups.

They live here, not in their analyses, so that reading a segment from jejak.yaml does
not load the engines the analyses run on.
"""

from __future__ import annotations

# RFM: (name, recency scores, frequency scores), first match wins; see analyses.rfm
RFM_SEGMENTS: tuple[tuple[str, range, range], ...] = (
    ("Champions", range(4, 6), range(4, 6)),
    ("Loyal", range(3, 4), range(4, 6)),
    ("Potential loyalist", range(4, 6), range(2, 4)),
    ("New customer", range(5, 6), range(1, 2)),
    ("Promising", range(4, 5), range(1, 2)),
    ("Need attention", range(3, 4), range(2, 4)),
    ("About to sleep", range(3, 4), range(1, 2)),
    ("Can't lose them", range(1, 2), range(5, 6)),
    ("At risk", range(1, 3), range(3, 6)),
    ("Hibernating", range(2, 3), range(1, 3)),
    ("Lost", range(1, 2), range(1, 3)),
)

# Engagement groups: see analyses.engagement
FOLLOWS, TRANSACTS = "follows content", "transactional only"
