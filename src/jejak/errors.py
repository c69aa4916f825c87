"""Errors jejak raises. Every message says what is wrong, where, and how to fix it."""

from __future__ import annotations

from jejak.language import gettext


class JejakError(Exception):
    """Root of every error jejak raises on purpose; the CLI prints its message as one line."""


class ConfigError(JejakError):
    """jejak.yaml (or a journey definition) is invalid: the message names the key and line."""


class LoadError(JejakError):
    """A file could not be loaded; nothing from it was stored.

    ``rejected`` holds up to a few examples of (row, field, value, reason);
    ``invalid_rows`` counts every invalid row; ``valid_rows`` counts what would have been stored.
    """

    def __init__(
        self,
        message: str,
        *,
        invalid_rows: int = 0,
        valid_rows: int = 0,
        rejected: list[dict] | None = None,
    ) -> None:
        super().__init__(message)
        self.invalid_rows = invalid_rows
        self.valid_rows = valid_rows
        self.rejected = rejected or []

    @classmethod
    def no_such_file(cls, path: object) -> LoadError:
        """A file that is not there, in the same words from every door."""
        return cls(gettext("{file}: no such file; check the path").format(file=path))


class WorkspaceError(JejakError):
    """The workspace file cannot be opened or is not a jejak workspace."""


class PiiSettingsError(WorkspaceError):
    """Personal data would be stored otherwise than the workspace's data was (other
    ``pii:`` settings, or none): nothing was stored; the message says the ``pii:`` to put
    back. Reads still work."""


class EngineError(JejakError):
    """An analysis engine (DuckDB, Spark) is missing or misconfigured."""
