"""Loading a folder: every touchpoint file in it, one load per file, each told."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jejak.language import gettext
from jejak.store.loading import LoadSummary
from jejak.store.sources import file_format

REJECTS_SUFFIX = ".rejected.csv"


def touchpoint_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(files to load, files left out) in the folder, sorted by name; not recursive.

    Hidden files, Excel's ``~$`` lock files and jejak's own ``*.rejected.csv`` side files
    are passed over silently; other files jejak cannot read are left out and told.
    """
    files, left_out = [], []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = path.name
        if name.startswith((".", "~$")) or name.endswith(REJECTS_SUFFIX) or path.is_dir():
            continue
        (files if file_format(path) else left_out).append(path)
    return files, left_out


@dataclass
class FolderSummary:
    """What loading a folder did, file by file: a summary, or the error that stopped it."""

    folder: str
    loaded: list[LoadSummary] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    left_out: list[str] = field(default_factory=list)  # not touchpoint files

    @property
    def stored(self) -> int:
        return sum(s.stored for s in self.loaded)

    def lines(self) -> list[str]:
        """One line per file, in the order they were loaded, then the files left out."""
        failed = gettext("not loaded: {problem}")
        told = {s.file: str(s) for s in self.loaded} | {
            f: failed.format(problem=message) for f, message in self.failed
        }
        lines = [told[f] for f in sorted(told, key=lambda f: Path(f).name)]
        left_out = gettext("{file}: left out; not a file jejak reads")
        lines += [left_out.format(file=f) for f in self.left_out]
        if not told:
            said = gettext("{folder}: no touchpoint files (.csv, .tsv, .xlsx, .parquet, .jsonl)")
            lines.append(said.format(folder=self.folder))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())
