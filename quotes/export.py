"""Getting the index out: quotes as JSON Lines or CSV (the Datasette site is quotes.web).

The export format is a contract (documented in README.md): one record per quote, ordered by
source then start offset, with these fields. Add fields at the end; never rename or drop one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from quotes import store

FIELDS = (
    "source",
    "article_id",
    "quote_id",
    "text",
    "start",
    "end",
    "kind",
    "cue",
    "cue_start",
    "cue_end",
    "speaker",
    "speaker_kind",
    "speaker_id",
    "speaker_mention",
    "speaker_start",
    "speaker_end",
    "method",
    "confidence",
    # the article's metadata (empty for a text file that gives none)
    "outlet",
    "published",
    "author",
    "url",
    "language",
    # quotes reporting the same statement share it (quotes.statements)
    "statement_id",
    # what kind of attribution, and the pieces of an interrupted quote
    "category",
    "parts",
    # the whole quotation, its pieces joined: what the search index reads
    "wording",
)
FORMATS = ("jsonl", "csv")


# JSON escapes every control character below U+0020, but with ensure_ascii=False it leaves
# these line separators raw, and Python's str.splitlines() (and JavaScript before ES2019) break
# a line at them: a quote holding U+2028 would split its record in two. Escaped, each record
# stays on one line for any reader, and decodes to the same text.
_LINE_SEPARATORS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonl_line(record: dict) -> str:
    """One JSON Lines record: UTF-8 text as is, every line separator escaped."""
    return json.dumps(record, ensure_ascii=False).translate(_LINE_SEPARATORS) + "\n"


def write(rows: Iterable[dict], out: TextIO, format: str = "jsonl") -> int:
    """Write quote rows to ``out`` in ``format``; returns how many."""
    count = 0
    if format == "jsonl":
        for count, row in enumerate(rows, start=1):
            out.write(jsonl_line({f: row[f] for f in FIELDS}))
    elif format == "csv":
        # RFC 4180's \r\n row ends. Python's writer quotes a field holding a comma, a quote
        # mark or a character of the line terminator; with "\n" alone a bare \r went out
        # unquoted and readers split the row there (issue 16: 68 rows for 67 quotes).
        writer = csv.DictWriter(
            out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\r\n"
        )
        writer.writeheader()
        for count, row in enumerate(rows, start=1):
            # a CSV cell holds the pieces as the JSON list they are in JSON Lines
            writer.writerow({**row, "parts": json.dumps(row["parts"], ensure_ascii=False)})
    else:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return count


def export(db_path: str | Path, out: TextIO, format: str = "jsonl") -> int:
    """Write every quote in the database at ``db_path`` to ``out``; returns how many."""
    db = store.open_db(db_path, create=False)
    try:
        return write(store.quote_rows(db), out, format)
    finally:
        db.close()
