"""Articles as records: JSON Lines (one object a line) or CSV (a header row), as CMS exports give.

Each record has ``text`` (or ``html``, a page to extract) and any of ``id``, ``title``,
``outlet``, ``published``, ``author``, ``url``, ``language``. A record is indexed under
``FILE#ID`` when it has an id, else ``FILE:LINE`` (its line in the file), so re-indexing an
updated export replaces each article in place. A bad record is one error naming its line; the
other records are still indexed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

from quotes.ingest import html, metadata
from quotes.ingest.text import BadInput, article_of, text_of
from quotes.records import Article

SUFFIXES = (".jsonl", ".ndjson", ".csv")
RECORD_KEYS = ("text", "html", "id")
# a CMS export's text field may be a whole long article; csv's default limit is 128 KiB
csv.field_size_limit(64 * 1024 * 1024)


def is_jsonl(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read(source: str, data: bytes, csv_format: bool) -> Iterator[Article | BadInput]:
    """Each record of a JSON Lines (or, with ``csv_format``, CSV) file as an Article, or the
    :class:`BadInput` that says what is wrong with it."""
    try:
        text = text_of(source, data)
    except BadInput as bad:
        yield bad
        return
    rows = _csv_rows(text) if csv_format else _jsonl_rows(source, text)
    seen: dict[str, int] = {}
    reported: set[str] = set()
    count = 0
    for line, row in rows:
        if isinstance(row, BadInput):
            yield row
            continue
        record_id = row.get("id")
        name = f"{source}#{record_id}" if record_id not in (None, "") else f"{source}:{line}"
        if name in seen:
            yield BadInput(
                name, f"line {line}: duplicate id {record_id!r} (first on line {seen[name]})"
            )
            continue
        seen[name] = line
        unknown = {
            str(k)
            for k in row
            if str(k).lower() not in (*RECORD_KEYS, *metadata.KEYS, *metadata.ALIASES)
        }
        raw = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        try:
            article = _article(name, line, row, hashlib.sha256(raw).hexdigest())
        except BadInput as bad:
            yield bad
            continue
        if unknown - reported:
            # each field the file has but quotes does not use, said once per file
            known = ", ".join((*RECORD_KEYS, *metadata.KEYS))
            note = f"fields not used: {', '.join(sorted(unknown - reported))} (known: {known})"
            article = _with_note(article, note)
            reported |= unknown
        count += 1
        yield article
    if count == 0 and not seen:
        yield BadInput(source, "no records in this file")


def _with_note(article: Article, note: str) -> Article:
    from dataclasses import replace

    return replace(article, notes=(*article.notes, note))


def _article(name: str, line: int, row: dict[str, Any], digest: str) -> Article:
    values = {k: v for k, v in row.items() if str(k).lower() not in RECORD_KEYS}
    known = {
        k: v
        for k, v in values.items()
        if str(k).lower() in metadata.KEYS or str(k).lower() in metadata.ALIASES
    }
    fields, notes = metadata.clean(known, f"line {line}")
    text = row.get("text")
    if (text is None or text == "") and row.get("html"):
        page = html.decode(
            name, str(row["html"]).encode("utf-8"), url=fields.get("url"), extra=fields
        )
        from dataclasses import replace

        return replace(page, digest=digest, notes=(*page.notes, *notes))
    if not isinstance(text, str) or not text.strip():
        raise BadInput(
            name, f"line {line}: no text (a record needs a non-empty 'text' or 'html' field)"
        )
    return article_of(name, text, digest, fields, notes)


def _jsonl_rows(source: str, text: str) -> Iterator[tuple[int, dict | BadInput]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield (
                number,
                BadInput(f"{source}:{number}", f"not JSON ({error.msg} at column {error.colno})"),
            )
            continue
        if not isinstance(row, dict):
            yield number, BadInput(f"{source}:{number}", "a record must be a JSON object")
            continue
        yield number, row


def _csv_rows(text: str) -> Iterator[tuple[int, dict | BadInput]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    line = reader.line_num + 2  # the first record starts after the header
    for row in reader:
        yield line, {k: v for k, v in row.items() if k is not None}
        line = reader.line_num + 1
