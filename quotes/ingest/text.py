"""Plain-text articles: bytes to text, an optional front-matter block, boilerplate lines.

Offsets stored in the index are character offsets into ``Article.text``, so for a text file the
text is the file's bytes decoded as UTF-8 and nothing else: files are opened in binary mode (no
newline translation) and decoded strictly. The one change made is dropping a leading UTF-8 byte
order mark, which is an encoding marker rather than text; offsets count from the character
after it. A front-matter block and boilerplate lines stay in the text (so offsets still index
the file) but are listed in ``Article.skip``, which the pipeline never reads.

A file that cannot be read as text raises :class:`BadInput` with a message for the user, so a
caller can report it and carry on with the other files.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import replace
from typing import Any

import yaml

from quotes.ingest import boilerplate, metadata
from quotes.ingest.view import view
from quotes.records import Article

REPLACEMENT_CHARACTER = "\ufffd"

# A front-matter block as static site generators write it: a first line "---", YAML, then a
# line "---" (or "..."). Only read when the YAML is a mapping naming at least one known field,
# so an article that merely opens with a rule of dashes stays text.
FRONT_MATTER = re.compile(
    r"\A---[ \t]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)(?:---|\.\.\.)[ \t]*(?:\r\n|\r|\n|\Z)", re.S
)


class BadInput(Exception):
    """A path that cannot be indexed; ``str(error)`` reads "source: reason"."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def text_of(source: str, data: bytes) -> str:
    """``data`` decoded as UTF-8 without its byte order mark, or :class:`BadInput` saying why not."""
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
    return text


def front_matter(text: str) -> tuple[int, dict[str, Any], list[str]]:
    """Where the article starts after a front-matter block (0: none), its fields, warnings."""
    found = FRONT_MATTER.match(text)
    if not found:
        return 0, {}, []
    try:
        values = yaml.safe_load(found[1])
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0]
        return 0, {}, [f"front matter not read ({first}); read as article text"]
    if not isinstance(values, dict) or not any(
        str(key).lower() in metadata.KEYS or str(key).lower() in metadata.ALIASES for key in values
    ):
        return 0, {}, []
    return found.end(), values, []


def decode(
    source: str, data: bytes, extra: dict[str, Any] | None = None, digest: str | None = None
) -> Article:
    """The Article for a text file's bytes; ``extra`` is metadata from elsewhere (a sidecar),
    which wins over the file's own front matter."""
    text = text_of(source, data)
    start, values, notes = front_matter(text)
    fields, problems = metadata.clean(values, "front matter")
    if extra:
        fields.update(extra)
    skip = ([(0, start)] if start else []) + boilerplate.ranges(text, start)
    if not text[start:].strip():
        raise BadInput(source, "file has only front matter, no article text")
    title = fields.pop("title", None)
    article = Article(
        source=source,
        text=text,
        title=title,
        digest=digest,
        skip=tuple(skip),
        notes=tuple(notes + problems),
        **fields,
    )
    if title is None:
        # the headline is the first line the pipeline reads: not front matter, not "Subscribe"
        article = replace(article, title=title_of(view(article).text) or title_of(text[start:]))
    return article


def article_of(
    source: str, text: str, digest: str, fields: dict[str, Any], notes: list[str]
) -> Article:
    """An article read from a page or a record: its own title when it gives one, else its first
    line; boilerplate lines marked for the pipeline to skip (offsets still index ``text``)."""
    title = fields.pop("title", None) or title_of(text)
    return Article(
        source=source,
        text=text,
        title=title,
        digest=digest,
        skip=tuple(boilerplate.ranges(text)),
        notes=tuple(notes),
        **fields,
    )


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
    found = list(article.notes)
    count = article.text.count(REPLACEMENT_CHARACTER)
    if not count:
        return found
    first = article.text.index(REPLACEMENT_CHARACTER)
    line = article.text.count("\n", 0, first) + 1
    plural = "s" if count > 1 else ""
    return found + [
        f"{count} U+FFFD replacement character{plural} (first on line {line}, character "
        f"offset {first}): characters were lost before this file was saved; indexed anyway"
    ]
