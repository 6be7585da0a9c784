"""Special files and odd --db files get a message, never a hang or a traceback (issue 16)."""

from __future__ import annotations

import os
import sqlite3
import threading

import pytest
from click.testing import CliRunner

from quotes import ingest, store
from quotes.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


def _never_hangs(target) -> None:
    """Run ``target`` in a thread; a FIFO read would block it forever."""
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "hung on a special file"


def test_a_fifo_named_on_the_command_line_is_an_error_line(tmp_path, articles, fake_nlp, runner):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    results = []
    _never_hangs(
        lambda: results.append(
            runner.invoke(cli, ["index", str(fifo), str(articles), "--db", str(tmp_path / "q.db")])
        )
    )
    (result,) = results
    assert result.exit_code == 1
    assert f"error: {fifo}: not a regular file: a FIFO (named pipe)" in result.output
    assert "3 indexed" in result.output


def test_a_fifo_inside_a_folder_is_reported_and_the_rest_indexed(tmp_path, articles, fake_nlp):
    os.mkfifo(articles / "pipe.txt")
    files, problems = ingest.expand([str(articles)])
    assert len(files) == 3
    assert [p.source.rsplit("/", 1)[-1] for p in problems] == ["pipe.txt"]
    assert "FIFO" in problems[0].reason


def test_read_article_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "late.txt"
    os.mkfifo(fifo)  # e.g. put in place of a file after the folder was listed
    errors = []

    def read():
        with pytest.raises(ingest.BadInput) as caught:
            ingest.read_article(str(fifo))
        errors.append(caught.value.reason)

    _never_hangs(read)
    assert errors and "not a regular file" in errors[0]


def test_a_device_is_not_read(tmp_path):
    files, problems = ingest.expand(["/dev/null"])
    assert files == [] and "not a regular file: a device" in problems[0].reason


@pytest.mark.parametrize(
    "command", ["index", "export", "speakers", "prune", "serve", "statements"]
)
def test_a_file_that_is_not_sqlite_as_db_is_a_message(
    tmp_path, articles, fake_nlp, runner, command
):
    db = tmp_path / "notes.db"
    db.write_text("These are my notes, not a database.\n" * 20)
    args = [command, *([str(articles)] if command == "index" else []), "--db", str(db)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"Error: {db} is not a SQLite database" in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    assert db.read_text().startswith("These are my notes")  # untouched


@pytest.mark.parametrize("command", ["index", "export", "speakers", "prune"])
def test_a_foreign_sqlite_database_is_refused_untouched(
    tmp_path, articles, fake_nlp, runner, command
):
    db = tmp_path / "crm.db"
    conn = sqlite3.connect(db)
    conn.execute("create table customers (id integer primary key, name text)")
    conn.execute("insert into customers (name) values ('Ann')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    args = [command, *([str(articles)] if command == "index" else []), "--db", str(db)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "is a SQLite database that quotes did not make (it has customers)" in result.output
    assert result.exception.__class__ is SystemExit
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "command", ["index", "export", "speakers", "prune", "serve", "statements"]
)
def test_a_newer_schema_is_a_message_for_every_command(
    tmp_path, articles, fake_nlp, runner, command
):
    db = tmp_path / "q.db"
    store.open_db(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {len(store.MIGRATIONS) + 1}")
    conn.close()
    args = [command, *([str(articles)] if command == "index" else []), "--db", str(db)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "is newer than this version of quotes understands" in result.output
    assert result.exception.__class__ is SystemExit


def test_an_empty_file_as_db_becomes_an_index(tmp_path, articles, fake_nlp, runner):
    db = tmp_path / "new.db"
    db.write_bytes(b"")
    result = runner.invoke(cli, ["index", str(articles), "--db", str(db)])
    assert result.exit_code == 0, result.output
