"""Turn PATH arguments into Articles: the text exactly as it will be indexed.

Offsets stored in the index are character offsets into ``Article.text``, so the text must be
the file's bytes decoded as UTF-8 and nothing else: files are opened in binary mode (no newline
translation) and decoded strictly. The one change made is dropping a leading UTF-8 byte order
mark, which is an encoding marker rather than text; offsets count from the character after it.

A file that cannot be read as text raises :class:`BadInput` with a message for the user, so a
caller can report it and carry on with the other files.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable
from pathlib import Path

from quotes.records import Article

SUFFIX = ".txt"
REPLACEMENT_CHARACTER = "\ufffd"


class BadInput(Exception):
    """A path that cannot be indexed; ``str(error)`` reads "source: reason"."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def expand(paths: Iterable[str]) -> tuple[list[str], list[BadInput]]:
    """Files to read for these PATH arguments, in a deterministic order, and the bad paths.

    A file argument is taken as given, whatever its name. A directory contributes every
    ``.txt`` file below it, recursively, sorted by path. Arguments keep their command-line
    order and a file reached twice is read once. Each file is named by the path as given
    (``seeds`` gives ``seeds/000.txt``), which is what the index records as its source.
    """
    files: list[str] = []
    problems: list[BadInput] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                os.path.join(given, p.relative_to(path).as_posix())
                for p in path.rglob(f"*{SUFFIX}")
                if p.is_file()
            )
            if not found:
                problems.append(BadInput(given, f"directory has no {SUFFIX} files"))
            files.extend(found)
        elif path.exists():
            files.append(given)
        else:
            problems.append(BadInput(given, "no such file or directory"))
    return list(dict.fromkeys(files)), problems


def read_article(source: str) -> Article:
    """Read one file as an Article, or raise :class:`BadInput` saying what is wrong with it."""
    try:
        data = Path(source).read_bytes()
    except OSError as error:
        raise BadInput(source, error.strerror or str(error)) from error
    return decode(source, data)


def decode(source: str, data: bytes) -> Article:
    """The Article for a file's bytes; the checks of :func:`read_article` without the disk."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadInput(source, "file is UTF-16, not UTF-8; re-save it as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise BadInput(source, f"binary file, not text (NUL byte at byte offset {nul})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadInput(
            source,
            f"not valid UTF-8: byte 0x{data[error.start]:02x} at byte offset {error.start} "
            f"({error.reason}); re-save the file as UTF-8",
        ) from error
    if not text.strip():
        raise BadInput(source, "file is empty" if not text else "file has only whitespace")
    return Article(source=source, text=text, title=title_of(text))


def title_of(text: str) -> str | None:
    """The first non-empty line, which for a saved news page is its headline."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def warnings(article: Article) -> list[str]:
    """Things wrong with a readable article that do not stop it being indexed.

    U+FFFD is what some earlier program wrote in place of characters it could not decode, so
    the damage happened before the file reached us. The rest of the text is fine and quotes
    around the damage are still worth finding, so such a file is indexed with a warning.
    """
    count = article.text.count(REPLACEMENT_CHARACTER)
    if not count:
        return []
    first = article.text.index(REPLACEMENT_CHARACTER)
    line = article.text.count("\n", 0, first) + 1
    plural = "s" if count > 1 else ""
    return [
        f"{count} U+FFFD replacement character{plural} (first on line {line}, character "
        f"offset {first}): characters were lost before this file was saved; indexed anyway"
    ]
