"""A CSV export reads back to exactly the JSON Lines records, through Python's csv reader and
through the sqlite3 command-line shell's .import (issue 16: a bare \\r went out unquoted and
readers split the row there)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess

import pytest
from click.testing import CliRunner
from conftest import FakeSpeakerIndex

from quotes import export, indexer
from quotes.cli import cli
from quotes.records import Quote, Span, SpeakerRef

INTS = {
    "article_id", "quote_id", "start", "end", "cue_start", "cue_end", "speaker_id",
    "speaker_start", "speaker_end", "statement_id",
}  # fmt: skip
FLOATS = {"confidence"}

ARTICLES = {
    # saved with old Mac line endings, with Windows ones, and with quotes and commas everywhere
    "cr.txt": "Ferry strike\r\rThe ferries stop tonight,\rsaid Tomas Lind.\r\rNo more.\r",
    "crlf.txt": "Harbour plans\r\n\r\nThe harbour will reopen,\r\nin spring.\r\n\r\nWe agree.",
    'odd "name", with commas.txt': (
        'Council, answers\n\n"No decision," it said, "has been taken."\n\n'
        'A line\nwith\r\nevery\rending, and a \u2028 separator.\n\n"""\n'
    ),
}


def paragraph_quotes(text: str) -> list[Quote]:
    """Every paragraph after the headline is a quote, raw line endings and all; its first
    word is its speaker's mention and the word "said" (when present) its cue."""
    quotes = []
    breaks = [i for i in range(len(text)) if text.startswith(("\n\n", "\r\r", "\r\n\r\n"), i)]
    bounds = [*breaks, len(text)]
    for start, end in zip(bounds, bounds[1:]):
        while start < end and text[start] in "\r\n":
            start += 1
        if start >= end:
            continue
        body = text[start:end]
        word_end = start + len(body.split()[0])
        said = text.find("said", start, end)
        quotes.append(
            Quote(
                content=Span(start, end, body),
                kind="direct",
                cue=Span(said, said + 4, "said") if said >= 0 else None,
                speaker=SpeakerRef(
                    name=text[start:word_end],
                    kind="person",
                    mention=Span(start, word_end, text[start:word_end]),
                ),  # fmt: skip
                method="explicit",
                confidence=0.9,
            )
        )
    return quotes


@pytest.fixture
def exported(tmp_path, monkeypatch) -> tuple[str, list[dict]]:
    folder = tmp_path / "arts"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(
        indexer,
        "make_finder",
        lambda model, batch_size: lambda arts: ((a, paragraph_quotes(a.text)) for a in arts),
    )
    monkeypatch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)
    db = str(tmp_path / "q.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["index", str(folder), "--db", db]).exit_code == 0
    jsonl = runner.invoke(cli, ["export", "--db", db]).output
    records = [json.loads(line) for line in jsonl.split("\n") if line]
    assert len(records) == sum(len(paragraph_quotes(t)) for t in ARTICLES.values()) == 7
    assert any("\r" in r["text"] and "\n" not in r["text"] for r in records)
    assert any("\r\n" in r["text"] for r in records)
    assert any('"' in r["text"] and "," in r["source"] for r in records)
    # the bytes as written: click's Result.output turns every \r\n into \n
    result = runner.invoke(cli, ["export", "--db", db, "--format", "csv"])
    return result.stdout_bytes.decode("utf-8"), records


def typed(row: dict) -> dict:
    """A CSV row with the export's types back: empty cells are nulls (no field is ever an
    empty string), offsets and ids integers, confidence a float, parts the JSON list it is
    written as."""
    out = {}
    for field in export.FIELDS:
        value = row[field]
        if value == "":
            out[field] = None
        elif field == "parts":
            out[field] = json.loads(value)
        elif field in INTS:
            out[field] = int(value)
        elif field in FLOATS:
            out[field] = float(value)
        else:
            out[field] = value
    return out


def test_csv_reads_back_to_the_jsonl_records_with_pythons_csv_reader(exported):
    output, records = exported
    assert output.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(output, newline="")))
    assert [typed(row) for row in rows] == records


def test_csv_reads_back_to_the_jsonl_records_through_sqlite3_import(exported, tmp_path):
    """The sqlite3 shell is a test requirement (.ci/run installs it with apt-get)."""
    output, records = exported
    shell = shutil.which("sqlite3")
    assert shell, "the sqlite3 command-line shell is needed: apt-get install sqlite3"
    path = tmp_path / "quotes.csv"
    path.write_bytes(output.encode("utf-8"))
    imported = tmp_path / "imported.db"
    subprocess.run(
        [shell, str(imported), f".import --csv {path} quotes_csv"], check=True, timeout=60
    )
    conn = sqlite3.connect(imported)
    conn.row_factory = sqlite3.Row
    rows = [dict(row) for row in conn.execute("select * from quotes_csv order by rowid")]
    conn.close()
    assert [typed(row) for row in rows] == records
