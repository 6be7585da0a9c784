"""The SQLite index: schema, migrations and every read and write. The only module with SQL.

Tables: ``articles`` (one row per source file), ``speakers`` (one row per real-world speaker
across articles) and ``quotes`` (one row per quotation, pointing at both). ``quotes_view`` and
``speaker_stats`` are views for browsing; ``quotes_fts`` (a quote's whole wording, every
piece of it), ``speakers_fts`` and ``articles_fts`` are full-text indexes kept current by
triggers.

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
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils
from sqlite_utils.db import Database

from quotes.cues import category_of_cue_text
from quotes.records import (
    METADATA_FIELDS,
    Article,
    Quote,
    Speaker,
    SpeakerOverride,
    SpeakerRef,
    Wording,
)

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


def _add_speaker_identity(db: Database) -> None:
    """Generic descriptions scoped to their article, editors' overrides, ids never reused."""
    # "The company said ..." in two unrelated articles must not be one speaker "company".
    db.execute("ALTER TABLE speakers ADD COLUMN article_id INTEGER REFERENCES articles(id)")
    db["speakers"].create_index(["article_id"])
    db["speaker_overrides"].create(
        {
            "id": int,
            "action": str,
            "speaker_id": int,
            "kind": str,
            "name": str,
            "key": str,
            "source": str,
            "from_id": int,
        },
        pk="id",
        not_null={"action", "speaker_id", "kind", "name"},
    )
    # The highest speaker id ever given, so a pruned speaker's id (and page) never names
    # someone else later.
    db["sequences"].create({"name": str, "value": int}, pk="name")
    highest = db.execute("select coalesce(max(id), 0) from speakers").fetchone()[0]
    db["sequences"].insert({"name": "speakers", "value": highest})


def _add_statements(db: Database) -> None:
    """Quotes reporting the same statement, across articles and outlets (quotes.statements)."""
    db["statements"].create(
        {"id": int, "text": str, "quotes": int, "articles": int}, pk="id", not_null={"text"}
    )
    db.execute("ALTER TABLE quotes ADD COLUMN statement_id INTEGER REFERENCES statements(id)")
    db["quotes"].create_index(["statement_id"])
    if db["quotes"].count:
        # quotes indexed before statements existed: the next `quotes index` groups them
        db["sequences"].insert({"name": "statements_pending", "value": 1})


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


def _add_article_search(db: Database) -> None:
    # "Search over quotes and article text, with snippets" (issue 15): the site searches the
    # articles' titles and text too, so a phrase outside any quote is still found.
    # (a database made by a development build may have the index already)
    if "articles_fts" not in db.table_names():
        db["articles"].enable_fts(["title", "text"], create_triggers=True)


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


def _search_every_part(db: Database) -> None:
    """``quotes.wording``, a quote's whole wording (its pieces joined by a space; its text for
    a quote of one piece), and ``quotes_fts`` indexing it instead of ``text``.

    "Searching for words of the second piece finds nothing": an interrupted quote's ``text``
    is its first piece, so the index over ``text`` missed the rest. The search index is derived
    data and is rebuilt here; every row keeps what it had and gains its wording. Done with
    plain statements (not sqlite-utils' enable_fts, whose executescript commits) so that the
    migration is one transaction.
    """
    db["quotes"].add_column("wording", str)
    rows = db.execute("select id, text, parts from quotes").fetchall()
    for quote_id, text, parts in rows:
        db.execute("update quotes set wording = ? where id = ?", [_whole(text, parts), quote_id])
    for trigger in ("quotes_ai", "quotes_ad", "quotes_au"):
        db.execute(f"drop trigger if exists [{trigger}]")
    db.execute("drop table if exists quotes_fts")
    # the same form sqlite-utils writes, so its detect_fts() and Datasette still find it
    db.execute('CREATE VIRTUAL TABLE "quotes_fts" USING FTS5 (\n    "wording",\n    content="quotes"\n)')
    db.execute('insert into quotes_fts (rowid, wording) select rowid, wording from quotes')
    db.execute(
        'CREATE TRIGGER "quotes_ai" AFTER INSERT ON "quotes" BEGIN\n'
        '  INSERT INTO "quotes_fts" (rowid, "wording") VALUES (new.rowid, new."wording");\nEND'
    )
    db.execute(
        'CREATE TRIGGER "quotes_ad" AFTER DELETE ON "quotes" BEGIN\n'
        '  INSERT INTO "quotes_fts" ("quotes_fts", rowid, "wording")'
        " VALUES('delete', old.rowid, old.\"wording\");\nEND"
    )
    db.execute(
        'CREATE TRIGGER "quotes_au" AFTER UPDATE ON "quotes" BEGIN\n'
        '  INSERT INTO "quotes_fts" ("quotes_fts", rowid, "wording")'
        " VALUES('delete', old.rowid, old.\"wording\");\n"
        '  INSERT INTO "quotes_fts" (rowid, "wording") VALUES (new.rowid, new."wording");\nEND'
    )
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
          quotes.wording,
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


def _add_feed_items(db: Database) -> None:
    """``articles.feed_guid`` and ``articles.feed_updated``: what a feed said of the item an
    article's page was fetched for (its guid, its updated or published date).

    "Re-running a feed hourly refetches every item's page": with the item's URL indexed and
    these unchanged, `quotes index --feed` no longer fetches it. Articles indexed before are
    left null: a feed item among them that has a guid or a date is fetched once more (and
    counted unchanged if its page is), which records them.
    """
    db["articles"].add_column("feed_guid", str)
    db["articles"].add_column("feed_updated", str)


MIGRATIONS: list[Callable[[Database], None]] = [
    _create_tables,
    _add_search,
    _add_views,
    _add_article_metadata,
    _add_speaker_identity,
    _add_statements,
    _normalise_sources,
    _add_article_search,
    _add_category_and_parts,
    _search_every_part,
    _add_feed_items,
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
            # Read again under the write lock: another process opening the same new
            # database at the same moment may have applied it already.
            if schema_version(db) >= number:
                continue
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


def feed_items(db: Database) -> dict[str, tuple[str | None, str | None]]:
    """For each article whose hash is known (not forgotten by a migration), the feed guid and
    date it was last fetched with (both null when it did not come from a feed, or came
    before they were kept): an item whose URL and these match need not be fetched."""
    return {
        row[0]: (row[1], row[2])
        for row in db.execute(
            "select source, feed_guid, feed_updated from articles where sha256 != ''"
        )
    }


def note_feed_item(db: Database, source: str, guid: str | None, updated: str | None) -> bool:
    """Record a feed item's guid and date on its article, whose page was fetched again and
    found unchanged (so the article itself is not written). Writes only when they differ;
    returns whether it wrote."""
    where = "source = ? and (feed_guid is not ? or feed_updated is not ?)"
    params = [source, guid, updated]
    if not db.execute(f"select exists(select 1 from articles where {where})", params).fetchone()[0]:
        return False
    with transaction(db):
        db.execute(f"update articles set feed_guid = ?, feed_updated = ? where {where}",
                   [guid, updated, *params])
    return True


def load_speakers(db: Database) -> list[Speaker]:
    return [
        Speaker(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            titles=json.loads(row["titles"] or "[]"),
            aliases=json.loads(row["aliases"] or "[]"),
            article_id=row["article_id"],
        )
        for row in db.query("select * from speakers order by id")
    ]


def load_overrides(db: Database) -> list[SpeakerOverride]:
    """The editor's merges and splits, oldest first."""
    return [
        SpeakerOverride(
            action=row["action"],
            speaker_id=row["speaker_id"],
            kind=row["kind"],
            name=row["name"],
            key=row["key"],
            source=row["source"],
            from_id=row["from_id"],
        )
        for row in db.query("select * from speaker_overrides order by id")
    ]


class Resolver(Protocol):
    def resolve(
        self, ref: SpeakerRef, article_id: int | None = None, source: str | None = None
    ) -> Speaker: ...


class SpeakerCache:
    """The database's speakers, for resolving an article's mentions inside its transaction.

    Two ``quotes index`` on one database each used to load the speakers once and write from
    that stale copy (one person became two speakers, titles were lost). The copy is now
    checked inside each article's write transaction, which holds the write lock, and loaded
    again whenever another connection has committed since (``PRAGMA data_version``), so every
    merge is against what the database holds at that moment.
    """

    def __init__(
        self, make_index: Callable[[list[Speaker], list[SpeakerOverride]], Resolver]
    ) -> None:
        self.make_index = make_index
        self._index: Resolver | None = None
        self._version: int | None = None
        self.loads = 0  # how many times the speakers were read (for tests)

    def current(self, db: Database) -> Resolver:
        version = db.execute("PRAGMA data_version").fetchone()[0]
        if self._index is None or version != self._version:
            self._index = self.make_index(load_speakers(db), load_overrides(db))
            self._version = version
            self.loads += 1
        return self._index

    def forget(self) -> None:
        """Drop the copy (after a rollback, whose ids and renames never reached the file)."""
        self._index = None


StatementGrouper = Callable[[Database, list[int], set[int]], None]


class ResolvingFailed(Exception):
    """Resolving an article's speakers raised ``error`` (the article was not stored)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def index_article(
    db: Database,
    article: Article,
    quotes: Sequence[Quote],
    speakers: SpeakerCache,
    group_statements: StatementGrouper | None = None,
) -> int:
    """Store one article's quotes, merging their speakers against the database as it is now.

    Everything happens in one write transaction: the article row, the speakers resolved
    (against the current rows, see :class:`SpeakerCache`), the quotes, and the statement
    groups the new quotes join (``group_statements(db, new_quote_ids, old_statement_ids)``).
    Returns the article's id. An error while resolving speakers comes as
    :class:`ResolvingFailed`; nothing of the article is stored after any error.
    """
    try:
        with transaction(db):
            article_id, old_statements = _replace_article(db, article)
            try:
                index = speakers.current(db)
                resolved = [
                    (q, index.resolve(q.speaker, article_id=article_id, source=article.source)
                     if q.speaker else None)
                    for q in quotes
                ]
            except Exception as error:
                raise ResolvingFailed(error) from error
            new_ids = _insert_quotes(db, article_id, resolved)
            if group_statements is not None:
                group_statements(db, new_ids, old_statements)
    except BaseException:
        speakers.forget()
        raise
    return article_id


def _replace_article(db: Database, article: Article) -> tuple[int, set[int]]:
    """Write the article's row and delete its old quotes; returns its id and the statements
    those quotes belonged to."""
    row = {
        "source": article.source,
        "title": article.title,
        "text": article.text,
        "sha256": article.sha256,
    }
    # (a database opened without migrating, as a test of migrations does, has no such columns)
    columns = db["articles"].columns_dict
    if METADATA_FIELDS[0] in columns:
        row.update(article.metadata)
    if "feed_guid" in columns:
        row.update(feed_guid=article.feed_guid, feed_updated=article.feed_updated)
    existing = db.execute("select id from articles where source = ?", [article.source]).fetchone()
    old: set[int] = set()
    if existing:
        article_id = existing[0]
        db["articles"].update(article_id, row)
        old = {
            r[0]
            for r in db.execute(
                "select distinct statement_id from quotes "
                "where article_id = ? and statement_id is not null",
                [article_id],
            )
        }
        db["quotes"].delete_where("article_id = ?", [article_id])
    else:
        article_id = db["articles"].insert(row).last_pk
    return article_id, old


def _insert_quotes(
    db: Database,
    article_id: int,
    quotes: Iterable[tuple[Quote, Speaker | None]],
    inserted: list[Speaker] | None = None,
) -> list[int]:
    """Insert the quotes and write their speakers; ``inserted`` collects the speakers that
    got their id here."""
    ids = []
    for quote, speaker in quotes:
        if speaker is not None:
            if speaker.id is None and inserted is not None:
                inserted.append(speaker)
            _save_speaker(db, speaker)
        ids.append(db["quotes"].insert(_quote_row(article_id, quote, speaker)).last_pk)
    return ids


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
            article_id, _ = _replace_article(db, article)
            _insert_quotes(db, article_id, quotes, inserted)
    except BaseException:
        # The transaction was rolled back, so the speaker rows it inserted are gone: forget
        # their ids, or a later article resolving to the same Speaker would point at nothing.
        for speaker in inserted:
            speaker.id = None
        raise
    return article_id


def _save_speaker(db: Database, speaker: Speaker) -> None:
    row = {
        "name": speaker.name,
        "kind": speaker.kind,
        "titles": json.dumps(speaker.titles, ensure_ascii=False),
        "aliases": json.dumps(speaker.aliases, ensure_ascii=False),
        "article_id": speaker.article_id,
    }
    if speaker.id is None:
        speaker.id = _next_speaker_id(db)
    if db.execute("select 1 from speakers where id = ?", [speaker.id]).fetchone():
        db["speakers"].update(speaker.id, row)
    else:
        # a new speaker, or one an editor's override brings back under its old id
        db["speakers"].insert({"id": speaker.id, **row})


def _next_speaker_id(db: Database) -> int:
    """One more than any id a speaker ever had: a pruned speaker's id is never reused."""
    highest = db.execute(
        "select max(coalesce((select max(id) from speakers), 0),"
        " coalesce((select value from sequences where name = 'speakers'), 0),"
        " coalesce((select max(max(speaker_id), coalesce(max(from_id), 0))"
        " from speaker_overrides), 0))"
    ).fetchone()[0]
    db["sequences"].upsert({"name": "speakers", "value": highest + 1}, pk="name")
    return highest + 1


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
        # what quotes_fts indexes, so a word of any piece finds the quote
        "wording": " ".join(p.text for p in quote.pieces),
    }


def normal_source(source: str) -> str:
    """``source`` without ``.``, ``..`` or doubled slashes; a URL is left as it is."""
    if "://" in source or not source:
        return source
    return posixpath.normpath(source)


def _merge_sources(db: Database, names: dict[str, list[int]]) -> int:
    """Give each group of article ids its one source name, keeping the newest row of a group
    (the highest id) and deleting the others with what was derived from them. An editor's
    override recorded under an old spelling follows the article to its name. Returns rows
    deleted."""
    spelled = dict(db.execute("select id, source from articles").fetchall())
    dropped = [i for ids in names.values() for i in ids if i != max(ids)]
    _drop_articles(db, dropped)
    overrides = "speaker_overrides" in db.table_names()
    for name, ids in names.items():
        db.execute(
            "update articles set source = ? where id = ? and source != ?", [name, max(ids), name]
        )
        if overrides:
            for old in {spelled[i] for i in ids} - {name}:
                db.execute("update speaker_overrides set source = ? where source = ?", [name, old])
    return len(dropped)


def _drop_articles(db: Database, ids: Sequence[int]) -> None:
    """Delete these articles and what was derived from them, inside the caller's transaction:
    their quotes, the speakers left without quotes, and their quotes' places in statements (a
    statement left with one quote or none is deleted, the others recounted)."""
    statements = "statement_id" in db["quotes"].columns_dict
    scoped = "article_id" in db["speakers"].columns_dict
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        touched = []
        if statements:
            touched = [
                row[0]
                for row in db.execute(
                    f"select distinct statement_id from quotes where article_id in ({marks})"
                    " and statement_id is not null",
                    chunk,
                )
            ]
        db.execute(f"delete from quotes where article_id in ({marks})", chunk)
        for statement_id in touched:
            _recount_statement(db, statement_id)
        _delete_orphan_speakers(db)
        if scoped:  # (none should be left: a speaker scoped to an article quotes in it only)
            db.execute(f"update speakers set article_id = null where article_id in ({marks})", chunk)
        db.execute(f"delete from articles where id in ({marks})", chunk)


def _recount_statement(db: Database, statement_id: int) -> None:
    left = db.execute(
        "select count(*) from quotes where statement_id = ?", [statement_id]
    ).fetchone()[0]
    if left < 2:  # a single quote belongs to no statement (write_statements' rule)
        db.execute("update quotes set statement_id = null where statement_id = ?", [statement_id])
        db.execute("delete from statements where id = ?", [statement_id])
    else:
        db.execute(
            "update statements set quotes = ?, articles = (select count(distinct article_id)"
            " from quotes where statement_id = ?) where id = ?",
            [left, statement_id, statement_id],
        )


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
    """Delete these articles with their quotes, the speakers left without quotes and their
    quotes' places in statements, in one transaction. Returns how many were deleted."""
    with transaction(db):
        ids = []
        for source in sources:
            row = db.execute("select id from articles where source = ?", [source]).fetchone()
            if row is not None:
                ids.append(row[0])
        _drop_articles(db, ids)
    return len(ids)


def _delete_orphan_speakers(db: Database) -> int:
    return db.execute(
        "delete from speakers where id not in "
        "(select speaker_id from quotes where speaker_id is not null)"
    ).rowcount


def prune_speakers(db: Database) -> int:
    """Delete speakers no quote points at (they are derived from quotes); returns how many.

    Reads before writing, so a run that finds no orphan does not write at all.
    """
    orphans = "from speakers where id not in (select speaker_id from quotes where speaker_id is not null)"
    if not db.execute(f"select exists(select 1 {orphans})").fetchone()[0]:
        return 0
    with transaction(db):
        return db.execute(f"delete {orphans}").rowcount


# -- editors' overrides -----------------------------------------------------------------------


class NotFound(Exception):
    """An id or source the command was given is not in the index."""


def _speaker(db: Database, speaker_id: int) -> Speaker:
    row = db.execute("select id from speakers where id = ?", [speaker_id]).fetchone()
    if row is None:
        raise NotFound(f"no speaker with id {speaker_id}")
    return next(s for s in load_speakers(db) if s.id == speaker_id)


def _source_of(db: Database, article_id: int | None) -> str | None:
    if article_id is None:
        return None
    return db.execute("select source from articles where id = ?", [article_id]).fetchone()[0]


def merge_speakers(
    db: Database, into: int, others: Sequence[int], key: Callable[[str], str]
) -> Speaker:
    """Make the speakers ``others`` one with ``into``, now and at every later re-index.

    Their quotes move to ``into``, their names and titles join its aliases and titles, and
    each name is recorded in ``speaker_overrides`` so the indexer resolves it to ``into``
    again (only within its article for a generic description). ``key`` is the name
    normaliser the indexer matches with. Returns the merged speaker.
    """
    with transaction(db):
        target = _speaker(db, into)
        for other_id in others:
            if other_id == into:
                raise ValueError(f"cannot merge speaker {into} into itself")
            other = _speaker(db, other_id)
            source = _source_of(db, other.article_id)
            db.execute("update quotes set speaker_id = ? where speaker_id = ?", [into, other_id])
            known = {key(n) for n in (target.name, *target.aliases)}
            for name in (other.name, *other.aliases):
                if key(name) not in known:
                    target.aliases.append(name)
                    known.add(key(name))
                db.execute(
                    "delete from speaker_overrides where action = 'merge' and key = ?"
                    " and source is ?",
                    [key(name), source],
                )
                db["speaker_overrides"].insert(
                    {"action": "merge", "speaker_id": into, "kind": target.kind,
                     "name": target.name, "key": key(name), "source": source}
                )
            target.titles.extend(t for t in other.titles if t not in target.titles)
            # earlier overrides that gave the merged speaker now give the one it joined
            db.execute(
                "update speaker_overrides set speaker_id = ?, kind = ?, name = ?"
                " where speaker_id = ?",
                [into, target.kind, target.name, other_id],
            )
            db.execute("delete from speakers where id = ?", [other_id])
        _save_speaker(db, target)
    return target


def split_speaker(
    db: Database, speaker_id: int, source: str, name: str | None, key: Callable[[str], str]
) -> Speaker:
    """Give speaker ``speaker_id``'s quotes in article ``source`` to a new speaker (named
    ``name``, else the same name), now and at every later re-index. Returns the new speaker."""
    with transaction(db):
        old = _speaker(db, speaker_id)
        row = db.execute("select id from articles where source = ?", [source]).fetchone()
        if row is None:
            raise NotFound(f"no article {source} in the index (see its sources with quotes export)")
        moved = db.execute(
            "select count(*) from quotes where article_id = ? and speaker_id = ?",
            [row[0], speaker_id],
        ).fetchone()[0]
        if not moved:
            raise NotFound(f"speaker {speaker_id} has no quote in {source}")
        new = Speaker(name=name or old.name, kind=old.kind, article_id=old.article_id)
        _save_speaker(db, new)
        db.execute(
            "update quotes set speaker_id = ? where article_id = ? and speaker_id = ?",
            [new.id, row[0], speaker_id],
        )
        db["speaker_overrides"].insert(
            {"action": "split", "speaker_id": new.id, "kind": new.kind, "name": new.name,
             "key": key(old.name), "source": source, "from_id": speaker_id}
        )
    prune_speakers(db)
    return new


def override_rows(db: Database) -> list[dict]:
    return list(db.query("select * from speaker_overrides order by id"))


def delete_override(db: Database, override_id: int) -> None:
    """Forget an override; the next re-index of the articles concerned resolves as if it had
    never been made (``--force`` applies it everywhere at once)."""
    with transaction(db):
        if not db.execute("delete from speaker_overrides where id = ?", [override_id]).rowcount:
            raise NotFound(f"no override with id {override_id}")


# -- statements (quotes.statements decides, this stores) ----------------------------------------

_WORDING_SQL = """
select quotes.id, quotes.text, quotes.speaker_id, speakers.kind, quotes.statement_id,
  quotes.parts
from quotes left join speakers on speakers.id = quotes.speaker_id
"""


def _wordings(db: Database, where: str, params: Sequence) -> list[Wording]:
    return [
        Wording(quote_id, _whole(text, parts), speaker_id, kind, statement_id)
        for quote_id, text, speaker_id, kind, statement_id, parts in db.execute(
            f"{_WORDING_SQL} {where}", list(params)
        )
    ]


def _whole(text: str, parts: str | None) -> str:
    """A quote's whole wording: an interrupted quote's pieces joined (its text is the first)."""
    pieces = json.loads(parts) if parts else []
    return " ".join(piece["text"] for piece in pieces) if len(pieces) > 1 else text


def wordings(db: Database, quote_ids: Sequence[int]) -> list[Wording]:
    marks = ",".join("?" * len(quote_ids))
    return _wordings(db, f"where quotes.id in ({marks}) order by quotes.id", quote_ids)


def similar_wordings(db: Database, words: Sequence[str], limit: int) -> list[Wording]:
    """The ``limit`` quotes the full-text index ranks best for any of ``words``."""
    if not words:
        return []
    # each word quoted, so no typed character is read as FTS syntax
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    return _wordings(
        db,
        "where quotes.id in (select rowid from quotes_fts where quotes_fts match ?"
        " order by rank limit ?) order by quotes.id",
        [match, limit],
    )


def statement_wordings(db: Database, statement_ids: Iterable[int]) -> list[Wording]:
    ids = sorted(statement_ids)
    marks = ",".join("?" * len(ids))
    return _wordings(db, f"where quotes.statement_id in ({marks}) order by quotes.id", ids)


def statements_pending(db: Database) -> bool:
    """Were quotes stored before statements existed, and not grouped yet?"""
    row = db.execute("select value from sequences where name = 'statements_pending'").fetchone()
    return bool(row and row[0])


def article_quote_ids(db: Database) -> Iterator[list[int]]:
    """Each article's quote ids, article by article."""
    for (article_id,) in db.execute("select id from articles order by id").fetchall():
        yield [r[0] for r in db.execute(
            "select id from quotes where article_id = ? order by id", [article_id]
        )]


def group_all(db: Database, group_statements: StatementGrouper) -> None:
    """Group every stored quote into statements from scratch, one article per transaction,
    as if the articles were indexed again in order."""
    with transaction(db):
        db.execute("update quotes set statement_id = null")
        db.execute("delete from statements")
    for quote_ids in article_quote_ids(db):
        if quote_ids:
            with transaction(db):
                group_statements(db, quote_ids, set())
    with transaction(db):
        db.execute("delete from sequences where name = 'statements_pending'")


def write_statements(
    db: Database, groups: Sequence[tuple[Sequence[int], str]], touched: Iterable[int]
) -> None:
    """Store statement groups: each (quote ids, representative wording). A group of two
    quotes or more keeps the lowest statement id its members had (so a statement's id stays
    while it grows); a single quote gets none. Statements left without quotes are deleted."""
    claimed: set[int] = set()
    seen = set(touched)
    for quote_ids, text in sorted(groups, key=lambda g: min(g[0])):
        marks = ",".join("?" * len(quote_ids))
        had = sorted(
            r[0]
            for r in db.execute(
                f"select distinct statement_id from quotes where id in ({marks})"
                " and statement_id is not null",
                list(quote_ids),
            )
        )
        seen.update(had)
        statement_id = None
        if len(quote_ids) > 1:
            statement_id = next((s for s in had if s not in claimed), None)
            if statement_id is None:
                statement_id = db["statements"].insert({"text": text}).last_pk
            claimed.add(statement_id)
        db.execute(
            f"update quotes set statement_id = ? where id in ({marks})",
            [statement_id, *quote_ids],
        )
        if statement_id is not None:
            db.execute(
                "update statements set text = ?, quotes = (select count(*) from quotes where"
                " statement_id = ?), articles = (select count(distinct article_id) from quotes"
                " where statement_id = ?) where id = ?",
                [text, statement_id, statement_id, statement_id],
            )
    ids = sorted(seen - claimed)
    if ids:
        marks = ",".join("?" * len(ids))
        db.execute(
            f"delete from statements where id in ({marks}) and id not in"
            " (select statement_id from quotes where statement_id is not null)",
            ids,
        )


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
  quotes.statement_id,
  quotes.category,
  quotes.parts,
  quotes.wording
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
    sql = (
        "select speaker_stats.*, speakers.article_id from speaker_stats"
        " join speakers on speakers.id = speaker_stats.id"
        " order by speaker_stats.quotes desc, speaker_stats.name, speaker_stats.id"
    )
    for row in db.query(sql):
        yield {**row, "titles": json.loads(row["titles"]), "aliases": json.loads(row["aliases"])}


def statement_rows(db: Database) -> Iterator[dict]:
    """Statements, most articles first, each with its wordings (source, speaker, text)."""
    for row in db.query("select * from statements order by articles desc, quotes desc, id"):
        wordings = db.query(
            "select articles.source, speakers.name as speaker, quotes.text from quotes"
            " join articles on articles.id = quotes.article_id"
            " left join speakers on speakers.id = quotes.speaker_id"
            " where quotes.statement_id = ? order by articles.source, quotes.start",
            [row["id"]],
        )
        yield {**row, "wordings": list(wordings)}


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
