"""The recipe's parse scores (models/scripts/evaluate.py) on hand-made documents."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "scripts"))

from evaluate import dep_scores, parse_scores  # noqa: E402

VOCAB = spacy.blank("en").vocab


def doc(words, heads, deps, spaces=None, tags=None) -> Doc:
    return Doc(VOCAB, words=words, spaces=spaces, heads=heads, deps=deps, tags=tags)


def spacy_uas_las(egs):
    s = Scorer.score_deps(
        egs, "dep", getter=lambda t, a: t.dep_.lower(), ignore_labels=("p", "punct")
    )
    return pytest.approx(s["dep_uas"]), pytest.approx(s["dep_las"])


def test_same_as_spacys_scorer_without_whitespace():
    gold = doc(["Ann", "saw", "Bob", "."], [1, 1, 1, 1], ["nsubj", "ROOT", "dobj", "punct"])
    # "Bob" on the wrong head, and a split word ("anti-war" as three tokens)
    pred = doc(["Ann", "saw", "Bob", "."], [1, 1, 0, 1], ["nsubj", "ROOT", "dobj", "punct"])
    gold2 = doc(["anti-war", "songs"], [1, 1], ["amod", "ROOT"])
    pred2 = Doc(
        VOCAB,
        words=["anti", "-", "war", "songs"],
        spaces=[False, False, True, False],
        heads=[3, 3, 3, 3],
        deps=["amod", "amod", "amod", "ROOT"],
    )
    egs = [Example(pred, gold), Example(pred2, gold2)]
    scores = dep_scores(egs)
    assert (scores["uas"], scores["las"]) == spacy_uas_las(egs)
    assert scores["uas"] < 1.0


def test_paragraph_breaks_are_not_scored_and_do_not_shift_later_documents():
    words = ["Hi", ".", "\n\n", "Go", "now", "."]
    spaces = [False, False, False, True, False, False]
    heads = [0, 0, 1, 3, 3, 3]
    deps = ["ROOT", "punct", "dep", "ROOT", "advmod", "punct"]
    tags = ["UH", ".", "_SP", "VB", "RB", "."]
    gold = doc(words, heads, deps, spaces, tags)
    # the parser hangs the break elsewhere and tags it wrong: neither counts
    pred = doc(
        words,
        [0, 0, 3, 3, 3, 3],
        ["ROOT", "punct", "dep", "ROOT", "advmod", "punct"],
        spaces,
        ["UH", ".", "NN", "VB", "RB", "."],
    )
    # a later document whose word at the break's position is wrong must still count
    later_gold = doc(["a", "b", "c", "d"], [1, 1, 1, 2], ["det", "ROOT", "dobj", "dobj"])
    later_pred = doc(["a", "b", "c", "d"], [1, 1, 1, 1], ["det", "ROOT", "dobj", "dobj"])
    scores = parse_scores([Example(pred, gold), Example(later_pred, later_gold)])
    assert scores["uas"] == round(2 * 6 / (7 + 7), 4)  # 6 of 7 scored arcs right
    assert scores["tag_acc"] == 1.0
    assert scores["words"] == 9
