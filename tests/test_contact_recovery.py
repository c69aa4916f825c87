"""The demo shop's promotions plant fatigue beyond three messages a week and a preferred
hour per person: the contact analyses find both."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def shop_and_source(demo_plan_shop):
    return demo_plan_shop(20_000, seed=7)  # shared with the experience recovery test


def test_returns_fall_beyond_the_planted_frequency(shop_and_source):
    shop, ws = shop_and_source
    result = ws.contact_frequency()
    planted = shop.truth["promotions"]["fatigue_after"]
    assert result.meta["best_per_week"] == planted
    table = result.table.set_index("per_week")
    # beyond it each message is opened less and people leave more
    assert table.loc[planted + 2, "open_rate"] < table.loc[planted, "open_rate"]
    assert table.loc[planted + 1, "unsubscribe_rate"] > 5 * table.loc[planted, "unsubscribe_rate"]


def test_best_hours_find_the_planted_preferences(shop_and_source):
    shop, ws = shop_and_source
    result = ws.send_times(min_messages=8)
    people = shop.people().to_pandas()
    ids = people["customer_id"].fillna("anon:" + people["anonymous_id"])
    preferred = pd.Series(shop.journeys.preferred_hour, index=ids)
    promoted = shop.touchpoints.to_pandas()
    promoted = set(promoted.loc[promoted["campaign"] == "promo", "customer_id"])
    found = result.people.set_index("person_id")
    found = found[(found["from"] == "own history") & found.index.isin(promoted)]
    assert len(found) > 1_000
    # promos go out at four hours: guessing one would be right a quarter of the time
    # (measured 0.39; each person has about 16 promos amid the newsletter's noise)
    hit = (found["best_hour"] == preferred.reindex(found.index)).mean()
    assert hit > 0.33
