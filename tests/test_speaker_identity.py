"""Speaker identity through the indexer and the store: generic descriptions, the same name
across articles, stable ids, orphans, and an editor's merges and splits surviving re-indexing.

Quote finding is faked (tests/tagged_finder.py); speaker merging is the real SpeakerIndex.
"""

from __future__ import annotations

import sqlite_utils
from click.testing import CliRunner
from tagged_finder import use_tagged_finder

from quotes import indexer, store
from quotes.cli import cli
from quotes.speakers import normalise


def write(folder, name, *lines):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(["Headline", *lines]) + "\n", encoding="utf-8")


def rows(db_path) -> list[dict]:
    db = sqlite_utils.Database(db_path)
    try:
        return list(
            db.query(
                "select articles.source, quotes.text, speakers.id as speaker_id, speakers.name,"
                " speakers.kind, speakers.article_id from quotes"
                " join articles on articles.id = quotes.article_id"
                " left join speakers on speakers.id = quotes.speaker_id order by quotes.text"
            )
        )
    finally:
        db.close()


def speaker_of(db_path, text: str) -> int:
    (row,) = [r for r in rows(db_path) if r["text"] == text]
    return row["speaker_id"]


def test_a_generic_description_is_one_speaker_only_within_its_article(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    write(arts, "a.txt", '"Prices rise," said the company [organization].',
          '"Sales fall," said the company [organization].')
    write(arts, "b.txt", '"We are hiring," said the company [organization].',
          '"Strike on," said the union [organization].', '"No deal," said Council [organization].')
    write(arts, "c.txt", '"Strike off," said the union [organization].',
          '"Yes deal," said Council [organization].')
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)

    assert speaker_of(db_path, "Prices rise") == speaker_of(db_path, "Sales fall")
    assert speaker_of(db_path, "Prices rise") != speaker_of(db_path, "We are hiring")
    assert speaker_of(db_path, "Strike on") != speaker_of(db_path, "Strike off")
    assert speaker_of(db_path, "No deal") != speaker_of(db_path, "Yes deal")
    scoped = {r["text"]: (r["source"], r["article_id"]) for r in rows(db_path)}
    assert all(article_id is not None for _, article_id in scoped.values())


def test_the_same_name_in_two_articles_is_one_speaker_unless_the_kind_differs(
    tmp_path, monkeypatch
):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    write(arts, "a.txt", '"Toll rises," said Syrian activists [group].',
          '"Ships wait," said Jordan [person].', '"Rates hold," said Jordan [organization].')
    write(arts, "b.txt", '"Toll rises again," said Syrian activists [group].',
          '"Ships sail," said Jordan [organization].')
    write(arts, "c.txt", '"Goal," said Jordan [person].')
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)

    assert speaker_of(db_path, "Toll rises") == speaker_of(db_path, "Toll rises again")
    names = [r["name"] for r in store.speaker_rows(store.open_db(db_path))]
    assert names.count("Syrian activists") == 1
    # within one article the recogniser called Jordan both: one speaker
    assert speaker_of(db_path, "Ships wait") == speaker_of(db_path, "Rates hold")
    # across articles a person Jordan and the organisation Jordan are two
    assert speaker_of(db_path, "Goal") != speaker_of(db_path, "Ships sail")


def corpus(arts):
    write(arts, "a.txt", "First paragraph, unrelated.",
          '"The port stays open," said Ann Lee [person; Mayor].',
          '"Profits up," said the company [organization].',
          '"Toll rises," said Syrian activists [group].')
    write(arts, "b.txt", '"We object," said Harbour Council [organization].',
          '"I agree," said Lee [person].', '"Toll rises again," said Syrian activists [group].')
    write(arts, "c.txt", '"Ferries stop," said Tomas Lind [person].',
          '"Sales down," said the company [organization].')


def ids(db_path) -> dict[tuple, int]:
    return {(r["source"].rsplit("/", 1)[-1], r["text"]): r["speaker_id"] for r in rows(db_path)}


def test_speaker_ids_survive_an_unrelated_edit_and_force(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    corpus(arts)
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)
    before = ids(db_path)
    assert len(set(before.values())) == 6  # Lee, company (a), activists, Council, Lind, company (c)

    text = (arts / "a.txt").read_text(encoding="utf-8")
    (arts / "a.txt").write_text(text.replace("unrelated", "edited"), encoding="utf-8")
    assert indexer.index_paths([str(arts)], db_path).indexed == 1
    assert ids(db_path) == before

    assert indexer.index_paths([str(arts)], db_path, force=True).indexed == 3
    assert ids(db_path) == before


def test_orphans_are_pruned_on_every_run_and_their_ids_never_reused(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    corpus(arts)
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)
    write(arts, "d.txt", '"New here," said Vera Noor [person].')
    indexer.index_paths([str(arts)], db_path)
    noor = speaker_of(db_path, "New here")
    db = sqlite_utils.Database(db_path)
    # what an interrupted run of an older quotes could leave: a speaker without quotes
    db.execute("delete from quotes where text = 'New here'")
    db.conn.commit()
    db.close()
    (arts / "d.txt").unlink()

    summary = indexer.index_paths([str(arts)], db_path)
    assert summary.indexed == 0 and summary.unchanged == 3
    db = store.open_db(db_path)
    assert db.execute("select count(*) from speakers where id = ?", [noor]).fetchone()[0] == 0
    db.close()

    write(arts, "e.txt", '"Newer here," said Zed Moor [person].')
    indexer.index_paths([str(arts)], db_path)
    assert speaker_of(db_path, "Newer here") == noor + 1  # the pruned id names no one else


def test_a_merge_survives_reindexing(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    corpus(arts)
    write(arts, "d.txt", '"Council meets," said the Port Board [organization].')
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)
    council, hc = speaker_of(db_path, "We object"), speaker_of(db_path, "Council meets")
    assert council != hc

    runner = CliRunner()
    result = runner.invoke(cli, ["speakers", "merge", str(council), str(hc), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert speaker_of(db_path, "Council meets") == council

    indexer.index_paths([str(arts)], db_path, force=True)
    assert speaker_of(db_path, "Council meets") == council
    write(arts, "e.txt", '"Council again," said Port Board [organization].')
    indexer.index_paths([str(arts)], db_path)
    assert speaker_of(db_path, "Council again") == council
    listed = runner.invoke(cli, ["speakers", "overrides", "--db", str(db_path)]).output
    assert f"merge  'port board' -> {council} Harbour Council" in listed
    # the group's --db serves its subcommands too
    assert runner.invoke(cli, ["speakers", "--db", str(db_path), "overrides"]).output == listed


def test_merging_a_generic_description_applies_to_its_article_only(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    corpus(arts)
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)
    lee, company = speaker_of(db_path, "I agree"), speaker_of(db_path, "Profits up")
    store.merge_speakers(store.open_db(db_path), lee, [company], normalise)
    assert speaker_of(db_path, "Profits up") == lee

    indexer.index_paths([str(arts)], db_path, force=True)
    assert speaker_of(db_path, "Profits up") == lee
    assert speaker_of(db_path, "Sales down") != lee  # the company of another article


def test_a_split_survives_reindexing(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    corpus(arts)
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)
    lee = speaker_of(db_path, "The port stays open")
    assert speaker_of(db_path, "I agree") == lee  # "Lee" joined Ann Lee
    b = next(r["source"] for r in rows(db_path) if r["text"] == "I agree")

    runner = CliRunner()
    args = ["speakers", "split", str(lee), b, "--name", "Bo Lee", "--db", str(db_path)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    other = speaker_of(db_path, "I agree")
    assert other != lee and speaker_of(db_path, "The port stays open") == lee

    indexer.index_paths([str(arts)], db_path, force=True)
    assert speaker_of(db_path, "I agree") == other
    assert speaker_of(db_path, "The port stays open") == lee
    # after Ann Lee's own article loses her, the split still holds
    write(arts, "a.txt", "No quotes now.")
    indexer.index_paths([str(arts)], db_path)
    indexer.index_paths([str(arts)], db_path, force=True)
    assert speaker_of(db_path, "I agree") == other

    bad = runner.invoke(cli, ["speakers", "split", "12345", b, "--db", str(db_path)])
    assert bad.exit_code == 1 and "no speaker with id 12345" in bad.output
    forget = runner.invoke(cli, ["speakers", "overrides", "--delete", "999", "--db", str(db_path)])
    assert forget.exit_code == 1 and "no override with id 999" in forget.output
