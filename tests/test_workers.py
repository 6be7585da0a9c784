"""Indexing at scale: long texts in pieces, worker processes, a Dask cluster, the same rows."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FakeSpeakerIndex, fake_quotes

from quotes import export, indexer, ingest, pipeline, workers
from quotes.cli import cli
from quotes.records import Article, Quote, Span, SpeakerRef

SEEDS = Path(__file__).parent.parent / "seeds"


def exported(db: Path) -> list[dict]:
    lines = CliRunner().invoke(cli, ["export", "--db", str(db)]).output.splitlines()
    return [json.loads(line) for line in lines]


# --- pieces of a long text --------------------------------------------------------------------


def test_pieces_cut_after_paragraph_breaks_and_cover_the_text():
    text = "First paragraph here.\n\nSecond one, longer than the first.\nThird line.\n\nEnd."
    parts = pipeline.pieces(text, 40)
    assert "".join(piece for _, piece in parts) == text
    for offset, piece in parts:
        assert len(piece) <= 40
        assert text[offset : offset + len(piece)] == piece
    # every cut but the last falls right after a line break
    assert all(piece.endswith("\n") for _, piece in parts[:-1])
    assert parts[0][1] == "First paragraph here.\n\n"


def test_pieces_of_a_text_without_breaks():
    assert pipeline.pieces("short", 10) == [(0, "short")]
    words = "word " * 30
    parts = pipeline.pieces(words, 23)
    assert "".join(p for _, p in parts) == words and all(p.endswith(" ") for _, p in parts)
    solid = "x" * 25
    assert pipeline.pieces(solid, 10) == [(0, "x" * 10), (10, "x" * 10), (20, "x" * 5)]


def test_a_shifted_quote_moves_every_offset():
    quote = Quote(
        content=Span(5, 9, "abcd"),
        kind="direct",
        cue=Span(11, 15, "said"),
        speaker=SpeakerRef("Ann Lee", "person", mention=Span(16, 23, "Ann Lee")),
        unresolved_mention=Span(1, 2, "x"),
    )
    moved = quote.shifted(100)
    assert (moved.content.start, moved.content.end, moved.content.text) == (105, 109, "abcd")
    assert (moved.cue.start, moved.speaker.mention.start, moved.unresolved_mention.end) == (
        111,
        116,
        102,
    )
    assert quote.content.start == 5  # the original is left alone
    assert quote.shifted(0) is quote


def test_a_text_longer_than_max_length_is_indexed_in_pieces(tmp_path, monkeypatch):
    """The issue's 5 MB article failed with spaCy's E088 past nlp.max_length. Here the real
    pipeline runs with max_length cut to 3,000 characters (the benchmark indexes a real
    5 MB file): the long article is indexed in pieces with offsets into the whole text, and a
    file that cannot be read beside it costs nothing else."""
    texts = [p.read_text(encoding="utf-8").strip() for p in sorted(SEEDS.glob("*.txt"))[:3]]
    long_text = "\n\n".join(texts)
    # as the index's workers load it: the encoder's thread count moves its floats a little
    nlp = pipeline.load("en_quotes_sm")  # one encoder thread, as workers load it
    monkeypatch.setattr(nlp, "max_length", 3000)
    parts = pipeline.pieces(long_text, 3000)
    assert len(parts) >= 3 and len(long_text) > 3000
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(long_text, encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"caf\xe9 \xff\xfe broken")
    # before the long one, which then goes through alone
    (folder / "a_short.txt").write_text(texts[0][:2000], encoding="utf-8")
    db = tmp_path / "q.db"
    summary = indexer.index_paths([str(folder)], db, n_workers=1)
    assert [p.source for p in summary.failed] == [str(folder / "bad.txt")]
    assert summary.indexed == 2
    records = exported(db)
    long_quotes = [r for r in records if r["source"].endswith("long.txt")]
    for r in long_quotes:
        assert long_text[r["start"] : r["end"]] == r["text"]
        if r["speaker_start"] is not None:
            assert long_text[r["speaker_start"] : r["speaker_end"]] == r["speaker_mention"]
    # quotes from every piece of what the pipeline reads (the article's view: boilerplate
    # lines left out), each where that piece alone puts it, mapped back to the stored text
    view = ingest.view(ingest.read_article(str(folder / "long.txt")))
    expected = []
    for offset, piece in pipeline.pieces(view.text, 3000):
        expected += [view.restore(q.shifted(offset)) for q in nlp(piece)._.quotes]
    expected = [(q.content.start, q.content.text) for q in expected]
    assert [(r["start"], r["text"]) for r in long_quotes] == expected
    assert max(r["start"] for r in long_quotes) > parts[-1][0]


# --- worker processes -----------------------------------------------------------------------


def make_fake_finder(model, batch_size):
    """The stand-in NLP of conftest, plus an article that kills its worker process."""

    def find(articles):
        for article in articles:
            if "KILL THE WORKER" in article.text:
                os._exit(3)
            yield article, fake_quotes(article.text)

    return find


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(indexer, "make_finder", make_fake_finder)
    monkeypatch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)


@pytest.fixture
def many_articles(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    names = ["Mara Quist", "Tomas Lind", "Harbour Council", "Quist", "Lind"]
    for n in range(23):
        speaker = names[n % len(names)]
        (folder / f"{n:02d}.txt").write_text(
            f'Story {n}\n\n"Line {n} of the story," said {speaker}.\n"Unattributed {n}."\n',
            encoding="utf-8",
        )
    (folder / "07_bad.txt").write_bytes(b"\xff\xfe\x00b\x00a\x00d")
    return folder


@pytest.mark.parametrize("n_workers", [2, 3])
def test_the_same_rows_whatever_the_number_of_workers(
    tmp_path, many_articles, fake_engine, n_workers
):
    one = indexer.index_paths([str(many_articles)], tmp_path / "one.db", batch_size=2)
    many = indexer.index_paths(
        [str(many_articles)], tmp_path / "many.db", batch_size=2, n_workers=n_workers
    )
    assert one.describe() == many.describe()
    assert [str(p) for p in one.failed] == [str(p) for p in many.failed]
    assert exported(tmp_path / "one.db") == exported(tmp_path / "many.db")
    assert len(exported(tmp_path / "one.db")) == 46


def test_a_worker_that_dies_costs_only_its_batch(tmp_path, many_articles, fake_engine):
    (many_articles / "12.txt").write_text('"Fatal," said KILL THE WORKER.\n', encoding="utf-8")
    summary = indexer.index_paths(
        [str(many_articles)], tmp_path / "q.db", batch_size=1, n_workers=2
    )
    failed = {p.source: p.message for p in summary.failed}
    assert "worker process died" in failed[str(many_articles / "12.txt")]
    assert str(many_articles / "07_bad.txt") in failed
    assert summary.indexed == 22
    sources = {r["source"] for r in exported(tmp_path / "q.db")}
    assert len(sources) == 22 and str(many_articles / "13.txt") in sources


def test_workers_report_a_missing_model(tmp_path, many_articles):
    result = CliRunner().invoke(
        cli,
        ["index", str(many_articles), "--db", str(tmp_path / "q.db"), "--workers", "2",
         "--batch-size", "2", "--model", "no_such_model_xyz"],
    )
    assert result.exit_code == 1
    assert "no_such_model_xyz" in result.output and "not installed" in result.output


def test_articles_stream_through_a_bounded_window(fake_engine):
    """Memory: the pool reads articles only as workers need them."""
    read = []

    def articles():
        for n in range(1000):
            read.append(n)
            yield Article(f"{n}.txt", f'"Words {n}," said Ann Lee.')

    find = workers.pool_finder("x", 4, 2, factory=make_fake_finder)
    stream = find(articles())
    first = next(stream)
    assert first[0].source == "0.txt"
    # a few batches per worker in flight, not the corpus
    assert len(read) <= 4 * 2 * workers.IN_FLIGHT_PER_WORKER + 4
    assert sum(1 for _ in stream) == 999


# --- the real pipeline: one process, two, and a local Dask cluster ------------------------


def test_one_worker_two_workers_and_a_dask_cluster_export_the_same(tmp_path):
    from distributed import LocalCluster

    paths = [str(SEEDS)]
    one = indexer.index_paths(paths, tmp_path / "one.db", batch_size=1, n_workers=1)
    two = indexer.index_paths(paths, tmp_path / "two.db", batch_size=1, n_workers=2)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        on_dask = indexer.index_paths(paths, tmp_path / "dask.db", batch_size=1, cluster=cluster)
    assert one.ok and two.ok and on_dask.ok
    assert one.indexed == two.indexed == on_dask.indexed == 5
    rows = exported(tmp_path / "one.db")
    assert len(rows) > 20
    assert rows == exported(tmp_path / "two.db") == exported(tmp_path / "dask.db")
    with open(tmp_path / "one.csv", "w") as a, open(tmp_path / "dask.csv", "w") as b:
        export.export(tmp_path / "one.db", a, format="csv")
        export.export(tmp_path / "dask.db", b, format="csv")
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "dask.csv").read_text()


# --- coreference around the cues that need it -------------------------------------------------


def test_coreference_runs_only_around_pronoun_speakers():
    from quotes.attribute import WindowedCoreference

    nlp = pipeline.load("en_quotes_sm")
    assert "quotes_coreferee" in nlp.disabled  # not over whole articles
    resolver = nlp.get_pipe("quotes").resolve_pronoun
    assert isinstance(resolver, WindowedCoreference)
    calls = []
    component = resolver.component
    resolver.component = lambda doc: calls.append(doc.text) or component(doc)
    try:
        text = (
            "The weather was cold in the capital on Monday. Markets opened late. "
            "Maj Gen Igor Konashenkov spoke to reporters in Moscow. "
            '"The ruins evoke Dresden," he said. Traffic was heavy all day.'
        )
        quotes = nlp(text)._.quotes
    finally:
        resolver.component = component
    [quote] = [q for q in quotes if q.content.text.startswith("The ruins")]
    assert quote.method == "pronoun" and quote.speaker.name.endswith("Konashenkov")
    # one window: the sentence before the pronoun's and that sentence up to its cue
    assert calls == ['Maj Gen Igor Konashenkov spoke to reporters in Moscow. '
                     '"The ruins evoke Dresden," he said']


# --- threads and task sizes -------------------------------------------------------------------


def test_index_workers_run_the_encoder_on_one_thread():
    """Two workers each ran onnxruntime's default (every core, spinning) on a 2-core machine
    beside the writer; a worker is now one core's work."""
    from threadpoolctl import threadpool_info

    nlp = workers.load_pipeline("en_quotes_sm")
    options = nlp.get_pipe("quotes_encoder").encoder.session.get_session_options()
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    assert workers.WORKER_THREADS == 1
    assert options.intra_op_num_threads == 1 and options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_pool_tasks_are_smaller_than_batches(monkeypatch, tmp_path, many_articles, fake_engine):
    """Dev's 84 articles in tasks of 16 made six, three of them on one of two workers; tasks
    of workers.TASK_SIZE articles spread the work evenly (rows are batch-independent)."""
    seen = {}
    real = workers.pool_finder

    def pool_finder(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(workers, "pool_finder", pool_finder)
    summary = indexer.index_paths([str(many_articles)], tmp_path / "q.db", n_workers=2)
    assert seen["task_size"] == workers.TASK_SIZE < 16
    assert summary.indexed == 23


def test_long_inputs_run_on_a_session_without_the_arena_with_the_same_features(monkeypatch):
    """A 500 KB article's pieces grew ONNX Runtime's memory arena to 4.7 GB: runs of more than
    encoder.LONG_WINDOWS windows go to a session without one, and must read the same."""
    import numpy

    from quotes import encoder

    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    model = encoder.Encoder(encoder.SHIPPED, threads=1)
    ids, _ = model.pieces(text)
    monkeypatch.setattr(encoder, "LONG_WINDOWS", 0)  # every run is long
    without_arena = model.encode_pieces(ids)
    assert model._long_session.get_session_options().enable_cpu_mem_arena is False
    monkeypatch.setattr(encoder, "LONG_WINDOWS", 10**9)  # no run is
    assert numpy.array_equal(model.encode_pieces(ids), without_arena)
    assert model.session.get_session_options().enable_cpu_mem_arena is True
    assert numpy.abs(without_arena).sum() > 0
