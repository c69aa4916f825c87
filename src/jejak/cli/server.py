"""``jejak serve`` (the dashboard, JSON API and collector) and ``jejak keys``, its API keys."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from jejak.cli.app import opened_workspace, out
from jejak.cli.helptexts import HelpCommand, HelpGroup
from jejak.cli.output import print_table
from jejak.language import gettext as _
from jejak.report import formatting as fmt

if TYPE_CHECKING:
    from jejak.model.config import Settings


def _spark_source(table: str, identities: str | None, master: str, settings: Settings):
    """Touchpoints in Spark: a table name, or a path to Parquet files."""
    from jejak.engine.spark import local_session, on_spark

    if master.startswith("local"):
        cores = master[6:-1] if master.startswith("local[") else "1"
        count = (os.cpu_count() or 2) if cores == "*" else int(cores) if cores.isdigit() else 2
        session = local_session(cores=count)
    else:
        from pyspark.sql import SparkSession

        session = SparkSession.builder.master(master).appName("jejak").getOrCreate()

    def frame(name: str):
        """A path (local, or s3://, hdfs://...) is read as Parquet; a bare name is a table."""
        is_path = "/" in name or name.endswith(".parquet") or Path(name).exists()
        return session.read.parquet(name) if is_path else name

    return on_spark(
        session, frame(table), frame(identities) if identities else None, settings=settings
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (this machine only).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
    spark: Annotated[
        str | None,
        typer.Option(help="Answer from touchpoints in Spark: a table name or Parquet path."),
    ] = None,
    spark_identities: Annotated[
        str | None, typer.Option(help="With --spark: identity links (table or Parquet path).")
    ] = None,
    spark_master: Annotated[
        str, typer.Option(help="With --spark: the Spark master, e.g. local[4] or yarn.")
    ] = "local[2]",
    max_text: Annotated[
        int, typer.Option(min=1, help="Characters a collected event may have in one field.")
    ] = 2_000,
    max_properties: Annotated[
        int,
        typer.Option(min=2, help="Characters a collected event's properties may take as JSON."),
    ] = 20_000,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(help="A web page's origin that may call the analyses (repeatable)."),
    ] = None,
    read_rate: Annotated[
        str, typer.Option(help="Requests a read key may send, e.g. 6000/minute (none: no limit).")
    ] = "6000/minute",
    write_rate: Annotated[
        str,
        typer.Option(
            help="Requests a write key may send from one client address (none: no limit)."
        ),
    ] = "60000/minute",
    admin_rate: Annotated[
        str, typer.Option(help="Requests an admin key may send (none: no limit).")
    ] = "600/minute",
    request_timeout: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds a request may take to arrive whole (else 408)."),
    ] = 30.0,
    max_connections: Annotated[
        int, typer.Option(min=1, help="Connections (and requests) at once; more get 503.")
    ] = 1000,
) -> None:
    """Serve the dashboard (/), the JSON API (/v1/analyses/..., schema at /docs) and the
    event collector (POST /v1/events, /v1/identify; Segment's HTTP Tracking API:
    /v1/track, /v1/page, /v1/screen, /v1/alias, /v1/batch) over the workspace.

    The first start makes a read key (analyses) and a write key (collector) and prints
    them once; the workspace keeps only their hashes. Keys of your own, set in
    JEJAK_READ_KEY / JEJAK_WRITE_KEY, are accepted too (and none is made for that kind).
    With --spark, the dashboard and
    the API answer from touchpoints in Spark (the workspace keeps the keys; the
    collector is off). While it runs, jejak keys manages the keys through it.
    Each key may send so many requests (the write key: from each address); over it,
    429 with Retry-After. A request must arrive whole within --request-timeout seconds.

    Examples: jejak serve --port 8765 | jejak serve --spark events.parquet
    """
    import gc
    import signal

    import uvicorn

    from jejak.server import create_app
    from jejak.server.control import announced
    from jejak.server.deadlines import with_deadline
    from jejak.server.keys import ENV, ensure_keys, given_keys
    from jejak.server.limiting import Rate

    given = given_keys(dict(os.environ))
    written = {"read": read_rate, "write": write_rate, "admin": admin_rate}
    rates = {kind: Rate.parse(text, f"--{kind}-rate") for kind, text in written.items()}
    ws = opened_workspace(must_exist=False)
    try:
        made = ensure_keys(ws.con, given)
        for kind in given:
            said = _("The {kind} key from {variable} is accepted too.")
            out.print(said.format(kind=kind, variable=ENV[kind]))
        for kind, key in made.items():
            out.print(
                _("New {kind} key (shown once, keep it safe): {key}").format(kind=kind, key=key)
            )
        analyses = None
        if spark:
            analyses = _spark_source(spark, spark_identities, spark_master, ws.settings)
        where = _("Spark touchpoints {table}").format(table=spark) if spark else str(ws.path)
        said = _("jejak serving {what} on {address} (dashboard: /, API: /docs)")
        out.print(said.format(what=where, address=f"http://{host}:{port}"))
        # jejak keys reaches this server through its control file while it runs
        with announced(ws.path, host, port) as token:
            app = create_app(
                ws,
                analyses=analyses,
                given_keys=given,
                max_text=max_text,
                max_properties=max_properties,
                origins=allow_origin,
                control_token=token,
                rates=rates,
            )
            # what start-up made lives as long as the server: kept out of Python's full
            # garbage collections, which otherwise stop every request (and /health) for
            # hundreds of milliseconds under a busy collector
            gc.collect()
            gc.freeze()
            # uvicorn stops gracefully on SIGTERM or Ctrl+C, then raises the signal
            # again: handled so, it ends this command normally (the control file is
            # removed, the workspace closed) instead of killing the process
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            with suppress(KeyboardInterrupt):
                uvicorn.run(
                    app,
                    host=host,
                    port=port,
                    log_level="warning",
                    http=with_deadline(request_timeout),  # against slow clients
                    timeout_keep_alive=5,  # seconds an idle kept-alive connection stays
                    limit_concurrency=max_connections,
                )
    finally:
        ws.close()


keys_app = typer.Typer(
    cls=HelpGroup,
    help="API keys for jejak serve (read, write, admin): list them, make another, revoke one.",
    invoke_without_command=True,
)


@contextmanager
def _keys(must_exist: bool = True) -> Iterator[Any]:
    """The workspace's keys: in its file, or through the jejak serve that holds it
    (see :mod:`jejak.server.control`); both take the same calls."""
    from jejak.server.control import Served, ServedKeys
    from jejak.server.keys import ENV, StoredKeys

    try:
        ws = opened_workspace(must_exist=must_exist)
    except Served as exc:
        ws = None
        served = ServedKeys(exc.control)
    if ws is None:
        yield served
        return
    with ws:
        yield StoredKeys(ws.con, [kind for kind, name in ENV.items() if os.environ.get(name)])


@keys_app.callback()
def keys_list(ctx: typer.Context) -> None:
    """Every key: its id, kind, label and when it was made (keys are kept only as hashes).
    Works while jejak serve runs on the workspace, through the server.

    Examples: jejak keys | jejak keys write --label website | jejak keys revoke 3f9a0c12
    """
    if ctx.invoked_subcommand is not None:
        return
    with _keys() as keys:
        table = keys.list()
    if table.empty:
        out.print(_("No keys yet: jejak serve makes a read and a write key at its first start"))
        return
    table["created_at"] = table["created_at"].map(lambda t: fmt.day(t) + t.strftime(" %H:%M"))
    print_table(table.rename(columns=fmt.label), _("API keys"), labels=4)


def _new_key(kind: str, label: str | None) -> None:
    from jejak.server.keys import key_id

    with _keys(must_exist=False) as keys:
        key = keys.make(kind, label)
    said = _("New {kind} key {id} (shown once, keep it safe): {key}")
    out.print(said.format(kind=kind, id=key_id(key), key=key))


Label = Annotated[str | None, typer.Option(help="What the key is for, e.g. 'website'.")]


@keys_app.command("read", cls=HelpCommand)
def keys_read(label: Label = None) -> None:
    """Make another read key (the JSON API and the dashboard); it is shown once."""
    _new_key("read", label)


@keys_app.command("write", cls=HelpCommand)
def keys_write(label: Label = None) -> None:
    """Make another write key (the collector: /v1/events, /v1/identify); shown once."""
    _new_key("write", label)


@keys_app.command("admin", cls=HelpCommand)
def keys_admin(label: Label = None) -> None:
    """Make an admin key (erasing a person through the API); keep it off any website."""
    _new_key("admin", label)


@keys_app.command("revoke", cls=HelpCommand)
def keys_revoke(
    key: Annotated[str, typer.Argument(help="The key's id (jejak keys), or the key itself.")],
) -> None:
    """Revoke a key: requests with it are refused from then on (by a running jejak serve
    too, from its next request).

    Example: jejak keys revoke 3f9a0c12
    """
    from jejak.server.keys import ENV

    with _keys() as keys:
        revoked = keys.revoke(key)
    kind = revoked.kind
    out.print(_("Revoked the {kind} key {id}.").format(kind=kind, id=revoked.id))
    if not revoked.left and not revoked.given and kind == "admin":
        out.print(_("No admin key is left: jejak keys admin makes one."))
    elif not revoked.left and not revoked.given:
        said = _("No {kind} key is left: jejak serve makes a new one at its next start.")
        out.print(said.format(kind=kind))
    elif not revoked.left:
        said = _("No {kind} key is left in the workspace; {variable} is still accepted.")
        out.print(said.format(kind=kind, variable=ENV[kind]))
