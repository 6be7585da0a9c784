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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Database

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


def _add_article_search(db: Database) -> None:
    # "Search over quotes and article text, with snippets" (issue 15): the site searches the
    # articles' titles and text too, so a phrase outside any quote is still found.
    # (a database made by a development build may have the index already)
    if "articles_fts" not in db.table_names():
        db["articles"].enable_fts(["title", "text"], create_triggers=True)


MIGRATIONS: list[Callable[[Database], None]] = [
    _create_tables,
    _add_search,
    _add_views,
    _add_article_metadata,
    _add_article_search,
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
  articles.language
from quotes
  join articles on articles.id = quotes.article_id
  left join speakers on speakers.id = quotes.speaker_id
order by articles.source, quotes.start, quotes."end", quotes.id
"""


def quote_rows(db: Database) -> Iterator[dict]:
    """Every quote with its article and speaker, ordered by source then position."""
    return db.query(EXPORT_SQL)


def speaker_rows(db: Database) -> Iterator[dict]:
    """Speakers with their quote and article counts, most quoted first."""
    for row in db.query("select * from speaker_stats order by quotes desc, name, id"):
        yield {**row, "titles": json.loads(row["titles"]), "aliases": json.loads(row["aliases"])}


def counts(db: Database) -> dict[str, int]:
    return {table: db[table].count for table in ("articles", "quotes", "speakers")}


# -- reads for the web site -------------------------------------------------------------------
#
# The Datasette plugin (quotes.web) runs these on Datasette's own connections (plain sqlite3
# connections), so they take a connection rather than a sqlite-utils Database. Columns other
# branches of the schema add (articles.outlet, quotes.statement_id, ...) are looked up at call
# time: the site shows them when they exist and works without them.

WEB_TABLES = ("articles", "speakers", "quotes")

# Optional columns, shown when the schema has them.
ARTICLE_EXTRAS = ("outlet", "published", "author", "url", "language")
QUOTE_EXTRAS = ("category", "parts", "statement_id")

# Marks around search hits in snippets: characters no article is expected to hold, replaced
# by <mark> elements after the text around them has been escaped for HTML.
HIT_START, HIT_END = "\ue000", "\ue001"


def is_index(path: str | Path) -> bool:
    """Whether the SQLite file at ``path`` holds a quotes index (read-only look, never writes)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = {row[0] for row in conn.execute("select name from sqlite_master")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return set(WEB_TABLES) <= names


def checkpoint(path: str | Path) -> bool:
    """Fold a write-ahead log back into the database file, so a reader that ignores the log
    (Datasette's immutable mode) sees every committed article. False when a writer kept some
    of the log from being folded in."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return True
        busy, frames, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy and frames == done
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def fts_query(text: str | None) -> str:
    """An FTS5 query for what a person typed: every word or "phrase" is quoted, so no input is
    a syntax error.

    Kept: "exact phrases" (an unclosed quote runs to the end), OR and NOT between terms, and
    prefix* searches. Everything else is a phrase of its own words: ``US-led`` finds "US-led",
    ``U.S.`` finds "U.S.", ``don't`` finds "don't". Input with no words matches nothing.
    """
    # 'US-led' gave "no such column: led" and 'fts5: syntax error' for an empty query (issue 15)
    terms: list[str] = []
    for m in re.finditer(r'"([^"]*)"?|(\S+)', text or ""):
        word = m.group(2)
        if word in ("OR", "NOT") and terms and terms[-1] not in ("OR", "NOT"):
            terms.append(word)
            continue
        phrase = m.group(1) if word is None else word
        star = ""
        if word is not None and len(word) > 1 and word.endswith("*"):
            phrase, star = word.rstrip("*"), "*"
        if not re.search(r"[^\W_]", phrase):
            continue  # no token at all ('%', '_'): FTS5 would find nothing anyway
        terms.append('"' + phrase.replace('"', '""') + '"' + star)
    while terms and terms[-1] in ("OR", "NOT"):
        terms.pop()
    return " ".join(terms) or '""'


def register_functions(conn: Any) -> None:
    """SQL functions the site's canned queries use: ``quotes_fts_query(text)`` (see
    :func:`fts_query`) and ``quotes_like(text)``, a LIKE pattern matching ``text`` word for
    word anywhere (``%`` and ``_`` escaped with backslash; use ``escape '\\'``)."""
    conn.create_function("quotes_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("quotes_like", 1, like_pattern, deterministic=True)


def like_pattern(text: str | None) -> str | None:
    """``%text%`` with LIKE's wildcards escaped; None (matching nothing) for empty input."""
    # "%, _ or an empty value match everything, although one promises 'word for word'" (issue 16)
    if text is None or not str(text).strip():
        return None
    escaped = str(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def columns(conn: Any, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info([{table}])")]


def longest_article(conn: Any) -> int:
    """Bytes in the longest article text (0 when there is none)."""
    row = conn.execute("select max(length(cast(text as blob))) from articles").fetchone()
    return row[0] or 0


def _dicts(cursor: Any) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _article_select(conn: Any, prefix: str = "") -> str:
    """The article columns the site shows, those of ARTICLE_EXTRAS the schema has included,
    each named ``prefix + column``."""
    present = set(columns(conn, "articles"))
    names = ["id", "title", "source", *(c for c in ARTICLE_EXTRAS if c in present)]
    return ", ".join(f"articles.[{c}] as [{prefix}{c}]" for c in names)


def article_row(conn: Any, article_id: int, with_text: bool = True) -> dict | None:
    select = _article_select(conn) + (", articles.text as text" if with_text else "")
    rows = _dicts(conn.execute(f"select {select} from articles where id = ?", [article_id]))
    return rows[0] if rows else None


def speaker_row(conn: Any, speaker_id: int) -> dict | None:
    rows = _dicts(
        conn.execute(
            "select speakers.*, count(quotes.id) as quotes, "
            "count(distinct quotes.article_id) as articles "
            "from speakers left join quotes on quotes.speaker_id = speakers.id "
            "where speakers.id = ? group by speakers.id",
            [speaker_id],
        )
    )
    if not rows:
        return None
    row = rows[0]
    for key in ("titles", "aliases"):
        try:
            row[key] = json.loads(row.get(key) or "[]")
        except ValueError:
            row[key] = [row[key]]
    return row


def _quote_select(conn: Any) -> str:
    present = set(columns(conn, "quotes"))
    extras = [f"quotes.[{c}] as [{c}]" for c in QUOTE_EXTRAS if c in present]
    return ", ".join(
        [
            "quotes.id, quotes.article_id, quotes.speaker_id, quotes.text, quotes.start",
            'quotes."end", quotes.kind, quotes.cue, quotes.cue_start, quotes.cue_end',
            "quotes.speaker_mention, quotes.speaker_start, quotes.speaker_end",
            "quotes.method, quotes.confidence",
            "speakers.name as speaker, speakers.kind as speaker_kind",
            *extras,
        ]
    )


def quote_row(conn: Any, quote_id: int) -> dict | None:
    rows = _dicts(
        conn.execute(
            f"select {_quote_select(conn)} from quotes "
            "left join speakers on speakers.id = quotes.speaker_id where quotes.id = ?",
            [quote_id],
        )
    )
    return rows[0] if rows else None


def article_quotes(conn: Any, article_id: int) -> list[dict]:
    """Every quote of an article with its speaker's name, in text order."""
    return _dicts(
        conn.execute(
            f"select {_quote_select(conn)} from quotes "
            "left join speakers on speakers.id = quotes.speaker_id "
            'where quotes.article_id = ? order by quotes.start, quotes."end", quotes.id',
            [article_id],
        )
    )


def speaker_quotes(conn: Any, speaker_id: int) -> list[dict]:
    """A speaker's quotes, each with its article's title, source and (when stored) outlet and
    date, ordered by article then position."""
    order = "articles.source"
    if "published" in columns(conn, "articles"):
        order = "articles.published is null, articles.published, articles.source"
    prefixed = _article_select(conn, "article_")
    return _dicts(
        conn.execute(
            f"select {_quote_select(conn)}, {prefixed} from quotes "
            "join articles on articles.id = quotes.article_id "
            "left join speakers on speakers.id = quotes.speaker_id "
            f'where quotes.speaker_id = ? order by {order}, quotes.start, quotes."end"',
            [speaker_id],
        )
    )


def same_statement(conn: Any, quote: dict) -> list[dict]:
    """Other quotes reporting the same statement as ``quote`` (quotes.statement_id, when the
    schema has it), with their speakers and articles; the statement's own row as
    ``statement`` on each."""
    if quote.get("statement_id") is None:
        return []
    prefixed = _article_select(conn, "article_")
    return _dicts(
        conn.execute(
            f"select {_quote_select(conn)}, {prefixed} from quotes "
            "join articles on articles.id = quotes.article_id "
            "left join speakers on speakers.id = quotes.speaker_id "
            "where quotes.statement_id = ? and quotes.id != ? "
            "order by articles.source, quotes.start",
            [quote["statement_id"], quote["id"]],
        )
    )


def search_quotes(conn: Any, text: str, limit: int = 50) -> list[dict]:
    """Quotes matching ``text`` (see :func:`fts_query`), best first, with the hits marked by
    HIT_START / HIT_END in ``highlighted``."""
    return _dicts(
        conn.execute(
            "select quotes.id, quotes.article_id, quotes.speaker_id, quotes.confidence, "
            "highlight(quotes_fts, 0, ?, ?) as highlighted, speakers.name as speaker, "
            "articles.title as article_title, articles.source as article_source "
            "from quotes_fts join quotes on quotes.id = quotes_fts.rowid "
            "join articles on articles.id = quotes.article_id "
            "left join speakers on speakers.id = quotes.speaker_id "
            "where quotes_fts match ? order by rank limit ?",
            [HIT_START, HIT_END, fts_query(text), limit],
        )
    )


def search_articles(conn: Any, text: str, limit: int = 50) -> list[dict]:
    """Articles whose title or text match ``text``, best first, with a marked snippet."""
    names = {row[0] for row in conn.execute("select name from sqlite_master")}
    if "articles_fts" not in names:
        return []
    return _dicts(
        conn.execute(
            "select articles.id, articles.title, articles.source, "
            "snippet(articles_fts, 1, ?, ?, '…', 24) as snippet "
            "from articles_fts join articles on articles.id = articles_fts.rowid "
            "where articles_fts match ? order by rank limit ?",
            [HIT_START, HIT_END, fts_query(text), limit],
        )
    )
