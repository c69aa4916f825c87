"""Text encodings of CSV files: named in jejak.yaml, or detected when the file is not UTF-8.

DuckDB reads UTF-8 and UTF-16 itself; a file in any other encoding is copied to a UTF-8
temporary file first (streamed, line for line, so row numbers stay the same).
"""

from __future__ import annotations

import codecs
import gzip
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from jejak.errors import LoadError
from jejak.language import gettext

CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
DEFAULT = "utf-8"
WINDOWS = "cp1252"  # what Excel on Windows writes "CSV" in for Western and Indonesian text
NATIVE = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16"}  # codec -> DuckDB name


@dataclass(frozen=True)
class Decoded:
    """How to read a text file: the file DuckDB reads, its encoding, and what to tell."""

    path: Path
    encoding: str  # as DuckDB names it: utf-8 or utf-16
    note: str | None = None  # said in the load summary when the encoding was not utf-8
    temporary: bool = False  # path is a UTF-8 copy to remove after the load
    codec: str = DEFAULT  # Python's name for the file's own encoding (for jejak init --from)


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def check_not_zip(path: Path) -> None:
    """A workbook or archive named like a text file gets a message saying what it is."""
    with path.open("rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            return
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        names = []
    if any(n.startswith("xl/") for n in names):
        said = gettext(
            "{file}: this is an Excel workbook (.xlsx), not CSV text; keep (or give back)"
            " its .xlsx name and jejak reads its first sheet, or save it from Excel as"
            " 'CSV UTF-8'"
        )
        raise LoadError(said.format(file=path))
    said = gettext(
        "{file}: this is a zip archive, not CSV text; unzip it and load the files inside"
    )
    raise LoadError(said.format(file=path))


def codec_name(name: str, path: Path) -> str:
    """Python's name for an encoding named in jejak.yaml; a LoadError if there is none."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        said = gettext(
            "{file}: 'encoding' in jejak.yaml is {name}, which is not an encoding; use"
            " utf-8, utf-16, latin-1 or cp1252"
        )
        raise LoadError(said.format(file=path, name=repr(name))) from None


def _bom(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _decodes_as(path: Path, codec: str) -> bool:
    """Whether the whole file decodes in ``codec`` (streamed)."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with _open_binary(path) as handle:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _guess(path: Path) -> str:
    """The encoding of a file that is not UTF-8.

    Windows-1252 when every byte is valid in it (Excel's "CSV" on Western and Indonesian
    Windows; a superset of latin-1's letters); otherwise charset-normalizer's guess from
    the first megabyte, and latin-1 (which never fails) if it has none.
    """
    if _decodes_as(path, WINDOWS):
        return WINDOWS
    from charset_normalizer import from_bytes

    with _open_binary(path) as handle:
        best = from_bytes(handle.read(CHUNK)).best()
    if best is not None and _decodes_as(path, best.encoding):
        return codecs.lookup(best.encoding).name
    return "latin-1"


def _utf8_copy(path: Path, codec: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="jejak-text-"))
    target = folder / (path.name.removesuffix(".gz") if path.name.endswith(".gz") else path.name)
    with (
        _open_binary(path) as raw,
        codecs.getreader(codec)(raw) as text,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        shutil.copyfileobj(text, out, CHUNK)
    return target


def decode(path: Path, encoding: str) -> Decoded:
    """How to read ``path`` given the ``encoding`` setting.

    A named encoding is used as named. Left at utf-8: a byte-order mark says utf-16 or
    utf-8; a file that is not valid UTF-8 has its encoding guessed (see :func:`_guess`),
    and the note says which was used so that a wrong guess can be named in jejak.yaml.
    """
    codec = codec_name(encoding, path)
    note = None
    if codec == DEFAULT:
        with _open_binary(path) as handle:
            bom = _bom(handle.read(4))
        if bom is not None:
            codec = bom
            note = None
            if bom != "utf-8-sig":
                note = gettext("encoding utf-16 (from its byte-order mark)")
        elif not _decodes_as(path, DEFAULT):
            codec = _guess(path)
            note = gettext(
                "encoding {codec} (detected: the file is not UTF-8; set 'encoding' in"
                " jejak.yaml if its letters look wrong)"
            ).format(codec=codec)
    if codec in NATIVE:
        return Decoded(path, NATIVE[codec], note, codec=NATIVE[codec])
    note = note or gettext("encoding {codec}").format(codec=codec)
    return Decoded(_utf8_copy(path, codec), DEFAULT, note, temporary=True, codec=codec)


def remove_copy(decoded: Decoded) -> None:
    """Remove a temporary UTF-8 copy (and its folder)."""
    if decoded.temporary:
        shutil.rmtree(decoded.path.parent, ignore_errors=True)
