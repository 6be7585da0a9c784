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
import stat
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


def source_name(path: str | os.PathLike[str]) -> str:
    """The name the index records a file under: one name per file, however it was spelled.

    Symbolic links and ``.``/``..`` are resolved; the name is relative to the current
    directory when the file is inside it (``seeds/000.txt``), else absolute
    (``/data/news/000.txt``), with ``/`` between parts. So ``arts``, ``./arts/../arts`` and
    the absolute path of ``arts`` give every file in it the same name.
    """
    real = Path(os.path.realpath(path))
    try:
        return real.relative_to(os.path.realpath(os.getcwd())).as_posix()
    except ValueError:
        return real.as_posix()


def _not_regular(path: Path) -> str | None:
    """Why ``path`` (which exists) is not a regular file we can read, or None if it is one.

    A FIFO would block the reader forever waiting for a writer, and a device or socket is no
    article, so only regular files (or links to them) are read.
    """
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return error.strerror or str(error)
    if stat.S_ISREG(mode):
        return None
    kind = (
        "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a file"
    )
    return f"not a regular file: {kind}; only regular files are read"


def expand(paths: Iterable[str]) -> tuple[list[str], list[BadInput]]:
    """Files to read for these PATH arguments, in a deterministic order, and the bad paths.

    A file argument is taken whatever its name. A directory contributes every ``.txt`` file
    below it, recursively, sorted by path. Arguments keep their command-line order and a file
    reached twice, however spelled, is read once. Each file is named by :func:`source_name`,
    which is what the index records as its source. Anything that is not a regular file (a
    FIFO, a device, a socket) is reported instead of read.
    """
    files: list[str] = []
    problems: list[BadInput] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found, special = [], []
            for p in path.rglob(f"*{SUFFIX}"):
                if p.is_dir():
                    continue
                why = _not_regular(p)
                if why:
                    special.append(BadInput(source_name(p), why))
                else:
                    found.append(source_name(p))
            problems.extend(sorted(special, key=lambda bad: bad.source))
            if not found and not special:
                problems.append(BadInput(given, f"directory has no {SUFFIX} files"))
            files.extend(sorted(found))
        elif path.exists():
            why = _not_regular(path)
            if why:
                problems.append(BadInput(given, why))
            else:
                files.append(source_name(path))
        else:
            problems.append(BadInput(given, "no such file or directory"))
    return list(dict.fromkeys(files)), problems


def read_article(source: str) -> Article:
    """Read one file as an Article, or raise :class:`BadInput` saying what is wrong with it.

    The file is opened without blocking and checked to be a regular file before it is read,
    so a FIFO put in its place after :func:`expand` looked cannot hang the run.
    """
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise BadInput(source, error.strerror or str(error)) from error
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInput(source, _not_regular(Path(source)) or "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read()
    except OSError as error:
        raise BadInput(source, error.strerror or str(error)) from error
    finally:
        os.close(fd)
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
