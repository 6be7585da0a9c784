"""Scoring against BRAT gold, on hand-made articles and predictions (no spaCy needed)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import fake_quotes

from quotes import evaluate, store
from quotes.cli import cli
from quotes.evaluate import (
    Counts,
    GoldArticle,
    GoldAttribution,
    Predicted,
    close_enough,
    count,
    errors,
    match,
    parse_brat,
    read_split,
    score,
    source_right,
)
from quotes.records import Article, Quote, Span, Speaker, SpeakerRef

TEXT = (
    '"We will win this," Ann Lee said on Monday. '
    "He thinks the plan works. "
    "The mayor warned that taxes would rise. Nobody knows why."
)


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def t_line(tid: str, label: str, text: str, *parts: str) -> str:
    pieces = [at(text, p) for p in parts]
    spans = ";".join(f"{a} {b}" for a, b in pieces)
    return f"{tid}\t{label} {spans}\t{' '.join(text[a:b] for a, b in pieces)}"


def span(text: str, part: str) -> Span:
    a, b = at(text, part)
    return Span(a, b, part)


def gold(
    text: str, content: str, cue: str | None = None, source: str | None = None
) -> GoldAttribution:
    return GoldAttribution(
        content=span(text, content),
        cue=(span(text, cue),) if cue else (),
        source=(span(text, source),) if source else (),
    )


def pred(
    text: str,
    content: str,
    speaker: str | None = None,
    mention: str | None = None,
    cue: str | None = None,
) -> Predicted:
    a, b = at(text, content)
    m = at(text, mention) if mention else (None, None)
    c = at(text, cue) if cue else (None, None)
    return Predicted(
        a,
        b,
        content,
        speaker=speaker,
        speaker_mention=mention,
        speaker_start=m[0],
        speaker_end=m[1],
        cue=cue,
        cue_start=c[0],
        cue_end=c[1],
    )


# --- reading BRAT ---------------------------------------------------------------------------

ANN = "\n".join(
    [
        t_line("T1", "Source", TEXT, "Ann Lee"),
        t_line("T2", "Cue", TEXT, "said"),
        # discontinuous: the quotation without the trailing comma and quote mark
        t_line("T3", "Content", TEXT, '"We will', 'win this,"'),
        'T4\tAttribution 0 1\t"',
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1",
        t_line("T5", "Source", TEXT, "He"),
        t_line("T6", "Cue", TEXT, "thinks"),
        t_line("T7", "Content", TEXT, "the plan works"),
        "E2\tAttribution:T4 Source:T5 Cue:T6 Content:T7",
        t_line("T8", "Cue", TEXT, "warned"),
        t_line("T9", "Content", TEXT, "that taxes"),
        t_line("T10", "Content", TEXT, "would rise"),
        "E3\tAttribution-no-source:T11 Cue:T8 Content:T9 Content:T10",
        "#1\tAnnotatorNotes T3\tstray note",
        "a line left behind by a span's text with a newline in it",
        "E4\tAttribution-no-source:T12 ",
    ]
)


def test_parse_brat_joins_discontinuous_and_repeated_content_and_keeps_sourceless():
    found = parse_brat(ANN, TEXT)
    assert [g.id for g in found] == ["E1", "E2", "E3"]  # E4 has no content
    first = found[0]
    assert first.content.text == '"We will win this,"'
    assert (first.source_text, first.cue_text, first.direct) == ("Ann Lee", "said", True)
    assert found[1].source_text == "He" and not found[1].direct
    assert found[2].content.text == "that taxes would rise"
    assert found[2].source == ()


def write_split(root, articles: dict[str, dict[str, str]], metadata: str | None = None):
    split = root / "dev"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    for name, files in articles.items():
        (split / "text" / f"{name}.txt").write_text(files.pop("text"), encoding="utf-8")
        for suffix, ann in files.items():
            (split / "attributions" / f"{name}_{suffix}.ann").write_text(ann, encoding="utf-8")
    if metadata is not None:
        (root / "metadata.tsv").write_text(metadata, encoding="utf-8")
    return split


METADATA = "compartment\tfilename\tpublisher\ndev\tx_2016-10-01_one\tnyt\n"


def test_read_split_uses_the_first_annotator_file_and_metadata_publishers(tmp_path):
    only_e2 = "\n".join(ANN.splitlines()[5:9])
    split = write_split(
        tmp_path,
        {
            "x_2016-10-01_one": {"text": TEXT, "d473": ANN, "4e07": only_e2},
            "huff-post_2016-10-02_two": {"text": TEXT, "ef2d": only_e2},
            "nyt_2016-10-03_unannotated": {"text": TEXT},
        },
        METADATA,
    )
    articles = read_split(split)
    assert [a.name for a in articles] == ["huff-post_2016-10-02_two", "x_2016-10-01_one"]
    assert [a.publisher for a in articles] == ["huff-post", "nyt"]  # prefix, then metadata
    assert articles[1].annotation.endswith("x_2016-10-01_one_4e07.ann")
    assert [g.id for g in articles[1].attributions] == ["E2"]
    assert [a.name for a in read_split(split, limit=1)] == ["huff-post_2016-10-02_two"]


# --- the metric rules -----------------------------------------------------------------------


def test_overlap_must_cover_half_of_the_shorter_span():
    assert close_enough(0, 10, 5, 100)  # 5 of the shorter 10
    assert not close_enough(0, 10, 6, 100)  # 4 of 10
    assert close_enough(0, 100, 40, 50)  # a short span inside a long one
    assert not close_enough(0, 10, 10, 20)  # touching is not overlapping


def test_matching_is_one_to_one_best_jaccard_first():
    g = [GoldAttribution(Span(0, 10, "")), GoldAttribution(Span(10, 20, ""))]
    p = [
        Predicted(0, 14),  # overlaps both golds; Jaccard 10/14 with the first
        Predicted(0, 10),  # exactly the first gold, so it takes it
        Predicted(2, 9),  # also inside the first gold, which is taken by then
    ]
    assert match(p, g) == {1: 0}  # p0 vs g1: 4 of 10 is too little; p2 has nothing left
    p.append(Predicted(11, 20))
    assert match(p, g) == {1: 0, 3: 1}
    # greedy over all pairs, not in prediction order: p0 would take g0 if it went first
    g = [GoldAttribution(Span(0, 10, ""))]
    assert match([Predicted(0, 12), Predicted(0, 10)], g) == {1: 0}


def test_source_is_right_by_mention_overlap_or_by_the_sources_last_word():
    named = gold(TEXT, '"We will win this,"', "said", "Ann Lee")
    quote = '"We will win this,"'
    assert source_right(pred(TEXT, quote, "someone", mention="Lee"), named)
    assert source_right(pred(TEXT, quote, "Dr Ann Lee"), named)  # name has "Lee"
    assert source_right(pred(TEXT, quote, "LEE"), named)  # case does not matter
    assert not source_right(pred(TEXT, quote, "Ann Leeson"), named)  # whole words only
    assert source_right(pred(TEXT, quote, "Ann Lee", mention="Monday"), named)  # by the name
    assert not source_right(pred(TEXT, quote, "Bo Li", mention="Monday"), named)
    assert not source_right(pred(TEXT, quote, None), named)
    possessive = GoldAttribution(span(TEXT, quote), source=(Span(0, 0, "Lee's"),))
    assert source_right(pred(TEXT, quote, "Ann Lee"), possessive)


def test_pronoun_sources_count_only_by_mention_overlap():
    pronoun = gold(TEXT, "the plan works", "thinks", "He")
    assert not source_right(pred(TEXT, "the plan works", "He"), pronoun)
    assert not source_right(pred(TEXT, "the plan works", "Ann Lee", mention="Ann Lee"), pronoun)
    assert source_right(pred(TEXT, "the plan works", "Ann Lee", mention="He"), pronoun)


def test_gold_without_source_is_right_once_matched():
    sourceless = gold(TEXT, "that taxes would rise", "warned")
    assert source_right(pred(TEXT, "taxes would rise"), sourceless)


def test_counts_and_figures():
    g = [
        gold(TEXT, '"We will win this,"', "said", "Ann Lee"),  # direct
        gold(TEXT, "the plan works", "thinks", "He"),
        gold(TEXT, "that taxes would rise", "warned"),
        gold(TEXT, "Nobody knows why."),  # no cue
    ]
    p = [
        pred(TEXT, 'We will win this,"', "Ann Lee", cue="said"),  # right source, right cue
        pred(TEXT, "the plan works", "Ann Lee", mention="Ann Lee", cue="He"),  # wrong source
        pred(TEXT, "taxes would rise", cue="warned"),  # no source needed
        pred(TEXT, "on Monday"),  # false alarm
        pred(TEXT, "Nobody knows"),
    ]
    c = count(p, g)
    assert (c.predicted, c.gold, c.matched, c.attributed) == (5, 4, 4, 3)
    assert (c.direct_gold, c.direct_attributed) == (1, 1)
    assert (c.cues_scored, c.cues_right) == (3, 2)
    f = c.figures()
    assert f["content_p"] == pytest.approx(4 / 5) and f["content_r"] == 1.0
    assert f["attribution_p"] == pytest.approx(3 / 5)
    assert f["attribution_r"] == pytest.approx(3 / 4)
    assert f["attribution_f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert f["direct_attributed"] == 1.0
    assert f["cue_accuracy"] == pytest.approx(2 / 3)
    assert Counts().figures()["content_f1"] is None  # nothing to score is not zero


def test_direct_quote_share_counts_only_quotes_opening_with_a_mark():
    text = " \u201cNo,\u201d she said. \u2018Maybe,\u2019 Bo said. Perhaps, it said."
    g = [
        GoldAttribution(Span(0, 6, text[0:6]), source=(span(text, "she"),)),
        gold(text, "\u2018Maybe,\u2019", "said", "Bo"),
        gold(text, "Perhaps,", "said", "it"),
    ]
    assert [x.direct for x in g] == [True, True, False]
    c = count([pred(text, "\u201cNo,\u201d", "X", mention="she"), pred(text, "Perhaps")], g)
    assert (c.direct_gold, c.direct_attributed, c.attributed) == (2, 1, 1)


def test_score_adds_up_per_publisher():
    a = Article("a.txt", TEXT)
    g = (gold(TEXT, "the plan works", "thinks", "He"),)
    right = [pred(TEXT, "the plan works", "X", mention="He")]
    report = score(
        [
            (GoldArticle(a, "nyt", "a.ann", g), right),
            (GoldArticle(a, "nyt", "b.ann", g), []),
            (GoldArticle(a, "breitbart", "c.ann", g), right),
        ]
    )
    assert report.overall.articles == 3 and report.overall.attributed == 2
    assert report.by_publisher["nyt"].figures()["attribution_r"] == 0.5
    assert report.by_publisher["breitbart"].figures()["attribution_f1"] == 1.0
    assert set(report.to_dict()["by_publisher"]) == {"breitbart", "nyt"}


def test_predicted_is_the_exported_record(tmp_path):
    article = Article("a.txt", TEXT)
    quote = Quote(
        content=span(TEXT, "the plan works"),
        kind="indirect",
        cue=span(TEXT, "thinks"),
        speaker=SpeakerRef("Ann Lee", "person", mention=span(TEXT, "He")),
        method="pronoun",
    )
    speaker = Speaker("Ann Lee", "person")
    db = store.open_db(tmp_path / "q.db")
    store.save_article(db, article, [(quote, speaker)])
    row = next(iter(store.quote_rows(db)))
    p = evaluate.predicted(quote, speaker)
    for name in Predicted.__dataclass_fields__:
        assert getattr(p, name) == row[name], name


# --- error analysis -------------------------------------------------------------------------


def test_errors_are_categorised():
    text = (
        "Ann Lee said taxes rise. He said costs fall. The official believes it works. "
        "Bo Li said: the end. Cy Ng said that one. Two. The mayor added more."
    )
    g = [
        gold(text, "taxes rise", "said", "Ann Lee"),  # found with the wrong source
        gold(text, "costs fall", "said", "He"),  # found, pronoun source wrong
        gold(text, "it works", "believes", "The official"),  # missed, belief
        gold(text, "the end", ":", "Bo Li"),  # missed, no cue verb
        gold(text, "that one. Two.", "said", "Cy Ng"),  # found only in part
        gold(text, "more", "added", "The mayor"),  # missed, nominal source
    ]
    p = [
        pred(text, "taxes rise", "Bo Li", mention="Bo Li"),
        pred(text, "costs fall", "Ann Lee"),
        pred(text, ". Two. The mayor"),  # 6 characters of the 14 in "that one. Two."
        pred(text, "Ann Lee said"),  # overlaps no content
    ]
    article = GoldArticle(Article("a.txt", text), "nyt", "a.ann", tuple(g))
    found = {(e.kind, e.gold_content or e.predicted): e for e in errors(article, p)}
    category = {key: e.category for key, e in found.items()}
    assert category == {
        ("miss", "taxes rise"): "wrong source",
        ("miss", "costs fall"): "pronoun source",
        ("miss", "it works"): "paraphrase/belief",
        ("miss", "the end"): "no cue verb",
        ("miss", "that one. Two."): "boundary",
        ("miss", "more"): "nominal source",
        ("false alarm", "that one. Two."): "boundary",
        ("false alarm", "Ann Lee said"): "false alarm",
    }
    assert "multi-sentence content" in found[("miss", "that one. Two.")].tags
    assert "piece of a matched gold" not in found[("false alarm", "that one. Two.")].tags
    assert evaluate.error_counts(found.values()) == {
        "miss": {
            "boundary": 1,
            "no cue verb": 1,
            "nominal source": 1,
            "paraphrase/belief": 1,
            "pronoun source": 1,
            "wrong source": 1,
        },
        "false alarm": {"boundary": 1, "false alarm": 1},
    }
    assert "nominal source" in found[("miss", "it works")].tags
    assert found[("miss", "taxes rise")].predicted_speaker == "Bo Li"
    assert "wrong speaker" in found[("miss", "taxes rise")].tags
    assert "no speaker predicted" not in found[("miss", "taxes rise")].tags


@pytest.mark.parametrize(
    "source, nominal",
    [
        ("the official", True),
        ("an aide", True),
        ("campaign aides", True),
        ("The Post", False),
        ("The New York Times", False),
        ("Ann Lee", False),
        ("he", False),
    ],
)
def test_nominal_sources(source, nominal):
    assert evaluate.is_nominal(source) is nominal


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def split(tmp_path):
    one = 'Intro. "Rates will fall," said Ann Lee. Bo Chu told us costs rise.'
    two = '"We will go," said Bo Li. Rain fell.'
    anns = {
        "nyt_2016-10-01_one": "\n".join(
            [
                t_line("T1", "Content", one, '"Rates will fall,"'),
                t_line("T2", "Cue", one, "said"),
                t_line("T3", "Source", one, "Ann Lee"),
                "E1\tAttribution:T9 Content:T1 Cue:T2 Source:T3",
                t_line("T4", "Content", one, "costs rise"),
                t_line("T5", "Cue", one, "told"),
                t_line("T6", "Source", one, "Bo Chu"),
                "E2\tAttribution:T9 Content:T4 Cue:T5 Source:T6",
            ]
        ),
        "usa-today_2016-10-02_two": "\n".join(
            [
                t_line("T1", "Content", two, '"We will go,"'),
                t_line("T2", "Cue", two, "said"),
                t_line("T3", "Source", two, "Bo Li"),
                "E1\tAttribution:T9 Content:T1 Cue:T2 Source:T3",
            ]
        ),
    }
    return write_split(
        tmp_path,
        {
            "nyt_2016-10-01_one": {"text": one, "aaaa": anns["nyt_2016-10-01_one"]},
            "usa-today_2016-10-02_two": {"text": two, "bbbb": anns["usa-today_2016-10-02_two"]},
        },
    )


def fake_runner(asked):
    def make_runner(model, batch_size=16, baseline=True, tagger=True):
        asked.append((model, baseline))

        def run(articles):
            for a in articles:
                other = evaluate.Baseline([], refused=True) if baseline else None
                yield a, fake_quotes(a.text), other

        return run

    return make_runner


def test_eval_command_prints_figures_writes_json_and_errors(tmp_path, split, monkeypatch):
    asked = []
    monkeypatch.setattr(evaluate, "make_runner", fake_runner(asked))
    monkeypatch.setattr(evaluate, "textacy_available", lambda: True)
    out, errs = tmp_path / "out.json", tmp_path / "errors.jsonl"
    args = ["eval", str(split), "--model", "m", "--json", str(out), "--errors", str(errs)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert asked == [("m", True)]
    assert "2 files" in result.output
    assert "quotes" in result.output and "textacy" in result.output
    data = json.loads(out.read_text())
    ours = data["systems"]["quotes"]
    # the fake finds both quoted passages with their speakers; "costs rise" is missed
    assert ours["overall"]["counts"]["matched"] == 2
    assert ours["overall"]["figures"]["attribution_r"] == pytest.approx(2 / 3)
    assert ours["by_publisher"]["usa-today"]["figures"]["attribution_f1"] == 1.0
    assert data["systems"]["textacy"]["overall"]["counts"]["predicted"] == 0
    lines = [json.loads(line) for line in errs.read_text().splitlines()]
    assert [(e["kind"], e["gold_content"], e["category"]) for e in lines] == [
        ("miss", "costs rise", "other miss")
    ]
    assert "1 misses and 0 false alarms" in result.output
    assert "miss: other miss" in result.output
    assert data["error_counts"] == {"miss": {"other miss": 1}}


def test_eval_command_without_textacy_and_with_limit(split, monkeypatch):
    asked = []
    monkeypatch.setattr(evaluate, "make_runner", fake_runner(asked))
    monkeypatch.setattr(evaluate, "textacy_available", lambda: False)
    result = CliRunner().invoke(cli, ["eval", str(split), "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert asked == [("en_quotes_sm", False)]
    assert "1 files" in result.output
    assert "textacy is not installed" in result.output
    assert "textacy " not in result.output.splitlines()[2]  # no baseline column
    no_baseline = CliRunner().invoke(cli, ["eval", str(split), "--no-baseline"])
    assert asked[-1] == ("en_quotes_sm", False) and "textacy" not in no_baseline.output


def test_a_quote_split_at_its_cue_leaves_a_piece_of_a_matched_gold():
    text = "\u201cWe are ready for this,\u201d she said. \u201cAll of us.\u201d"
    whole = GoldAttribution(Span(0, len(text), text), source=(span(text, "she"),))
    p = [pred(text, "We are ready for this,", "X", mention="she"), pred(text, "All of us.")]
    article = GoldArticle(Article("a.txt", text), "nyt", "a.ann", (whole,))
    (error,) = errors(article, p)
    assert (error.kind, error.category, error.predicted) == (
        "false alarm",
        "boundary",
        "All of us.",
    )
    assert "piece of a matched gold" in error.tags


def test_the_runner_gives_each_article_its_own_doc_and_quotes(nlp):
    """find_quotes runs a whole batch before yielding: the baseline must still read each
    article's own Doc (it read the batch's last one, or failed, when find_quotes changed)."""
    from quotes import evaluate as ev

    articles = [
        Article("a.txt", '"The bridge will reopen in spring after the repairs," said Mara Quist.'),
        Article("b.txt", 'It rained.\n\n"The ferries stop tonight and will not run until Friday," said Tomas Lind.'),
        Article("c.txt", "Nothing was said here at all."),
    ]
    results = list(ev.make_runner("en_quotes_sm", batch_size=3, baseline=True)(articles))
    assert [a.source for a, _, _ in results] == ["a.txt", "b.txt", "c.txt"]
    for article, quotes, baseline in results:
        for quote in quotes:
            assert article.text[quote.content.start : quote.content.end] == quote.content.text
        for p in baseline.predictions:
            assert article.text[p.start : p.end] == p.text
    assert [len(q) for _, q, _ in results][:2] == [1, 1]
    assert "Tomas Lind" in [q.speaker.name for q in results[1][1]]
