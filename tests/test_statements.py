"""Statements across outlets: the pairwise judgement, the grouping, and its upkeep in the store."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import sqlite_utils
from click.testing import CliRunner
from tagged_finder import use_tagged_finder

from quotes import indexer
from quotes.cli import cli
from quotes.records import Wording
from quotes.statements import components, fragments, same_statement

ROOT = Path(__file__).parent.parent
PAIRS = Path(__file__).parent / "data" / "statement_pairs.jsonl"


def test_wordings_of_one_statement_match_and_near_misses_do_not():
    full = "The ceasefire has been violated forty times since Friday, and we blame the rebels"
    assert same_statement(full, full.upper())
    assert same_statement(full, "the ceasefire has been violated forty times since Friday")
    assert same_statement(
        "Gazprom would halt gas deliveries to Poland and Bulgaria from Wednesday",
        "gas supplies to Poland and Bulgaria will be halted by Gazprom on Wednesday",
    )
    # negation, a different figure, one speaker's other statement
    assert not same_statement("The army will enter the city", "The army will not enter the city")
    assert not same_statement("at least 1,600 civilians were killed", "at least 1,130 civilians were killed")
    assert not same_statement(
        "Russia is ready to help rebuild Syria",
        "Russia is ready to respond to any provocation in Syria",
        "same",
    )


def test_a_mixed_quote_is_compared_through_its_quoted_words_too():
    mixed = 'that the port - the largest in the region - "will close for good in 2030, sadly"'
    assert fragments(mixed) == ["will close for good in 2030, sadly"]
    assert same_statement(mixed, "The port will close for good in 2030, sadly, the board said")


def test_grouping_does_not_depend_on_order():
    texts = [
        "We will not allow the port to be closed while talks continue",
        "we will not allow the port to be closed",
        "The port will not be closed while talks continue, we will not allow it",
        "The museum will reopen in June",
        "the museum will reopen to visitors in June",
        "Brexit is a historic opportunity",
    ]
    wordings = [Wording(n, t, None, None, None) for n, t in enumerate(texts)]

    def groups(ws):
        return sorted(sorted(w.quote_id for w in g) for g in components(ws))

    expected = groups(wordings)
    assert [0, 1, 2] in expected and [3, 4] in expected and [5] in expected
    for seed in range(5):
        shuffled = wordings[:]
        random.Random(seed).shuffle(shuffled)
        assert groups(shuffled) == expected


def test_the_labelled_pairs_cover_the_near_misses_and_score_as_the_readme_says():
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    assert len(pairs) >= 60
    types = {p["type"] for p in pairs}
    assert {"same speaker, different statement", "same topic, different speaker", "negation",
            "paraphrase", "reworded", "exact"} <= types
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "statement_pairs.py")],
        capture_output=True, text=True, check=True,
    )
    test_line = next(line for line in result.stdout.splitlines() if line.startswith("test:"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # the figures in the README are the ones the script prints
    assert test_line.split(": ", 1)[1].split(" (")[0] in readme


def statement_of(db_path, text) -> int | None:
    db = sqlite_utils.Database(db_path)
    try:
        (row,) = db.execute("select statement_id from quotes where text = ?", [text]).fetchall()
        return row[0]
    finally:
        db.close()


def test_statements_are_kept_current_as_articles_are_indexed(tmp_path, monkeypatch):
    use_tagged_finder(monkeypatch)
    arts = tmp_path / "arts"
    arts.mkdir()
    line = '"The harbour will close for good in 2030, sadly," said Ann Lee [person].'
    (arts / "a.txt").write_text(f"A\n{line}\n", encoding="utf-8")
    (arts / "b.txt").write_text(
        f"B\n{line}\n" '"Ferries run on Sunday," said Ann Lee [person].\n', encoding="utf-8"
    )
    (arts / "c.txt").write_text(
        'C\n"The harbour is to close for good in 2030," said the Port Board [organization].\n',
        encoding="utf-8",
    )
    db_path = tmp_path / "q.db"
    indexer.index_paths([str(arts)], db_path)

    db = sqlite_utils.Database(db_path)
    grouped = db.execute(
        "select statement_id, count(*), count(distinct article_id) from quotes"
        " where statement_id is not null group by statement_id"
    ).fetchall()
    assert [(n, articles) for _, n, articles in grouped] == [(3, 3)]
    statement = grouped[0][0]
    assert db["statements"].get(statement)["articles"] == 3
    db.close()
    assert statement_of(db_path, "Ferries run on Sunday") is None  # said once

    # --force recomputes and keeps the statement's id
    indexer.index_paths([str(arts)], db_path, force=True)
    assert statement_of(db_path, "The harbour is to close for good in 2030") == statement

    exported = CliRunner().invoke(cli, ["export", "--db", str(db_path)]).output
    records = [json.loads(r) for r in exported.splitlines()]
    assert sum(r["statement_id"] == statement for r in records) == 3
    listed = CliRunner().invoke(cli, ["statements", "--db", str(db_path)]).output
    assert "3 articles" in listed and "Port Board" in listed

    # the wording leaves two articles: no statement is left to group
    (arts / "a.txt").write_text("A\nNothing said.\n", encoding="utf-8")
    (arts / "c.txt").write_text("C\nNothing said.\n", encoding="utf-8")
    indexer.index_paths([str(arts)], db_path)
    assert statement_of(db_path, "The harbour will close for good in 2030, sadly") is None
    db = sqlite_utils.Database(db_path)
    assert db["statements"].count == 0
    db.close()


def test_an_index_from_before_statements_gets_them_at_the_next_run(tmp_path, monkeypatch):
    from quotes import store

    use_tagged_finder(monkeypatch)
    db_path = tmp_path / "old.db"
    db = sqlite_utils.Database(db_path)
    store.migrate(db, store.MIGRATIONS[:4])  # as written before statements existed
    said = "The harbour will close for good in 2030, sadly"
    for n in (1, 2):
        db["articles"].insert({"id": n, "source": f"{n}.txt", "text": said, "sha256": "x"})
        db["quotes"].insert({"article_id": n, "text": said, "start": 0, "end": len(said),
                             "kind": "direct", "method": "none"})
    db.close()

    listed = CliRunner().invoke(cli, ["statements", "--db", str(db_path)])
    assert listed.exit_code == 0 and listed.output == ""  # migrated, not grouped yet
    indexer.index_paths([str(tmp_path / "nothing-new.txt")], db_path)
    first, second = (statement_of_article(db_path, n) for n in (1, 2))
    assert first is not None and first == second

    rebuilt = CliRunner().invoke(cli, ["statements", "--rebuild", "--db", str(db_path)])
    assert rebuilt.exit_code == 0 and "2 articles" in rebuilt.output


def statement_of_article(db_path, article_id):
    db = sqlite_utils.Database(db_path)
    try:
        return db.execute(
            "select statement_id from quotes where article_id = ?", [article_id]
        ).fetchone()[0]
    finally:
        db.close()


def test_a_short_phrase_joins_one_statement_but_links_no_two():
    texts = [
        "My father has given my foundation hundreds of thousands of dollars over the years",
        "hundreds of thousands",
        "Hundreds of thousands of people lost their homes in the floods this spring",
        "hundreds of thousands",
    ]
    wordings = [Wording(n, t, None, None, None) for n, t in enumerate(texts)]
    for seed in range(4):
        shuffled = wordings[:]
        random.Random(seed).shuffle(shuffled)
        groups = sorted(sorted(w.quote_id for w in g) for g in components(shuffled))
        # the two long quotes stay apart; both phrases join the one they match best
        assert groups == [[0], [1, 2, 3]], groups


def _components_pair_by_pair(wordings, new=None):
    """components() as it was written first: every pair tried (the reference)."""
    from quotes.statements import SHORT, features, similarity, speaker_agreement

    parent = list(range(len(wordings)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    size = [len(features(w.text).content) for w in wordings]
    best, among_short = {}, []
    for i, a in enumerate(wordings):
        for j in range(i + 1, len(wordings)):
            b = wordings[j]
            if new is not None and not (
                a.quote_id in new or b.quote_id in new
                or a.statement_id is not None and a.statement_id == b.statement_id
            ):
                continue
            small, big = (i, j) if size[i] <= size[j] else (j, i)
            leaf = size[small] < SHORT or size[small] * 2 <= size[big]
            if (leaf or find(i) != find(j)) and not same_statement(
                a.text, b.text, speaker_agreement(a, b)
            ):
                continue
            if size[i] < SHORT and size[j] < SHORT:
                among_short.append((i, j))
            elif leaf:
                rank = (similarity(a.text, b.text), -wordings[big].quote_id, big)
                best[small] = max(best.get(small, rank), rank)
            else:
                parent[find(j)] = find(i)
    for s_, (_, _, l_) in best.items():
        parent[find(s_)] = find(l_)
    for i, j in among_short:
        if not (i in best and j in best):
            parent[find(j)] = find(i)
    groups = {}
    for i, w in enumerate(wordings):
        groups.setdefault(find(i), []).append(w)
    return sorted(sorted(w.quote_id for w in g) for g in groups.values())


def test_grouping_compares_only_pairs_that_can_match_and_finds_what_every_pair_finds():
    """A 5 MB article's 20,000 quotes made components() try 200 million pairs; it now looks
    only at pairs sharing words. The groups must be those of trying every pair: the labelled
    pairs' wordings, fragments of them (short wordings, word for word inside longer ones)
    and some already in statements, with various quotes new."""
    rows = [json.loads(line) for line in PAIRS.read_text().splitlines()]
    texts = sorted({t for r in rows for t in (r["a"], r["b"])})
    texts += [" ".join(t.split()[k : k + n]) for t in texts[:25] for k, n in ((0, 2), (2, 4))]
    texts += ["", "Yes.", "No, no."]
    rng = random.Random(13)
    for trial in range(6):
        wordings = [
            Wording(n + 1, text, rng.choice([None, 1, 2, 3]), rng.choice([None, "person",
                    "organization"]), rng.choice([None, None, None, 7, 8]))
            for n, text in enumerate(rng.sample(texts, len(texts)))
        ]
        for new in (None, set(rng.sample([w.quote_id for w in wordings], 1 + trial * 5))):
            expected = _components_pair_by_pair(wordings, new)
            got = sorted(sorted(w.quote_id for w in g) for g in components(wordings, new))
            assert got == expected
            assert any(len(g) > 1 for g in expected)
