"""The SQLite index: schema, migrations and every read and write. The only module with SQL.

Tables: ``articles`` (one row per source file), ``speakers`` (one row per real-world speaker
across articles) and ``quotes`` (one row per quotation, pointing at both). ``quotes_view`` and
``speaker_stats`` are views for browsing; ``quotes_fts`` and ``speakers_fts`` are full-text
indexes kept current by triggers.

Writes happen one article at a time in one transaction, and an article whose text has not
changed is never written, so indexing the same files twice leaves the database as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import sqlite_utils
from sqlite_utils.db import Database

from quotes.cues import category_of_cue_text
from quotes.records import METADATA_FIELDS, Article, Quote, Speaker

# -- schema -----------------------------------------------------------------------------------
#
# The schema version is SQLite's PRAGMA user_version: the number of MIGRATIONS applied. A
# migration is only ever appended, never edited, and must carry existing rows forward (add
# columns, rebuild with table.transform()); derived data such as FTS tables may be rebuilt.


def _create_tables(db: Database) -> None:
    db["articles"].create(
        {"id": int, "source": str, "title": str, "text": str, "sha256": str},
        pk="id",
        not_null={"source", "text", "sha256"},
    )
    db["articles"].create_index(["source"], unique=True)
    db["speakers"].create(
        {"id": int, "name": str, "kind": str, "titles": str, "aliases": str},
        pk="id",
        not_null={"name", "kind"},
        defaults={"titles": "[]", "aliases": "[]"},
    )
    db["speakers"].create_index(["name"])
    db["quotes"].create(
        {
            "id": int,
            "article_id": int,
            "speaker_id": int,
            "text": str,
            "start": int,
            "end": int,
            "kind": str,
            "cue": str,
            "cue_start": int,
            "cue_end": int,
            "speaker_mention": str,
            "speaker_start": int,
            "speaker_end": int,
            "method": str,
            "confidence": float,
        },
        pk="id",
        not_null={"article_id", "text", "start", "end", "kind", "method"},
        foreign_keys=[("article_id", "articles", "id"), ("speaker_id", "speakers", "id")],
    )
    db["quotes"].create_index(["article_id"])
    db["quotes"].create_index(["speaker_id"])


def _add_search(db: Database) -> None:
    db["quotes"].enable_fts(["text"], create_triggers=True)
    db["speakers"].enable_fts(["name", "aliases"], create_triggers=True)


def _add_views(db: Database) -> None:
    db.create_view(
        "quotes_view",
        """
        select
          quotes.id as quote_id,
          speakers.name as speaker,
          speakers.kind as speaker_kind,
          quotes.text,
          quotes.kind,
          quotes.cue,
          articles.title as article,
          articles.source,
          quotes.start,
          quotes."end",
          quotes.speaker_mention,
          quotes.method,
          quotes.confidence,
          quotes.article_id,
          quotes.speaker_id
        from quotes
          join articles on articles.id = quotes.article_id
          left join speakers on speakers.id = quotes.speaker_id
        """,
    )
    db.create_view(
        "speaker_stats",
        """
        select
          speakers.id,
          speakers.name,
          speakers.kind,
          speakers.titles,
          speakers.aliases,
          count(quotes.id) as quotes,
          count(distinct quotes.article_id) as articles
        from speakers
          left join quotes on quotes.speaker_id = speakers.id
        group by speakers.id
        """,
    )


def _add_article_metadata(db: Database) -> None:
    """Where and when an article appeared and who wrote it, for "who said what, where and
    when": nullable columns (a bare text file has none of them), and quotes_view carries the
    outlet and date so quotes can be faceted by them."""
    for column in METADATA_FIELDS:
        db["articles"].add_column(column, str)
    db["articles"].create_index(["outlet"])
    db["articles"].create_index(["published"])
    # Articles indexed before this version were read differently (an HTML page as its markup,
    # boilerplate lines and front matter as text) and have no metadata yet: forgetting their
    # hashes makes the next `quotes index` of the same files read them again. Rows stay.
    db.execute("update articles set sha256 = ''")
    db.execute("drop view if exists quotes_view")
    db.create_view(
        "quotes_view",
        """
        select
          quotes.id as quote_id,
          speakers.name as speaker,
          speakers.kind as speaker_kind,
          quotes.text,
          quotes.kind,
          quotes.cue,
          articles.title as article,
          articles.source,
          quotes.start,
          quotes."end",
          quotes.speaker_mention,
          quotes.method,
          quotes.confidence,
          quotes.article_id,
          quotes.speaker_id,
          articles.outlet,
          articles.published,
          articles.author,
          articles.url
        from quotes
          join articles on articles.id = quotes.article_id
          left join speakers on speakers.id = quotes.speaker_id
        """,
    )


def _add_category_and_parts(db: Database) -> None:
    """``quotes.category`` (speech, belief, stance, finding, other) and ``quotes.parts`` (the
    pieces of a quotation interrupted by its attribution, as JSON). Rows indexed before have
    one piece, their text, and the category their stored cue word gives; re-indexing with
    --force recomputes both from the text."""
    db["quotes"].add_column("category", str)
    db["quotes"].add_column("parts", str)
    rows = db.execute('select id, text, start, "end", cue, kind from quotes').fetchall()
    for quote_id, text, start, end, cue, kind in rows:
        db.execute(
            "update quotes set category = ?, parts = ? where id = ?",
            [
                category_of_cue_text(cue, direct=kind == "direct"),
                _parts_json([(start, end, text)]),
                quote_id,
            ],
        )
    db["quotes"].create_index(["category"])
    db.execute("drop view if exists quotes_view")
    db.create_view(
        "quotes_view",
        """
        select
          quotes.id as quote_id,
          speakers.name as speaker,
          speakers.kind as speaker_kind,
          quotes.text,
          quotes.kind,
          quotes.category,
          quotes.cue,
          articles.title as article,
          articles.source,
          quotes.start,
          quotes."end",
          quotes.parts,
          quotes.speaker_mention,
          quotes.method,
          quotes.confidence,
          quotes.article_id,
          quotes.speaker_id,
          articles.outlet,
          articles.published,
          articles.author,
          articles.url
        from quotes
          join articles on articles.id = quotes.article_id
          left join speakers on speakers.id = quotes.speaker_id
        """,
    )


MIGRATIONS: list[Callable[[Database], None]] = [
    _create_tables,
    _add_search,
    _add_views,
    _add_article_metadata,
    _add_category_and_parts,
]


class SchemaError(Exception):
    """The database cannot be used by this version of quotes."""


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, migrations: Sequence[Callable[[Database], None]] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet, each in its own transaction.

    Returns the new schema version. A database already up to date is not written to.
    """
    version = schema_version(db)
    if version > len(migrations):
        raise SchemaError(
            f"database schema version {version} is newer than this version of quotes "
            f"understands ({len(migrations)}); upgrade quotes"
        )
    for number, migration in enumerate(migrations[version:], start=version + 1):
        with db.atomic():
            migration(db)
            # user_version lives in the file header and commits with the transaction
            db.execute(f"PRAGMA user_version = {number}")
    return len(migrations)


def open_db(path: str | Path, create: bool = True) -> Database:
    """Open (and with ``create``, make) the index at ``path``, migrated to the current schema."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no database at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db


# -- writes -----------------------------------------------------------------------------------


def article_hashes(db: Database) -> dict[str, str]:
    """sha256 of the text last indexed for each source."""
    return {row["source"]: row["sha256"] for row in db.query("select source, sha256 from articles")}


def load_speakers(db: Database) -> list[Speaker]:
    return [
        Speaker(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            titles=json.loads(row["titles"] or "[]"),
            aliases=json.loads(row["aliases"] or "[]"),
        )
        for row in db.query("select * from speakers order by id")
    ]


def save_article(
    db: Database, article: Article, quotes: Iterable[tuple[Quote, Speaker | None]]
) -> int:
    """Replace everything indexed for ``article.source`` with these quotes, in one transaction.

    Each quote comes with its canonical speaker, whose row is written too. A speaker without
    an id is inserted and its ``id`` set on the object, so later articles that resolve to the
    same Speaker point at the same row. Speakers this leaves without quotes stay until
    :func:`prune_speakers`, which a caller runs once all articles are saved: deleting them
    here would free their ids for reuse while a later article may still resolve to them.
    Returns the article's id.
    """
    inserted: list[Speaker] = []
    try:
        with db.atomic():
            return _save_article(db, article, quotes, inserted)
    except BaseException:
        # The transaction was rolled back, so the speaker rows it inserted are gone: forget
        # their ids, or a later article resolving to the same Speaker would point at nothing.
        for speaker in inserted:
            speaker.id = None
        raise


def _save_article(
    db: Database,
    article: Article,
    quotes: Iterable[tuple[Quote, Speaker | None]],
    inserted: list[Speaker],
) -> int:
    row = {
        "source": article.source,
        "title": article.title,
        "text": article.text,
        "sha256": article.sha256,
    }
    # (a database opened without migrating, as a test of migrations does, has no such columns)
    if METADATA_FIELDS[0] in db["articles"].columns_dict:
        row.update(article.metadata)
    existing = db.execute(
        "select id from articles where source = ?", [article.source]
    ).fetchone()
    if existing:
        article_id = existing[0]
        db["articles"].update(article_id, row)
        db["quotes"].delete_where("article_id = ?", [article_id])
    else:
        article_id = db["articles"].insert(row).last_pk
    rows = []
    for quote, speaker in quotes:
        if speaker is not None:
            if speaker.id is None:
                inserted.append(speaker)
            _save_speaker(db, speaker)
        rows.append(_quote_row(article_id, quote, speaker))
    db["quotes"].insert_all(rows)
    return article_id


def _save_speaker(db: Database, speaker: Speaker) -> None:
    row = {
        "name": speaker.name,
        "kind": speaker.kind,
        "titles": json.dumps(speaker.titles, ensure_ascii=False),
        "aliases": json.dumps(speaker.aliases, ensure_ascii=False),
    }
    if speaker.id is None:
        speaker.id = db["speakers"].insert(row).last_pk
    else:
        db["speakers"].update(speaker.id, row)


def _parts_json(parts: Iterable[tuple[int, int, str]]) -> str:
    return json.dumps(
        [{"start": start, "end": end, "text": text} for start, end, text in parts],
        ensure_ascii=False,
    )


def _quote_row(article_id: int, quote: Quote, speaker: Speaker | None) -> dict:
    cue, mention = quote.cue, quote.mention
    return {
        "article_id": article_id,
        "speaker_id": speaker.id if speaker else None,
        "text": quote.content.text,
        "start": quote.content.start,
        "end": quote.content.end,
        "kind": quote.kind,
        "cue": cue.text if cue else None,
        "cue_start": cue.start if cue else None,
        "cue_end": cue.end if cue else None,
        "speaker_mention": mention.text if mention else None,
        "speaker_start": mention.start if mention else None,
        "speaker_end": mention.end if mention else None,
        "method": quote.method,
        "confidence": quote.confidence,
        "category": quote.category,
        "parts": _parts_json((p.start, p.end, p.text) for p in quote.pieces),
    }


def prune_speakers(db: Database) -> int:
    """Delete speakers no quote points at (they are derived from quotes); returns how many."""
    with db.atomic():
        return db.execute(
            "delete from speakers where id not in "
            "(select speaker_id from quotes where speaker_id is not null)"
        ).rowcount


# -- reads ------------------------------------------------------------------------------------

EXPORT_SQL = """
select
  articles.source,
  quotes.article_id,
  quotes.id as quote_id,
  quotes.text,
  quotes.start,
  quotes."end",
  quotes.kind,
  quotes.cue,
  quotes.cue_start,
  quotes.cue_end,
  speakers.name as speaker,
  speakers.kind as speaker_kind,
  quotes.speaker_id,
  quotes.speaker_mention,
  quotes.speaker_start,
  quotes.speaker_end,
  quotes.method,
  quotes.confidence,
  articles.outlet,
  articles.published,
  articles.author,
  articles.url,
  articles.language,
  quotes.category,
  quotes.parts
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
order by articles.source, quotes.start, quotes."end", quotes.id
"""


def quote_rows(db: Database) -> Iterator[dict]:
    """Every quote with its article and speaker, ordered by source then position; ``parts``
    decoded to a list of {start, end, text}."""
    for row in db.query(EXPORT_SQL):
        yield {**row, "parts": json.loads(row["parts"]) if row["parts"] else []}


def speaker_rows(db: Database) -> Iterator[dict]:
    """Speakers with their quote and article counts, most quoted first."""
    for row in db.query("select * from speaker_stats order by quotes desc, name, id"):
        yield {**row, "titles": json.loads(row["titles"]), "aliases": json.loads(row["aliases"])}


def counts(db: Database) -> dict[str, int]:
    return {table: db[table].count for table in ("articles", "quotes", "speakers")}
