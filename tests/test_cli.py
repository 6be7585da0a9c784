import csv
import io
import json

import pytest
from click.testing import CliRunner

from quotes import __version__, indexer
from quotes.cli import cli


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def indexed(tmp_path, articles, fake_nlp, runner):
    db = tmp_path / "q.db"
    result = runner.invoke(cli, ["index", str(articles), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def test_version_and_help(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output
    for command in ([], ["index"], ["export"], ["serve"], ["speakers"]):
        result = runner.invoke(cli, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage: " in result.output


def test_index_reports_a_summary_and_is_idempotent(tmp_path, articles, fake_nlp, runner):
    db = tmp_path / "q.db"
    first = runner.invoke(cli, ["index", str(articles), "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "3 files: 3 indexed, 0 unchanged, 0 failed; 5 quotes written" in first.output
    second = runner.invoke(cli, ["index", str(articles), "--db", str(db)])
    assert "3 indexed" not in second.output
    assert "0 indexed, 3 unchanged" in second.output
    forced = runner.invoke(cli, ["index", str(articles), "--db", str(db), "--force"])
    assert "3 indexed, 0 unchanged" in forced.output


def test_index_passes_model_and_batch_size_to_the_pipeline(tmp_path, articles, runner, monkeypatch):
    asked = []

    def make_finder(model, batch_size):
        asked.append((model, batch_size))
        return lambda articles: ((a, []) for a in articles)

    monkeypatch.setattr(indexer, "make_finder", make_finder)
    monkeypatch.setattr(indexer, "make_speaker_index", lambda known, overrides=None: None)
    db = str(tmp_path / "q.db")
    args = ["index", str(articles), "--db", db, "--model", "x", "--batch-size", "3"]
    assert runner.invoke(cli, args).exit_code == 0
    assert asked == [("x", 3)]


def test_bad_files_are_reported_and_the_rest_indexed_with_exit_status_1(
    tmp_path, articles, fake_nlp, runner
):
    (articles / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (articles / "latin1.txt").write_bytes("Caf\u00e9".encode("latin-1"))
    (articles / "damaged.txt").write_text('"Lost \ufffd," said Ann Lee.', encoding="utf-8")
    db = tmp_path / "q.db"
    args = ["index", str(articles), str(tmp_path / "missing"), "--db", str(db)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 3
    assert any("binary.txt: binary file" in line for line in errors)
    assert any("latin1.txt: not valid UTF-8" in line for line in errors)
    assert any("missing: no such file" in line for line in errors)
    assert any(line.startswith("warning: ") and "damaged.txt" in line for line in lines)
    assert "4 indexed" in result.output  # the three good articles and the damaged one


def test_a_missing_model_is_a_clear_error(tmp_path, articles, runner, monkeypatch):
    def make_finder(model, batch_size):
        raise indexer.PipelineUnavailable(f"model {model} is not installed")

    monkeypatch.setattr(indexer, "make_finder", make_finder)
    result = runner.invoke(cli, ["index", str(articles), "--db", str(tmp_path / "q.db")])
    assert result.exit_code == 1
    assert "Error: model en_quotes_sm is not installed" in result.output


def test_export_jsonl_follows_the_contract(indexed, runner):
    result = runner.invoke(cli, ["export", "--db", str(indexed)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 5
    assert [(r["source"], r["start"]) for r in records] == sorted(
        (r["source"], r["start"]) for r in records
    )
    texts = {}
    for record in records:
        source = record["source"]
        texts.setdefault(source, open(source, encoding="utf-8", newline="").read())
        text = texts[source]
        assert record["text"] == text[record["start"] : record["end"]]
        if record["speaker"] is None:
            assert record["speaker_start"] is None and record["speaker_kind"] is None
        else:
            mention = text[record["speaker_start"] : record["speaker_end"]]
            assert mention == record["speaker_mention"]
            assert text[record["cue_start"] : record["cue_end"]] == record["cue"]
    quist = [r for r in records if r["speaker"] == "Mara Quist"]
    assert [r["speaker_mention"] for r in quist] == ["Mara Quist", "Quist"]
    assert len({r["speaker_id"] for r in quist}) == 1


def test_export_offsets_count_characters_in_the_text_as_read(tmp_path, fake_nlp, runner):
    path = tmp_path / "odd.txt"
    raw = 'T\u00eftle \U0001f4f0\r\n\r\n"Ja, s\u00e5 \u00e4r det," said \u00c5sa Berg.\r\n'
    path.write_bytes(raw.encode("utf-8"))
    db = str(tmp_path / "q.db")
    runner.invoke(cli, ["index", str(path), "--db", db])
    exported = runner.invoke(cli, ["export", "--db", db]).output
    (record,) = [json.loads(line) for line in exported.splitlines()]
    assert record["text"] == "Ja, s\u00e5 \u00e4r det,"
    assert raw[record["start"] : record["end"]] == record["text"]
    assert raw[record["speaker_start"] : record["speaker_end"]] == "\u00c5sa Berg"


def test_export_csv_has_a_header_and_a_row_per_quote(indexed, runner):
    result = runner.invoke(cli, ["export", "--db", str(indexed), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 5
    assert {"source", "text", "start", "end", "speaker", "speaker_kind"} <= set(rows[0])
    unattributed = [r for r in rows if r["text"] == "Wait and see."]
    assert unattributed[0]["speaker"] == ""


def test_commands_reading_the_index_fail_clearly_without_one(tmp_path, runner):
    missing = str(tmp_path / "none.db")
    for command in ("export", "serve", "speakers"):
        result = runner.invoke(cli, [command, "--db", missing])
        assert result.exit_code == 1, command
        assert f"no database at {missing}" in result.output
    assert not (tmp_path / "none.db").exists()


def test_speakers_lists_the_most_quoted_first(indexed, runner):
    result = runner.invoke(cli, ["speakers", "--db", str(indexed)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert "Mara Quist" in lines[0] and "2 quotes" in lines[0]
    assert "organization" in result.output
    limited = runner.invoke(cli, ["speakers", "--db", str(indexed), "--limit", "1"])
    assert len(limited.output.splitlines()) == 1
