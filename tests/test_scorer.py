"""The quote screen (quotes/scorer.py): its fit, its features and the shipped weights.

The shipped screen lies in quotes/data/attribution_model; these tests fail (never skip) when it
cannot be loaded.
"""

from __future__ import annotations

import json

import numpy

from quotes import scorer
from quotes.component import QuoteFinder


def test_the_fit_separates_what_one_feature_separates():
    rng = numpy.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 1] > 0.2).astype(float)
    w = scorer.fit(X, y, l2=0.1)
    p = 1 / (1 + numpy.exp(-(X @ w[:-1] + w[-1])))
    assert ((p >= 0.5) == (y == 1)).mean() > 0.97
    assert abs(w[1]) > 5 * max(abs(w[0]), abs(w[2]))


def test_the_shipped_screen_loads_and_reads_every_feature():
    shipped = scorer.load()
    assert shipped is not None, f"{scorer.SHIPPED} is missing: train_scorer.py writes it"
    assert shipped.names == scorer.feature_names()
    assert len(shipped.weights) == len(shipped.names) + 1
    assert 0.0 < shipped.threshold < 1.0


def test_features_read_the_quote_and_the_models_reading(nlp):
    doc = nlp("The mayor said the bridge would reopen in May.")
    [quote] = doc._.quotes
    row = scorer.features(doc, quote, scorer.ModelReading(doc))
    assert set(row) <= set(scorer.feature_names())
    assert row["kind_indirect"] == 1.0 and row["category_speech"] == 1.0
    assert row["has_cue"] == row["cue_known"] == row["cue_before"] == 1.0
    assert row["has_mention"] == 1.0
    assert row["model_content"] > 0.5 and row["model_cue"] == 1.0
    assert row["link_close"] == row["link_cue"] == row["link_source"] == 1.0
    assert row["log_words"] == numpy.log1p(6)


def test_the_screen_drops_what_scores_under_its_threshold(nlp, tmp_path, monkeypatch):
    monkeypatch.setattr(scorer, "_spared", lambda row: False)  # judge these plain reports too
    doc = nlp("The mayor said the bridge would reopen in May. Critics said it never would.")
    quotes = doc._.quotes
    assert len(quotes) == 2
    names = scorer.feature_names()
    settings = {
        "names": names, "mean": [0.0] * len(names), "scale": [1.0] * len(names),
        # the longer the quote the likelier: only the first (6 words, not 3) passes 0.5
        "weights": [2.0 if n == "log_words" else 0.0 for n in names] + [-2 * numpy.log1p(4.5)],
        "threshold": 0.5,
    }
    (tmp_path / "scorer.json").write_text(json.dumps(settings))
    screen = scorer.Scorer.from_file(tmp_path / "scorer.json")
    assert [q.content.text for q in screen.screen(doc, quotes)] == ["the bridge would reopen in May"]


def test_without_the_attribution_model_nothing_is_screened(nlp):
    text = "The mayor said the bridge would reopen in May."
    doc = nlp(text)
    doc._.attribution_links = None  # as the rules alone, or the CNN tagger, leave it
    finder = QuoteFinder()
    finder.scorer = scorer.Scorer({
        "names": ["has_cue"], "mean": [0.0], "scale": [1.0], "weights": [-50.0, 0.0],
        "threshold": 0.5,
    })
    assert len(finder(doc)._.quotes) == 1


def test_a_plainly_attributed_quote_is_spared_whatever_its_score():
    never = scorer.Scorer({
        "names": ["log_words"], "mean": [0.0], "scale": [1.0], "weights": [0.0, -50.0],
        "threshold": 0.5,
    })
    plain = {"kind_indirect": 1.0, "has_cue": 1.0, "cue_known": 1.0, "category_speech": 1.0}
    rows = [
        {"kind_direct": 1.0, "has_cue": 1.0},  # '"...," she said'
        {"kind_direct": 1.0, "has_mention": 1.0},  # a quotation given to a named speaker
        {"kind_direct": 1.0},  # a quotation nobody is said to have said: judged
        {**plain, "has_mention": 1.0, "model_content": 0.8},  # the model reads the same words
        {"kind_mixed": 1.0, "has_cue": 1.0, "cue_punctuation": 1.0, "has_mention": 1.0},  # "X:"
        {**plain, "has_mention": 1.0, "model_content": 0.2},  # the model reads them otherwise
        {**plain, "has_mention": 1.0, "category_speech": 0.0, "category_belief": 1.0,
         "model_content": 1.0},  # "X believes ...": a stance, judged
        {"kind_indirect": 1.0, "has_cue": 1.0, "has_mention": 1.0, "model_content": 1.0},
        {**plain, "model_content": 1.0},  # nobody named
    ]
    assert never.kept(rows).tolist() == [True, True, False, True, True, False, False, False, False]


def test_the_component_screens_by_default_and_can_be_told_not_to(nlp):
    assert nlp.config["components"]["quotes"]["screen"] is True
    assert nlp.get_pipe("quotes").scorer is not None
    assert QuoteFinder(screen=False).scorer is None


def test_of_two_quotes_over_the_same_words_the_likelier_stays():
    by_length = scorer.Scorer({
        "names": ["log_words"], "mean": [0.0], "scale": [1.0], "weights": [1.0, 0.0],
        "threshold": 0.0,
    })
    rows = [{"log_words": 1.0}, {"log_words": 2.0}, {"log_words": 1.5}, {"log_words": 1.0}]
    # the first two read one statement (same words but a character), the third overlaps the
    # second only in part, the fourth lies elsewhere
    contents = [(10, 50), (10, 51), (40, 90), (200, 240)]
    assert by_length.kept(rows).tolist() == [True, True, True, True]
    assert by_length.kept(rows, contents).tolist() == [False, True, True, True]


def test_of_two_reports_through_one_cue_the_likelier_stays():
    by_length = scorer.Scorer({
        "names": ["log_words"], "mean": [0.0], "scale": [1.0], "weights": [1.0, 0.0],
        "threshold": 0.0,
    })
    rows = [
        {"kind_indirect": 1.0, "log_words": 1.0},  # the rules' clause of "responded"
        {"kind_indirect": 1.0, "log_words": 2.0},  # the model's reading of the same cue
        {"kind_direct": 1.0, "log_words": 0.5},  # a quotation the same cue introduces
        {"kind_indirect": 1.0, "log_words": 0.5},  # another cue's report
        {"kind_indirect": 1.0, "log_words": 0.5},  # a report with no cue
    ]
    contents = [(0, 10), (20, 40), (50, 60), (70, 80), (90, 99)]
    cues = [(12, 19), (12, 19), (12, 19), (81, 85), None]
    assert by_length.kept(rows, contents).tolist() == [True] * 5
    assert by_length.kept(rows, contents, cues).tolist() == [False, True, True, True, True]
