"""The ``jejak`` command: one command per task; the library does the work.

One module per area: :mod:`~jejak.cli.data` (init, load, loads, check, forget, prune),
:mod:`~jejak.cli.journeys` (stages, funnel, paths, journey, attribution, touchpoints,
drivers, experience, map), :mod:`~jejak.cli.customers` (value, retention, stickiness, nps,
reviews, engagement, referrals, rfm, clusters), :mod:`~jejak.cli.segments`,
:mod:`~jejak.cli.compare`,
:mod:`~jejak.cli.campaigns` (campaigns, contact), :mod:`~jejak.cli.spend` (spend),
:mod:`~jejak.cli.server` (serve, keys), :mod:`~jejak.cli.watch` (watch) and
:mod:`~jejak.cli.report` (report, demo).
:mod:`~jejak.cli.app` holds the Typer app, the options every command shares and
:func:`main`.
"""

from __future__ import annotations

from jejak.cli import (
    campaigns,
    compare,
    customers,
    data,
    journeys,
    report,
    segments,
    server,
    spend,
)
from jejak.cli import watch as watching
from jejak.cli.app import app, main
from jejak.cli.helptexts import HelpCommand
from jejak.cli.server import serve

# The commands in the order `jejak --help` lists them (the groups, segments and keys,
# come after them); a command's name is its function's unless given.
for command, name in (
    (data.init, None),
    (data.load, None),
    (data.loads, None),
    (data.check, None),
    (journeys.stages, None),
    (journeys.funnel, None),
    (journeys.paths, None),
    (journeys.journey, None),
    (journeys.attribution, None),
    (journeys.touchpoints, None),
    (journeys.drivers, None),
    (customers.value, None),
    (customers.retention, None),
    (customers.stickiness, None),
    (customers.net_promoter, "nps"),
    (customers.reviews, None),
    (customers.engagement, None),
    (customers.referrals, None),
    (customers.rfm_segments, "rfm"),
    (customers.clusters, None),
    (campaigns.campaigns, None),
    (campaigns.contact, None),
    (journeys.experience_command, "experience"),
    (journeys.process_map, "map"),
    (compare.compare, None),
    (report.report, None),
    (watching.watch, None),
    (server.serve, None),
    (data.forget, None),
    (data.prune, None),
    (report.demo, None),
):
    app.command(name=name, cls=HelpCommand)(command)
app.add_typer(segments.segments_app, name="segments")
app.add_typer(spend.spend_app, name="spend")
app.add_typer(server.keys_app, name="keys")

__all__ = ["app", "main", "serve"]
