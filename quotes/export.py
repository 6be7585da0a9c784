"""Getting the index out: quotes as JSON Lines or CSV, and the Datasette site over it.

The export format is a contract (documented in README.md): one record per quote, ordered by
source then start offset, with these fields. Add fields at the end; never rename or drop one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import yaml

from quotes import store

if TYPE_CHECKING:
    from datasette.app import Datasette

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
)
FORMATS = ("jsonl", "csv")

# metadata.yml sits at the top of the checkout, beside the quotes package
METADATA = Path(__file__).resolve().parent.parent / "metadata.yml"


def write(rows: Iterable[dict], out: TextIO, format: str = "jsonl") -> int:
    """Write quote rows to ``out`` in ``format``; returns how many."""
    count = 0
    if format == "jsonl":
        for count, row in enumerate(rows, start=1):
            out.write(json.dumps({f: row[f] for f in FIELDS}, ensure_ascii=False) + "\n")
    elif format == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for count, row in enumerate(rows, start=1):
            writer.writerow(row)
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


def load_metadata(db_path: str | Path, metadata_path: str | Path | None = METADATA) -> dict:
    """Datasette metadata for the database at ``db_path``.

    Datasette names a database after its file, while metadata.yml describes it as ``quotes``
    (the default ``db/quotes.db``); under another file name the description is moved across so
    facets, labels and canned queries still apply.
    """
    if metadata_path is None or not Path(metadata_path).exists():
        return {}
    metadata = yaml.safe_load(Path(metadata_path).read_text(encoding="utf-8")) or {}
    databases = metadata.get("databases", {})
    name = Path(db_path).stem
    if "quotes" in databases and name not in databases:
        databases[name] = databases.pop("quotes")
    return metadata


def datasette_app(db_path: str | Path, metadata_path: str | Path | None = METADATA) -> Datasette:
    """The Datasette instance ``quotes serve`` runs, for the database at ``db_path``."""
    from datasette.app import Datasette

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no database at {db_path}")
    # migrate before serving, so an index written by an older quotes shows the current views
    store.open_db(db_path, create=False).close()
    return Datasette(files=[str(db_path)], metadata=load_metadata(db_path, metadata_path))
