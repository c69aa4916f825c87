"""jejak's exact Markov model against ChannelAttribution's simulated one.

ChannelAttribution (a test-only oracle, ``requirements-oracles.lock``) estimates the same
removal effects by simulating journeys through the chain, so its numbers carry simulation
noise of a few percent; jejak solves the chain exactly. On a realistic path table the two
must agree within that noise.
"""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest

import jejak
from jejak.simulate import simulate_shop

with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
    import ChannelAttribution as ca


@pytest.fixture(scope="module")
def attributed(tmp_path_factory):
    directory = tmp_path_factory.mktemp("oracle")
    shop = simulate_shop(customers=20_000, seed=12)
    files = shop.write(directory)
    with jejak.Workspace(directory / "shop.duckdb") as ws:
        ws.load(files["touchpoints"])
        return ws.attribution("order", by="channel", models=["markov"], lookback=None)


def channel_attribution(paths: pd.DataFrame, simulations: float) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "path": [">".join(p) for p in paths["path"]],
            "conversions": paths["conversions"].astype(int),
            "nulls": paths["nulls"].astype(int),
        }
    )
    with contextlib.redirect_stdout(io.StringIO()):
        out = ca.markov_model(
            table,
            var_path="path",
            var_conv="conversions",
            var_null="nulls",
            order=1,
            nsim_start=simulations,
            seed=0,
            out_more=True,
            verbose=False,
            flg_pro=False,
        )
    return out["result"].merge(out["removal_effects"], on="channel_name").set_index("channel_name")


@pytest.mark.parametrize(
    ("simulations", "noise"),
    # its estimate's noise on small channels, measured on this table: up to ~12% at its
    # default 1e5 simulations, ~3.5% at 1e6, ~1.2% at 1e7: compare once it has settled
    [(1e7, 0.025)],
)
def test_markov_credits_agree_with_channel_attribution(attributed, simulations, noise):
    paths = attributed.paths
    assert len(paths) > 10_000 and paths["conversions"].sum() > 5_000
    theirs = channel_attribution(paths, simulations)
    ours = attributed.table.set_index("channel")
    assert set(theirs.index) == set(ours.index)
    total = ours["markov"].sum()
    assert theirs["total_conversions"].sum() == pytest.approx(total, rel=1e-6)
    for channel, row in ours.iterrows():
        assert theirs.loc[channel, "total_conversions"] == pytest.approx(
            row["markov"], rel=noise
        ), channel
        assert theirs.loc[channel, "removal_effect"] == pytest.approx(
            row["removal_effect"], rel=noise
        ), channel
