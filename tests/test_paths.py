"""One article per file however its path is spelled, and a way to remove articles whose
files are gone (issue 16, "Identity of articles")."""

from __future__ import annotations

import os

import pytest
import sqlite_utils
from click.testing import CliRunner

from quotes import indexer, ingest, store
from quotes.cli import cli
from quotes.records import Article


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run from tmp_path, so sources inside it are recorded relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_source_names_are_relative_inside_the_current_directory_else_absolute(
    in_tmp, tmp_path_factory
):
    (in_tmp / "arts" / "sub").mkdir(parents=True)
    (in_tmp / "arts" / "sub" / "a.txt").write_text("x")
    for spelling in ("arts/sub/a.txt", "./arts/../arts/sub/a.txt", str(in_tmp / "arts/sub/a.txt")):
        assert ingest.source_name(spelling) == "arts/sub/a.txt"
    os.symlink(in_tmp / "arts", in_tmp / "link")
    assert ingest.source_name("link/sub/a.txt") == "arts/sub/a.txt"
    outside = tmp_path_factory.mktemp("elsewhere") / "b.txt"
    outside.write_text("y")
    assert ingest.source_name(outside) == os.path.realpath(outside)
    assert ingest.source_name(
        f"{outside.parent}/../{outside.parent.name}/b.txt"
    ) == os.path.realpath(outside)


def test_the_same_folder_however_spelled_is_indexed_once(in_tmp, articles, fake_nlp):
    os.rename(articles, in_tmp / "arts")
    spellings = ["arts", str(in_tmp / "arts"), "./arts/../arts", "arts/"]
    first = indexer.index_paths(spellings, "q.db")
    assert (first.files, first.indexed) == (3, 3)
    for spelling in spellings:
        again = indexer.index_paths([spelling], "q.db")
        assert (again.indexed, again.unchanged) == (0, 3), spelling
    db = store.open_db("q.db")
    assert store.sources(db) == ["arts/a.txt", "arts/b.txt", "arts/more/c.txt"]
    db.close()


def _old_database(path, sources: list[str]) -> None:
    """A database as quotes wrote it before sources were normalised (schema version 3)."""
    db = sqlite_utils.Database(path)
    store.migrate(db, store.MIGRATIONS[:3])
    for n, source in enumerate(sources):
        article = Article(source, f'"Said {n}," said Ann Lee.')
        store.save_article(db, article, [])
    db.close()


def test_the_migration_merges_spellings_of_one_file_keeping_the_newest(tmp_path):
    path = tmp_path / "old.db"
    _old_database(path, ["arts/a.txt", "./arts/../arts/a.txt", "arts//b.txt", "/x/./c.txt"])
    db = store.open_db(path)
    rows = db.execute("select id, source from articles order by id").fetchall()
    assert rows == [(2, "arts/a.txt"), (3, "arts/b.txt"), (4, "/x/c.txt")]
    db.close()


def test_an_absolute_source_inside_the_current_directory_is_renamed_not_duplicated(
    in_tmp, articles, fake_nlp
):
    os.rename(articles, in_tmp / "arts")
    _old_database(in_tmp / "q.db", [str(in_tmp / "arts" / "a.txt")])
    summary = indexer.index_paths(["arts"], "q.db")
    db = store.open_db("q.db")
    assert store.sources(db) == ["arts/a.txt", "arts/b.txt", "arts/more/c.txt"]
    db.close()
    assert summary.totals["articles"] == 3


def test_index_prune_deletes_articles_under_the_paths_whose_files_are_gone(
    in_tmp, articles, fake_nlp
):
    os.rename(articles, in_tmp / "arts")
    (in_tmp / "other").mkdir()
    (in_tmp / "other" / "d.txt").write_text('"Elsewhere," said Bo Rand.\n')
    indexer.index_paths(["arts", "other"], "q.db")
    (in_tmp / "arts" / "b.txt").unlink()
    (in_tmp / "other" / "d.txt").unlink()

    kept = indexer.index_paths(["arts"], "q.db")
    assert kept.pruned is None and kept.totals["articles"] == 4  # nothing deleted unasked

    result = CliRunner().invoke(cli, ["index", "arts", "--db", "q.db", "--prune"])
    assert result.exit_code == 0, result.output
    assert "pruned: arts/b.txt: file is gone" in result.output
    assert "0 failed, 1 pruned" in result.output
    db = store.open_db("q.db")
    # other/d.txt is gone too, but other/ was not indexed by this run
    assert store.sources(db) == ["arts/a.txt", "arts/more/c.txt", "other/d.txt"]
    assert "Harbour Council" not in {s.name for s in store.load_speakers(db)}  # b's speaker
    assert db.execute("select count(*) from quotes").fetchone()[0] == 4
    db.close()


def test_index_prune_leaves_everything_when_a_folder_is_missing(in_tmp, articles, fake_nlp):
    os.rename(articles, in_tmp / "arts")
    indexer.index_paths(["arts"], "q.db")
    os.rename(in_tmp / "arts", in_tmp / "moved")
    summary = indexer.index_paths(["arts"], "q.db", prune=True)
    assert summary.pruned == [] and summary.totals["articles"] == 3


def test_the_prune_command_deletes_every_article_whose_file_is_gone(in_tmp, articles, fake_nlp):
    os.rename(articles, in_tmp / "arts")
    indexer.index_paths(["arts"], "q.db")
    (in_tmp / "arts" / "a.txt").unlink()
    runner = CliRunner()
    dry = runner.invoke(cli, ["prune", "--db", "q.db", "--dry-run"])
    assert dry.exit_code == 0 and "would delete: arts/a.txt" in dry.output
    db = store.open_db("q.db")
    assert len(store.sources(db)) == 3
    db.close()
    done = runner.invoke(cli, ["prune", "--db", "q.db"])
    assert done.exit_code == 0 and "deleted: arts/a.txt" in done.output
    db = store.open_db("q.db")
    assert store.sources(db) == ["arts/b.txt", "arts/more/c.txt"]
    assert "Mara Quist" not in {s.name for s in store.load_speakers(db)}
    db.close()
    again = runner.invoke(cli, ["prune", "--db", "q.db"])
    assert "0 articles whose files are gone deleted" in again.output


def test_records_of_a_deleted_file_are_pruned_and_stdin_articles_kept(in_tmp, fake_nlp):
    (in_tmp / "cms.jsonl").write_text(
        '{"id": "a1", "text": "\\"One,\\" said Ann Lee."}\n{"text": "\\"Two,\\" said Bo Rand."}\n',
        encoding="utf-8",
    )
    summary = indexer.index_paths(["cms.jsonl"], "q.db")
    assert summary.indexed == 2, summary.failed
    db = store.open_db("q.db")
    store.save_article(db, Article("<stdin>", '"Three," said Cy Noor.'), [])
    assert store.sources(db) == ["<stdin>", "cms.jsonl#a1", "cms.jsonl:2"]
    db.close()
    assert indexer.prune("q.db") == []  # every file is still there
    (in_tmp / "cms.jsonl").unlink()
    assert indexer.prune("q.db") == ["cms.jsonl#a1", "cms.jsonl:2"]
    db = store.open_db("q.db")
    assert store.sources(db) == ["<stdin>"]
    db.close()


def test_pruning_keeps_statements_true(in_tmp, fake_nlp):
    """A statement reported by three articles loses one quote when one file goes, and is
    gone (its last quote set free) when only one article still reports it."""
    (in_tmp / "arts").mkdir()
    for name in ("a", "b", "c"):
        (in_tmp / "arts" / f"{name}.txt").write_text(
            f'Story {name}\n"The harbour will reopen in spring," said Mara Quist.\n',
            encoding="utf-8",
        )
    indexer.index_paths(["arts"], "q.db")
    db = store.open_db("q.db")
    assert db.execute("select quotes, articles from statements").fetchall() == [(3, 3)]
    db.close()

    (in_tmp / "arts" / "a.txt").unlink()
    assert indexer.index_paths(["arts"], "q.db", prune=True).pruned == ["arts/a.txt"]
    db = store.open_db("q.db")
    assert db.execute("select quotes, articles from statements").fetchall() == [(2, 2)]
    db.close()

    (in_tmp / "arts" / "b.txt").unlink()
    assert indexer.prune("q.db") == ["arts/b.txt"]
    db = store.open_db("q.db")
    assert db.execute("select count(*) from statements").fetchone()[0] == 0
    assert db.execute("select statement_id from quotes").fetchall() == [(None,)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()


def test_an_editor_may_name_an_article_any_way_that_reaches_its_file(in_tmp, articles, fake_nlp):
    os.rename(articles, in_tmp / "arts")
    indexer.index_paths(["arts"], "q.db")
    db = store.open_db("q.db")
    (quist,) = [s.id for s in store.load_speakers(db) if s.name == "Mara Quist"]
    db.close()
    spelled = str(in_tmp / "arts" / ".." / "arts" / "a.txt")
    args = ["speakers", "split", str(quist), spelled, "--name", "M. Quist", "--db", "q.db"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "M. Quist" in result.output
