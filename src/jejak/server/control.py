"""How the CLI reaches a ``jejak serve`` running on the same workspace.

DuckDB lets one process open a workspace file for writing, and ``jejak serve`` holds it
for as long as it runs. So that ``jejak keys`` works meanwhile, the server writes a
control file beside the workspace (``jejak.duckdb.serve.json``, readable by its owner
only): the address it answers on from this machine, its process id, and an admin
token made for this run, accepted as an admin key and never stored in the workspace.
It is removed when the server stops. A command that finds the workspace locked reads
it: ``jejak keys`` then manages the keys through the server (:mod:`.keyring`), other
commands say which server holds the file and what to do.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from jejak.errors import JejakError, WorkspaceError
from jejak.language import gettext
from jejak.server.keys import Revoked

SUFFIX = ".serve.json"
ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}
WAIT_SECONDS = 10.0  # a server that has just written its file binds its port within this


def control_path(workspace: Path) -> Path:
    """Where the server on ``workspace`` writes its control file."""
    return workspace.with_name(workspace.name + SUFFIX)


def local_url(host: str, port: int) -> str:
    """The address a server bound to ``host`` answers on from this machine."""
    host = ANY_ADDRESS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True)
class Control:
    """What a running server wrote in its control file."""

    path: Path
    url: str
    pid: int
    token: str

    @property
    def running(self) -> bool:
        """Whether the process that wrote the file is still running (on Windows, where
        no signal only asks, taken as running: DuckDB's lock names the holder anyway)."""
        if os.name == "nt":
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # running, as another user
            return True
        return True


def read_control(workspace: Path) -> Control | None:
    """The control file beside ``workspace``, or None when there is none (or it is not
    one that a server wrote)."""
    path = control_path(workspace)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return Control(path, str(found["url"]), int(found["pid"]), str(found["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def announced(workspace: Path, host: str, port: int) -> Iterator[str]:
    """Write the control file for a server about to serve ``workspace`` on ``host`` and
    ``port``, and remove it when the block ends; yields the run's admin token."""
    token = "jt_" + secrets.token_urlsafe(24)
    path = control_path(workspace)
    content = {"url": local_url(host, port), "pid": os.getpid(), "token": token}
    draft = path.with_name(f"{path.name}.{os.getpid()}")
    with suppress(FileNotFoundError):
        draft.unlink()
    # made readable by its owner only from the start: the token is an admin key
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(content, file)
    draft.replace(path)
    try:
        yield token
    finally:
        found = read_control(workspace)
        if found is not None and found.token == token:  # not another server's
            path.unlink(missing_ok=True)


class Served(WorkspaceError):
    """The workspace is open in a running ``jejak serve`` (``control`` says which)."""

    def __init__(self, message: str, control: Control) -> None:
        super().__init__(message)
        self.control = control


def explained(workspace: Path, error: WorkspaceError) -> WorkspaceError:
    """``error`` (the workspace could not be opened) with what a control file beside it
    says: :class:`Served` when a running jejak serve holds the file."""
    control = read_control(workspace)
    if control is None or "lock" not in str(error):
        return error
    holder = re.search(r"\(PID (\d+)\)", str(error))  # DuckDB names the lock's holder
    if control.running and (holder is None or int(holder[1]) == control.pid):
        said = gettext(
            "{workspace}: jejak serve (pid {pid}, {url}) has the workspace open. While it runs,"
            " send events to its collector and read its API or dashboard (jejak keys works"
            " through it); to run this command, stop it first (Ctrl+C where it runs, or kill"
            " {pid})"
        )
        return Served(said.format(workspace=workspace, pid=control.pid, url=control.url), control)
    said = gettext(
        "{problem}. {control} is left from a jejak serve (pid {pid}) that has stopped, so"
        " another process holds the file: stop that one (DuckDB names its PID above)"
    )
    return WorkspaceError(said.format(problem=error, control=control.path, pid=control.pid))


class ServedKeys:
    """The keys of a workspace that a running jejak serve holds, managed through its
    admin routes (:mod:`.keyring`): the same calls as :class:`.keys.StoredKeys`."""

    def __init__(self, control: Control) -> None:
        self.control = control
        # the server is on this machine: no proxy from the environment in between
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def list(self) -> pd.DataFrame:
        keys = pd.DataFrame(
            self._call("GET", "/v1/keys")["keys"], columns=["id", "kind", "label", "created_at"]
        )
        keys["created_at"] = pd.to_datetime(keys["created_at"], utc=True, format="ISO8601")
        return keys

    def make(self, kind: str, label: str | None = None) -> str:
        return self._call("POST", "/v1/keys", {"kind": kind, "label": label})["key"]

    def revoke(self, which: str) -> Revoked:
        answer = self._call("DELETE", "/v1/keys/" + urllib.parse.quote(which.strip(), safe=""))
        return Revoked(answer["kind"], answer["id"], answer["left"], answer["given"])

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The server's JSON answer; a refusal becomes a JejakError with its reason. A
        server that is starting (or busy: 429) is waited for, a few seconds at most."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            request = urllib.request.Request(self.control.url + path, data=data, method=method)
            request.add_header("Authorization", f"Bearer {self.control.token}")
            request.add_header("Content-Type", "application/json")
            try:
                with self.opener.open(request, timeout=60) as answer:
                    return json.loads(answer.read())
            except urllib.error.HTTPError as exc:
                retry = exc.headers.get("Retry-After", "")
                if exc.code == 429 and retry.isdigit() and time.monotonic() < deadline:
                    time.sleep(min(int(retry), 5))
                    continue
                raise JejakError(_reason(exc)) from None
            except OSError as exc:  # not answering (yet, or any more)
                if time.monotonic() < deadline and self.control.running:
                    time.sleep(0.2)
                    continue
                said = gettext(
                    "jejak serve (pid {pid}) holds the workspace but does not answer on {url}"
                    " ({problem}); stop it, then run this again"
                )
                raise JejakError(
                    said.format(pid=self.control.pid, url=self.control.url, problem=exc)
                ) from None


def _reason(error: urllib.error.HTTPError) -> str:
    """What the server said was wrong (its ``detail``), or the status."""
    try:
        detail = json.loads(error.read())["detail"]
    except (ValueError, KeyError, TypeError):
        said = gettext("jejak serve answered {code} {reason}")
        return said.format(code=error.code, reason=error.reason)
    return detail if isinstance(detail, str) else json.dumps(detail)
