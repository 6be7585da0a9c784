"""One article going wrong never costs the others: issue 16, "Per-article isolation".

Whatever raises inside one article (a spaCy component, the quote extraction, speaker
resolution, storing) becomes that file's ``error: PATH: reason`` line, the run goes on and
nothing already stored is touched.
"""

from __future__ import annotations

import json

import pytest
import spacy
from click.testing import CliRunner
from conftest import FakeSpeakerIndex, fake_quotes
from spacy.language import Language
from spacy.tokens import Doc

from quotes import indexer, pipeline, store
from quotes.cli import cli
from quotes.records import Article, Failure


@Language.component("test_quotes_or_boom")
def quotes_or_boom(doc: Doc) -> Doc:
    """Stands in for the `quotes` component: raises on a text containing BOOM."""
    if "BOOM" in doc.text:
        raise IndexError("list index out of range")
    doc._.quotes = fake_quotes(doc.text)
    return doc


@pytest.fixture
def booming_nlp(monkeypatch) -> Language:
    """The real pipeline code path (make_finder -> pipeline.find_quotes -> nlp.pipe) over a
    blank English pipeline whose extraction raises on one kind of article."""
    nlp = spacy.blank("en")
    nlp.add_pipe("test_quotes_or_boom")
    monkeypatch.setattr(pipeline, "load", lambda model, **settings: nlp)
    monkeypatch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)
    return nlp


def write_articles(folder, n: int, boom: set[int]) -> None:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        word = "BOOM" if i in boom else "calm"
        (folder / f"{i:02d}.txt").write_text(
            f'Story {i}\n"All {word} here {i}," said Ann Lee{i}.\n', encoding="utf-8"
        )


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_an_article_raising_in_a_batch_costs_only_itself(booming_nlp, batch_size):
    articles = [Article(f"{i}.txt", f'"Words {i}," said Bo Rand.') for i in range(7)]
    articles[4] = Article("4.txt", '"BOOM," said Bo Rand.')
    results = list(pipeline.find_quotes(booming_nlp, articles, batch_size=batch_size))
    assert [a.source for a, _ in results] == [a.source for a in articles]
    failed = [a.source for a, r in results if isinstance(r, Failure)]
    assert failed == ["4.txt"]
    (failure,) = [r for _, r in results if isinstance(r, Failure)]
    assert failure.reason.startswith("internal error while finding quotes: IndexError")
    assert "quotes_or_boom" in failure.reason and "Traceback" in failure.detail
    for article, result in results:
        if article.source != "4.txt":
            assert [q.content.text for q in result] == [
                article.text[1 : article.text.index('"', 1)]
            ]


def test_a_run_where_one_file_raises_inside_extraction_stores_every_other_file(
    tmp_path, booming_nlp
):
    folder = tmp_path / "arts"
    write_articles(folder, 9, boom=set())
    db = tmp_path / "q.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["index", str(folder), "--db", str(db)]).exit_code == 0
    before = store.open_db(db)
    old_row = before.execute("select * from articles where source like '%05.txt'").fetchone()
    before.close()

    # 05 now raises inside extraction, 02 is new text, 09 and 10 are new files
    write_articles(folder, 11, boom={5})
    (folder / "02.txt").write_text('Changed\n"New words," said Cy Noor.\n', encoding="utf-8")
    result = runner.invoke(cli, ["index", str(folder), "--db", str(db), "--batch-size", "4"])

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: {folder / '05.txt'}: internal error while finding quotes")
    assert "Traceback" not in result.output and "--verbose" in result.output
    assert "11 files: 3 indexed, 7 unchanged, 1 failed" in result.output
    db_ = store.open_db(db)
    sources = [r[0] for r in db_.execute("select source from articles order by source")]
    assert len(sources) == 11  # 05 keeps what an earlier run stored for it
    assert db_.execute("select * from articles where source like '%05.txt'").fetchone() == old_row
    quotes = {r[0] for r in db_.execute("select text from quotes")}
    assert "New words," in quotes and "All calm here 10," in quotes
    db_.close()

    verbose = runner.invoke(cli, ["index", str(folder), "--db", str(db), "--verbose"])
    assert verbose.exit_code == 1
    assert "Traceback (most recent call last)" in verbose.output
    assert "IndexError: list index out of range" in verbose.output


def test_a_failure_resolving_speakers_or_storing_is_that_files_error(
    tmp_path, articles, fake_nlp, monkeypatch
):
    real_insert = store._insert_quotes

    def insert(db, article_id, quotes, inserted=None):
        source = db["articles"].get(article_id)["source"]
        if source.endswith("b.txt"):
            raise RuntimeError("disk on fire")
        return real_insert(db, article_id, quotes, inserted)

    class PickySpeakers(FakeSpeakerIndex):
        def resolve(self, ref, **context):
            if ref.name == "Tomas Lind":
                raise KeyError(ref.name)
            return super().resolve(ref, **context)

    monkeypatch.setattr(store, "_insert_quotes", insert)
    monkeypatch.setattr(indexer, "make_speaker_index", PickySpeakers)
    summary = indexer.index_paths([str(articles)], tmp_path / "q.db")
    reasons = {p.source.rsplit("/", 1)[-1]: p.message for p in summary.failed}
    assert reasons["b.txt"].startswith("internal error while storing: RuntimeError: disk on fire")
    assert reasons["c.txt"].startswith("internal error while resolving speakers: KeyError")
    assert summary.indexed == 1 and summary.totals["articles"] == 1


def test_a_rolled_back_article_leaves_no_dangling_speaker_ids(tmp_path):
    """A speaker first inserted by an article whose transaction fails must not keep the id
    of the row the rollback removed; the next article saves it afresh."""
    from quotes.records import Quote, Span, Speaker, SpeakerRef

    db = store.open_db(tmp_path / "q.db")
    ann = Speaker("Ann Lee", "person")
    ref = SpeakerRef("Ann Lee", "person")
    good = Quote(Span(1, 4, "Yes"), "direct", speaker=ref)
    bad = Quote(Span(1, 4, "Yes"), "not-a-kind", speaker=ref)
    bad.content = None  # makes _quote_row raise after the speaker row was inserted
    with pytest.raises(AttributeError):
        store.save_article(db, Article("a.txt", '"Yes"'), [(good, ann), (bad, ann)])
    assert ann.id is None and db["articles"].count == 0 and db["speakers"].count == 0
    store.save_article(db, Article("b.txt", '"Yes"'), [(good, ann)])
    assert db["speakers"].count == 1 and ann.id == db["speakers"].get(ann.id)["id"]


def test_fullest_org_survives_an_entity_without_word_characters():
    """The issue's crashing input: 28 of 200 fuzzed articles raised IndexError here."""
    from quotes.attribute import Attributor, orgs_by_first_word

    class Ent:
        def __init__(self, text: str):
            self.text = text

        def __len__(self) -> int:
            return 2

    attributor = Attributor.__new__(Attributor)
    attributor.orgs = [Ent("›」"), Ent("Amnesty International")]
    attributor.orgs_by_first = orgs_by_first_word(attributor.orgs)  # as __init__ does
    assert attributor.fullest_org("Amnesty") == "Amnesty International"
    assert attributor.fullest_org("Il") == "Il"


def test_the_crashing_fuzz_input_indexes_with_the_real_pipeline(tmp_path):
    path = tmp_path / "crash.txt"
    path.write_text("Il add Dr.\n\n›」", encoding="utf-8")
    result = CliRunner().invoke(cli, ["index", str(path), "--db", str(tmp_path / "q.db")])
    assert result.exit_code == 0, result.output
    exported = CliRunner().invoke(cli, ["export", "--db", str(tmp_path / "q.db")]).output
    for record in map(json.loads, exported.splitlines()):
        assert "Il add Dr.\n\n›」"[record["start"] : record["end"]] == record["text"]


def test_eval_keeps_each_articles_own_doc_for_the_baseline(monkeypatch):
    """`quotes eval` wraps nlp to keep each Doc for textacy; find_quotes must consume
    nlp.pipe one Doc per article yielded, so the Doc at hand is that article's."""
    from quotes import evaluate

    docs = []

    def baseline(doc):
        docs.append(doc.text)
        return evaluate.Baseline(predictions=[])

    monkeypatch.setattr(evaluate, "textacy_predictions", baseline)
    run = evaluate.make_runner("en_quotes_sm", batch_size=2, baseline=True)
    articles = [Article(f"{n}.txt", f'"Line {n}," said Ann Lee.') for n in range(5)]
    seen = [(article.text, docs[-1]) for article, _, _ in run(articles)]
    assert seen == [(a.text, a.text) for a in articles]


def test_with_the_real_pipeline_a_file_raising_inside_extraction_costs_only_itself(
    tmp_path, monkeypatch
):
    from quotes import attribute

    real = attribute.quotes_in

    def quotes_in(doc, *args, **kwargs):
        if "BOOM" in doc.text:
            raise IndexError("list index out of range")
        return real(doc, *args, **kwargs)

    monkeypatch.setattr(attribute, "quotes_in", quotes_in)
    folder = tmp_path / "arts"
    folder.mkdir()
    for n in range(6):
        word = "BOOM" if n == 2 else "calm"
        (folder / f"{n}.txt").write_text(
            f'Story {n}\n\n"It is {word} here," said Mayor Ann Lee.\n', encoding="utf-8"
        )
    db = tmp_path / "q.db"
    result = CliRunner().invoke(cli, ["index", str(folder), "--db", str(db), "--batch-size", "4"])
    assert result.exit_code == 1
    assert f"error: {folder / '2.txt'}: internal error while finding quotes: IndexError" in (
        result.output
    )
    assert "6 files: 5 indexed, 0 unchanged, 1 failed" in result.output
    exported = CliRunner().invoke(cli, ["export", "--db", str(db)]).output
    records = [json.loads(line) for line in exported.splitlines()]
    assert sorted(r["source"].rsplit("/", 1)[-1] for r in records) == [
        f"{n}.txt" for n in (0, 1, 3, 4, 5)
    ]
    assert {r["speaker"] for r in records} == {"Ann Lee"}
