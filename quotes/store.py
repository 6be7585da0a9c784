"""The SQLite index: schema, migrations and every read and write. The only module with SQL.

Tables: ``articles`` (one row per source file), ``speakers`` (one row per real-world speaker
across articles) and ``quotes`` (one row per quotation, pointing at both). ``quotes_view`` and
``speaker_stats`` are views for browsing; ``quotes_fts`` and ``speakers_fts`` are full-text
indexes kept current by triggers.

Writes happen one article at a time in one transaction, and an article whose text has not
changed is never written, so indexing the same files twice leaves the database as it was.

Any number of processes may write to one index at once (several `quotes index` runs, say).
Every write transaction starts with ``BEGIN IMMEDIATE``, taking SQLite's write lock before it
reads anything, and a connection waits up to :data:`BUSY_TIMEOUT` seconds for that lock. A
deferred transaction (Python's default) would read first and then fail at once with "database
is locked" when another writer got in between: issue 16 measured 563 of 800 writes from two
processes failing that way. The database is in WAL mode, so readers (`quotes serve`,
`quotes export`) never wait for a writer, nor a writer for them.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

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


def _normalise_sources(db: Database) -> None:
    """One article per file: sources written as given (``arts/a.txt``, ``./arts/../arts/a.txt``)
    become one normalised path; of rows that now share a source, the last indexed is kept.

    Issue 16: "the same folder given as arts, an absolute path and ./arts/../arts is indexed
    three times". Only what needs no current directory is done here (``.``, ``..``, doubled
    slashes); `quotes index` renames absolute paths inside its directory when it runs. The
    rows dropped are older copies of the same file's text and quotes, not user data.
    """
    names: dict[str, list[int]] = {}
    for article_id, source in db.execute("select id, source from articles order by id"):
        names.setdefault(normal_source(source), []).append(article_id)
    _merge_sources(db, names)


MIGRATIONS: list[Callable[[Database], None]] = [
    _create_tables,
    _add_search,
    _add_views,
    _add_article_metadata,
    _normalise_sources,
]


class SchemaError(Exception):
    """The database cannot be used by this version of quotes."""


class NotAnIndex(SchemaError):
    """The file given as the database is not a SQLite file, or is one quotes did not make."""


class Busy(Exception):
    """Another process held the write lock for longer than :data:`BUSY_TIMEOUT`."""


# Seconds a write waits for another process's write transaction to end. `quotes index` holds
# the lock for one article's rows at a time (milliseconds), so a wait this long means a stuck
# writer, not a busy one.
BUSY_TIMEOUT = 60.0
# The tables a quotes index has from its first migration on.
OWN_TABLES = frozenset({"articles", "speakers", "quotes"})


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


@contextlib.contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction that holds SQLite's write lock from its first statement.

    ``BEGIN IMMEDIATE`` waits (up to the connection's busy timeout) for any other writer to
    finish, so what the transaction reads stays true until it commits. Nested inside an open
    transaction it is a savepoint of that one. Rolled back on any exception.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if _locked(error):
            raise _busy() from error
        raise
    try:
        yield db
        db.conn.execute("COMMIT")
    except BaseException as error:
        db.conn.rollback()
        if isinstance(error, sqlite3.OperationalError) and _locked(error):
            raise _busy() from error
        raise


def _locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)


def _busy() -> Busy:
    return Busy(f"database is locked: another process kept it for more than {BUSY_TIMEOUT:g} s")


def migrate(db: Database, migrations: Sequence[Callable[[Database], None]] = MIGRATIONS) -> int:
    """Apply the migrations this database has not had yet, each in its own transaction.

    Returns the new schema version. A database already up to date is not written to. Two
    processes opening an old database at once apply each migration once: the version is read
    again under the write lock.
    """
    version = schema_version(db)
    if version > len(migrations):
        raise SchemaError(
            f"database schema version {version} is newer than this version of quotes "
            f"understands ({len(migrations)}); upgrade quotes"
        )
    for number, migration in enumerate(migrations[version:], start=version + 1):
        with transaction(db):
            if schema_version(db) >= number:
                continue  # another process applied it while we waited for the lock
            migration(db)
            # user_version lives in the file header and commits with the transaction
            db.execute(f"PRAGMA user_version = {number}")
    return len(migrations)


def connect(path: str | Path) -> Database:
    """A connection to ``path`` that waits for other writers; checks that it is an index.

    Raises :class:`NotAnIndex` for a file that is not SQLite at all, or a SQLite database
    with tables of its own that quotes did not make (writing our tables into someone else's
    database would be worse than refusing).
    """
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT)
    except sqlite3.Error as error:
        raise NotAnIndex(f"cannot open {path} as a database: {error}") from error
    try:
        tables = {row[0] for row in conn.execute("select name from sqlite_master")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as error:
        conn.close()
        raise NotAnIndex(
            f"{path} is not a SQLite database ({error}); give --db a new file or a quotes index"
        ) from error
    ours = OWN_TABLES <= tables
    if (version == 0 and tables) or (0 < version <= len(MIGRATIONS) and not ours):
        conn.close()
        names = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotAnIndex(
            f"{path} is a SQLite database that quotes did not make (it has {names}); "
            "give --db a new file or a quotes index"
        )
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    if db.journal_mode != "wal":
        # WAL lets readers go on while a writer writes. Changing the mode needs a moment's
        # exclusive access; if another process has the file open that moment may not come,
        # and the index works in the old mode all the same.
        with contextlib.suppress(sqlite3.OperationalError):
            db.enable_wal()
    return db


def open_db(path: str | Path, create: bool = True) -> Database:
    """Open (and with ``create``, make) the index at ``path``, migrated to the current schema."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise FileNotFoundError(f"no database at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        migrate(db)
    except BaseException:
        db.close()
        raise
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
        with transaction(db):
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


def normal_source(source: str) -> str:
    """``source`` without ``.``, ``..`` or doubled slashes; a URL is left as it is."""
    if "://" in source or not source:
        return source
    return posixpath.normpath(source)


def _merge_sources(db: Database, names: dict[str, list[int]]) -> int:
    """Give each group of article ids its one source name, keeping the newest row of a group
    (the highest id) and deleting the others with their quotes. Returns rows deleted."""
    dropped: list[int] = []
    for name, ids in names.items():
        keep = max(ids)
        dropped.extend(i for i in ids if i != keep)
    for start in range(0, len(dropped), 500):
        chunk = dropped[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        db.execute(f"delete from quotes where article_id in ({marks})", chunk)
        db.execute(f"delete from articles where id in ({marks})", chunk)
    for name, ids in names.items():
        db.execute("update articles set source = ? where id = ? and source != ?", [name, max(ids), name])
    if dropped:
        _delete_orphan_speakers(db)
    return len(dropped)


def rename_sources(db: Database, renames: dict[str, str]) -> int:
    """Record the articles ``renames`` names (old source -> new) under their new names, in
    one transaction; where a new name is already taken, the newest row of the two is kept.
    Returns how many duplicate rows were deleted."""
    if not renames:
        return 0
    with transaction(db):
        ids = dict(db.execute("select source, id from articles").fetchall())
        names: dict[str, list[int]] = {}
        for old, new in renames.items():
            if old in ids:
                names.setdefault(new, []).append(ids[old])
        for new, group in names.items():
            if new in ids and ids[new] not in group:
                group.append(ids[new])
        return _merge_sources(db, names)


def sources(db: Database) -> list[str]:
    """Every article's source, sorted."""
    return [row[0] for row in db.execute("select source from articles order by source")]


def delete_articles(db: Database, sources: Iterable[str]) -> int:
    """Delete these articles with their quotes, and speakers left without quotes, in one
    transaction. Returns how many articles were deleted."""
    deleted = 0
    with transaction(db):
        for source in sources:
            row = db.execute("select id from articles where source = ?", [source]).fetchone()
            if row is None:
                continue
            db.execute("delete from quotes where article_id = ?", [row[0]])
            db.execute("delete from articles where id = ?", [row[0]])
            deleted += 1
        _delete_orphan_speakers(db)
    return deleted


def _delete_orphan_speakers(db: Database) -> int:
    return db.execute(
        "delete from speakers where id not in "
        "(select speaker_id from quotes where speaker_id is not null)"
    ).rowcount


def prune_speakers(db: Database) -> int:
    """Delete speakers no quote points at (they are derived from quotes); returns how many."""
    with transaction(db):
        return _delete_orphan_speakers(db)


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
