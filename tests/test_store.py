import json
import re
from collections import Counter
from pathlib import Path

import pytest
import sqlite_utils

from quotes import indexer, store
from quotes.records import Article, Quote, Span, Speaker, SpeakerRef


def dump(db_path) -> dict[str, list[tuple]]:
    """Every row of the tables quotes writes, for comparing database contents."""
    db = sqlite_utils.Database(db_path)
    try:
        return {
            name: list(db.execute(f"select * from [{name}] order by rowid").fetchall())
            for name in ("articles", "speakers", "quotes")
        }
    finally:
        db.close()


def quote(text: str, start: int, speaker: str | None = None, **kwargs) -> Quote:
    ref = SpeakerRef(name=speaker, kind="person") if speaker else None
    return Quote(content=Span(start, start + len(text), text), kind="direct", speaker=ref, **kwargs)


def test_a_new_database_has_the_current_schema(tmp_path):
    db = store.open_db(tmp_path / "sub" / "q.db")
    assert store.schema_version(db) == len(store.MIGRATIONS)
    assert {"articles", "speakers", "quotes", "quotes_fts", "speakers_fts"} <= set(db.table_names())
    assert {"quotes_view", "speaker_stats"} <= set(db.view_names())
    assert {fk.other_table for fk in db["quotes"].foreign_keys} == {
        "articles", "speakers", "statements"
    }
    assert {"statements", "speaker_overrides"} <= set(db.table_names())
    indexed = {tuple(i.columns) for i in db["quotes"].indexes}
    assert {("article_id",), ("speaker_id",)} <= indexed


def test_open_db_without_create_refuses_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        store.open_db(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_save_article_writes_quotes_speakers_and_keeps_speaker_objects_ids(tmp_path):
    db = store.open_db(tmp_path / "q.db")
    article = Article("a.txt", 'Head\n"Yes," said Ann Lee.', "Head")
    ann = Speaker(name="Ann Lee", kind="person", titles=["Mayor"])
    q = quote("Yes,", 6, "Ann Lee", cue=Span(12, 16, "said"), method="explicit", confidence=0.8)
    q.speaker.mention = Span(17, 24, "Ann Lee")
    article_id = store.save_article(db, article, [(q, ann), (quote("Head", 0), None)])

    assert ann.id is not None
    row = db["quotes"].get(1)
    assert row["article_id"] == article_id and row["speaker_id"] == ann.id
    assert (row["cue"], row["cue_start"], row["cue_end"]) == ("said", 12, 16)
    assert (row["speaker_mention"], row["speaker_start"], row["speaker_end"]) == ("Ann Lee", 17, 24)
    assert store.load_speakers(db) == [Speaker("Ann Lee", "person", ["Mayor"], [], ann.id)]
    assert db["articles"].get(article_id)["sha256"] == article.sha256
    search = db.execute("select rowid from quotes_fts where quotes_fts match 'yes'").fetchall()
    assert search == [(1,)]


def test_reindexing_unchanged_files_leaves_the_database_untouched(tmp_path, articles, fake_nlp):
    db_path = tmp_path / "q.db"
    first = indexer.index_paths([str(articles)], db_path)
    assert (first.indexed, first.unchanged, first.failed) == (3, 0, [])
    before = db_path.read_bytes()

    again = indexer.index_paths([str(articles)], db_path)

    assert (again.indexed, again.unchanged, again.quotes) == (0, 3, 0)
    assert db_path.read_bytes() == before
    assert fake_nlp.loads == ["en_quotes_sm"]  # the pipeline was not even loaded the second time


def test_a_changed_file_has_its_quotes_replaced_and_orphan_speakers_pruned(
    tmp_path, articles, fake_nlp
):
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(articles)], db_path)
    before = dump(db_path)
    db = store.open_db(db_path)
    ids = {s.name: s.id for s in store.load_speakers(db)}
    b_id = db.execute("select id from articles where source like '%b.txt'").fetchone()[0]
    db.close()

    (articles / "b.txt").write_text('Council\n"Ask Tomas," said Tomas Lind.\n', encoding="utf-8")
    summary = indexer.index_paths([str(articles)], db_path)

    assert (summary.indexed, summary.unchanged) == (1, 2)
    assert fake_nlp.seen[-1].endswith("b.txt")
    after = dump(db_path)
    assert after["speakers"] != before["speakers"]
    db = store.open_db(db_path)
    now = {s.name: s.id for s in store.load_speakers(db)}
    assert "Harbour Council" not in now  # its only quote went with the old text
    assert now == {name: ids[name] for name in ("Mara Quist", "Tomas Lind")}
    b_quotes = [r["text"] for r in db.query("select text from quotes where article_id = ?", [b_id])]
    assert b_quotes == ["Ask Tomas,"]
    assert db["articles"].get(b_id)["text"].startswith("Council\n")
    hits = db.execute("select count(*) from quotes_fts where quotes_fts match 'decision'")
    assert hits.fetchone()[0] == 0  # the search index forgot the old quotes too
    db.close()


def test_force_reprocesses_everything_and_gives_the_same_rows(tmp_path, articles, fake_nlp):
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(articles)], db_path)
    before = dump(db_path)
    summary = indexer.index_paths([str(articles)], db_path, force=True)
    assert (summary.indexed, summary.unchanged) == (3, 0)
    assert len(fake_nlp.seen) == 6
    after = dump(db_path)
    assert after["articles"] == before["articles"]
    assert after["speakers"] == before["speakers"]
    # quote ids may differ: a re-indexed article's quotes are new rows
    without_ids = Counter(row[1:] for row in before["quotes"])
    assert Counter(row[1:] for row in after["quotes"]) == without_ids


def test_a_failing_file_does_not_stop_the_others(tmp_path, articles, fake_nlp):
    (articles / "broken.txt").write_bytes(b"\xff\xfe\x00")
    summary = indexer.index_paths([str(articles), str(tmp_path / "nope.txt")], tmp_path / "q.db")
    assert summary.indexed == 3
    assert sorted(p.source.rsplit("/", 1)[-1] for p in summary.failed) == ["broken.txt", "nope.txt"]
    assert not summary.ok


def test_the_pipeline_is_not_loaded_when_nothing_needs_indexing(tmp_path, fake_nlp):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    summary = indexer.index_paths([str(empty)], tmp_path / "q.db")
    assert fake_nlp.loads == []
    assert summary.totals == {"articles": 0, "quotes": 0, "speakers": 0}


def test_migrating_an_older_database_keeps_its_rows(tmp_path):
    db_path = tmp_path / "old.db"
    db = sqlite_utils.Database(db_path)
    store.migrate(db, store.MIGRATIONS[:1])  # as written by a quotes with only the first migration
    assert store.schema_version(db) == 1
    # rows as the first version of quotes wrote them
    text = '"Kept," said Ann. Ann believes it.'
    db["articles"].insert({"id": 1, "source": "old.txt", "text": text, "sha256": "x"})
    db["speakers"].insert({"id": 7, "name": "Ann", "kind": "person"})
    for words, start, cue, kind in (("Kept", 1, "said", "direct"), ("it", 30, "believes", "indirect")):
        db["quotes"].insert({
            "article_id": 1, "speaker_id": 7, "text": words, "start": start,
            "end": start + len(words), "kind": kind, "cue": cue, "method": "explicit",
        })
    db.close()

    db = store.open_db(db_path)
    assert store.schema_version(db) == len(store.MIGRATIONS)
    rows = list(db.query("select speaker, category, parts from quotes_view order by start"))
    assert [r["speaker"] for r in rows] == ["Ann", "Ann"]
    # the category comes from the stored cue, the one piece is the quote itself
    assert [r["category"] for r in rows] == ["speech", "belief"]
    assert json.loads(rows[0]["parts"]) == [{"start": 1, "end": 5, "text": "Kept"}]
    # the search index added by a later migration covers rows written before it
    assert db.execute("select rowid from quotes_fts where quotes_fts match 'kept'").fetchall()
    # a new speaker never takes an id an older speaker had
    ref = SpeakerRef("Bo", "person")
    new = quote("New", 0)
    new.speaker = ref
    cache = store.SpeakerCache(lambda known, overrides: FixedIndex(Speaker("Bo", "person")))
    store.index_article(db, Article("new.txt", "New words", None), [new], cache)
    assert [r["id"] for r in db.query("select id from speakers order by id")] == [7, 8]
    db.close()


class FixedIndex:
    def __init__(self, speaker):
        self.speaker = speaker

    def resolve(self, ref, article_id=None, source=None):
        return self.speaker


def test_a_failing_migration_rolls_back_and_keeps_the_old_version(tmp_path):
    db = sqlite_utils.Database(tmp_path / "q.db")
    store.migrate(db)

    def broken(db):
        db["quotes"].add_column("reviewed", int)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.migrate(db, [*store.MIGRATIONS, broken])
    assert store.schema_version(db) == len(store.MIGRATIONS)
    assert "reviewed" not in db["quotes"].columns_dict


def test_a_database_from_a_newer_quotes_is_refused(tmp_path):
    db = sqlite_utils.Database(tmp_path / "q.db")
    db.execute(f"PRAGMA user_version = {len(store.MIGRATIONS) + 1}")
    with pytest.raises(store.SchemaError, match="newer"):
        store.migrate(db)


def test_the_readme_sql_examples_run_against_the_schema(tmp_path, articles, fake_nlp):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"```sql\n(.*?)```", readme, flags=re.S)
    assert len(examples) >= 3
    indexer.index_paths([str(articles)], tmp_path / "q.db")
    db = store.open_db(tmp_path / "q.db")
    for sql in examples:
        db.execute(sql).fetchall()


def test_a_speaker_moving_between_changed_files_keeps_its_id(tmp_path, fake_nlp):
    a, b, c = (tmp_path / f"{name}.txt" for name in "abc")
    a.write_text('A\n"One," said Ann Lee. "Two," said Bo Rand.\n', encoding="utf-8")
    b.write_text("B\nNo quotes here.\n", encoding="utf-8")
    c.write_text("C\nNo quotes here.\n", encoding="utf-8")
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(tmp_path)], db_path)
    # Bo Rand leaves a (the first file processed), a new speaker arrives in b, Bo returns in c
    a.write_text('A\n"One," said Ann Lee.\n', encoding="utf-8")
    b.write_text('B\n"Three," said Cy Noor.\n', encoding="utf-8")
    c.write_text('C\n"Two again," said Bo Rand.\n', encoding="utf-8")
    indexer.index_paths([str(tmp_path)], db_path)

    db = store.open_db(db_path)
    rows = {r["speaker"]: r["speaker_id"] for r in db.query("select * from quotes_view")}
    assert rows["Ann Lee"] == 1 and rows["Bo Rand"] == 2
    assert len(set(rows.values())) == 3


def test_an_interrupted_quote_keeps_its_pieces_and_category_through_export(tmp_path):
    import csv
    import io

    from quotes import export

    text = '"The bridge is late," she said. "It opens in May."'
    first, second = Span(1, 19, "The bridge is late"), Span(33, 49, "It opens in May.")
    assert text[first.start : first.end] == first.text
    assert text[second.start : second.end] == second.text
    interrupted = Quote(content=first, kind="direct", parts=(first, second), category="speech")
    belief = Quote(content=second, kind="indirect", category="belief")
    db_path = tmp_path / "q.db"
    db = store.open_db(db_path)
    store.save_article(db, Article("a.txt", text), [(interrupted, None), (belief, None)])
    db.close()

    out = io.StringIO()
    export.export(db_path, out, format="jsonl")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["category"] for r in rows] == ["speech", "belief"]
    # text/start/end stay the first piece, so the offsets contract holds for every row
    assert (rows[0]["text"], rows[0]["start"], rows[0]["end"]) == ("The bridge is late", 1, 19)
    assert rows[0]["parts"] == [
        {"start": 1, "end": 19, "text": "The bridge is late"},
        {"start": 33, "end": 49, "text": "It opens in May."},
    ]
    assert rows[1]["parts"] == [{"start": 33, "end": 49, "text": "It opens in May."}]
    for row in rows:
        assert text[row["start"] : row["end"]] == row["text"]
        assert all(text[p["start"] : p["end"]] == p["text"] for p in row["parts"])

    out = io.StringIO()
    export.export(db_path, out, format="csv")
    [first_row, _] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert first_row["category"] == "speech"
    assert json.loads(first_row["parts"])[1]["text"] == "It opens in May."


def test_articles_indexed_before_metadata_are_read_again(tmp_path, fake_nlp):
    # an HTML page used to be indexed as its markup, with the same hash its bytes have now
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><meta property='og:site_name' content='Gazette'></head><body><article>"
        '<p>"The harbour will reopen in spring after the repairs," said Mara Quist.</p>'
        "</article></body></html>",
        encoding="utf-8",
    )
    db_path = tmp_path / "old.db"
    db = sqlite_utils.Database(db_path)
    version = store.MIGRATIONS.index(store._add_article_metadata)
    store.migrate(db, store.MIGRATIONS[:version])
    store.save_article(db, Article(str(page), page.read_text(encoding="utf-8"), "<html>"), [])
    db.close()
    summary = indexer.index_paths([str(page)], db_path)
    assert (summary.indexed, summary.unchanged) == (1, 0)
    db = store.open_db(db_path)
    (row,) = db.query("select title, outlet, text from articles")
    assert row["outlet"] == "Gazette" and "<" not in row["text"]
    db.close()


def previous_schema_with_an_interrupted_quote(db_path) -> list[tuple]:
    """A database as the schema before quotes_fts read every piece left it: one interrupted
    quote and one plain quote. Returns the quotes' rows."""
    db = sqlite_utils.Database(db_path)
    store.migrate(db, store.MIGRATIONS[: store.MIGRATIONS.index(store._search_every_part)])
    text = '"The bridge is late," she said. "It opens in May." Bo believes it.'
    db["articles"].insert({"id": 1, "source": "old.txt", "text": text, "sha256": "x"})
    db["speakers"].insert({"id": 7, "name": "Ann", "kind": "person"})
    pieces = [{"start": 1, "end": 19, "text": "The bridge is late"},
              {"start": 33, "end": 49, "text": "It opens in May."}]
    for words, start, kind, parts in (
        ("The bridge is late", 1, "direct", pieces),
        ("it", 63, "indirect", [{"start": 63, "end": 65, "text": "it"}]),
    ):
        db["quotes"].insert({
            "article_id": 1, "speaker_id": 7, "text": words, "start": start,
            "end": start + len(words), "kind": kind, "method": "explicit", "category": "speech",
            "parts": json.dumps(parts),
        })
    assert not db.execute("select rowid from quotes_fts where quotes_fts match 'May'").fetchall()
    rows = db.execute("select * from quotes order by id").fetchall()
    db.close()
    return rows


def test_an_older_index_upgrades_to_search_every_piece_of_a_quote(tmp_path):
    db_path = tmp_path / "old.db"
    before = previous_schema_with_an_interrupted_quote(db_path)

    db = store.open_db(db_path)
    assert store.schema_version(db) == len(store.MIGRATIONS)
    # every row keeps what it had, and gains its whole wording
    after = db.execute("select * from quotes order by id").fetchall()
    assert [row[: len(before[0])] for row in after] == before
    assert [r["wording"] for r in db.query("select wording from quotes_view order by quote_id")] == [
        "The bridge is late It opens in May.", "it"
    ]
    search = "select rowid from quotes_fts where quotes_fts match ?"
    assert db.execute(search, ["May"]).fetchall() == [(1,)]
    assert db.execute(search, ["bridge"]).fetchall() == [(1,)]
    # the triggers keep the rebuilt index current as quotes come and go
    first, second = Span(1, 19, "The bridge is late"), Span(33, 49, "It opens in May.")
    store.save_article(
        db,
        Article("old.txt", db["articles"].get(1)["text"]),
        [(Quote(first, "direct", parts=(first, second)), None)],
    )
    (new_id,) = [r[0] for r in db.execute("select id from quotes")]
    assert db.execute(search, ["May"]).fetchall() == [(new_id,)]
    assert db.execute(search, ["it"]).fetchall() == [(new_id,)]  # the old "it" quote is gone
    db.execute("insert into quotes_fts (quotes_fts) values ('integrity-check')")
    db.close()


def test_the_search_migration_is_one_transaction(tmp_path):
    # sqlite-utils' enable_fts commits on its own (executescript): a failure after it would
    # leave the new column in place with the old version number, and no rerun could add it
    db_path = tmp_path / "old.db"
    previous_schema_with_an_interrupted_quote(db_path)
    db = sqlite_utils.Database(db_path)
    done = store.MIGRATIONS.index(store._search_every_part)

    def interrupted(db):
        store._search_every_part(db)
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        store.migrate(db, [*store.MIGRATIONS[:done], interrupted])
    assert store.schema_version(db) == done
    assert "wording" not in db["quotes"].columns_dict
    assert db["quotes_fts"].columns[0].name == "text"
    db.close()
    db = store.open_db(db_path)
    assert db.execute("select rowid from quotes_fts where quotes_fts match 'May'").fetchall() == [(1,)]
    db.close()
