"""The person_titles rule (models/scripts/person_titles.py) on hand-tagged sentences."""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.tokens import Doc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "scripts"))

from person_titles import FACTORY_NAME, PersonTitles  # noqa: E402

NLP = spacy.blank("en")
RULE = NLP.add_pipe(FACTORY_NAME)


def tagged(text: str, ents: list[str] | None = None) -> Doc:
    """'word/TAG ...' -> a Doc with those tags and optional IOB entity tags."""
    pairs = [w.rsplit("/", 1) for w in text.split()]
    return Doc(NLP.vocab, words=[w for w, _ in pairs], tags=[t for _, t in pairs], ents=ents)


def ents(doc: Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in RULE(doc).ents]


def test_a_name_after_titles_that_ner_missed_becomes_a_person():
    doc = tagged("Maj/NNP Gen/NNP Igor/NNP Konashenkov/NNP said/VBD so/RB ./.")
    assert ents(doc) == [("Igor Konashenkov", "PERSON")]


def test_titles_are_trimmed_off_a_person_and_other_labels_are_left_alone():
    doc = tagged(
        "Gen./NNP Pervez/NNP Musharraf/NNP met/VBD General/NNP Motors/NNPS ./.",
        ["B-PERSON", "I-PERSON", "I-PERSON", "O", "B-ORG", "I-ORG", "O"],
    )
    assert ents(doc) == [("Pervez Musharraf", "PERSON"), ("General Motors", "ORG")]


def test_no_person_from_lower_case_titles_places_or_offices():
    assert ents(tagged("the/DT president/NN Smith/NNP spoke/VBD")) == []
    assert ents(tagged("on/IN King/NNP Street/NNP today/NN")) == []
    assert ents(tagged("Deputy/NNP Fire/NNP Chief/NNP spoke/VBD")) == []
    # a name the recognizer labelled otherwise is not relabelled
    doc = tagged("President/NNP Lincoln/NNP Memorial/NNP", ["O", "B-FAC", "I-FAC"])
    assert ents(doc) == [("Lincoln Memorial", "FAC")]


def test_titles_come_from_the_config_and_survive_saving(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY_NAME, config={"titles": ["Elder"]})
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p").get_pipe(FACTORY_NAME)
    assert isinstance(loaded, PersonTitles) and loaded.titles == {"elder"}
    doc = Doc(nlp.vocab, words=["Elder", "Ann", "Lee"], tags=["NNP"] * 3)
    assert [(e.text, e.label_) for e in loaded(doc).ents] == [("Ann Lee", "PERSON")]


def test_a_name_ending_in_an_organisation_word_is_no_person():
    doc = tagged(
        "Amnesty/NNP International/NNP said/VBD so/RB ./.",
        ["B-PERSON", "I-PERSON", "O", "O", "O"],
    )
    rule = PersonTitles([], ["international"])
    assert [(e.text, e.label_) for e in rule(doc).ents] == [("Amnesty International", "ORG")]
    # a one-word name is left to the recognizer
    single = tagged(
        "Jane/NNP said/VBD",
        [
            "B-PERSON",
            "O",
        ],
    )
    assert [(e.label_) for e in rule(single).ents] == ["PERSON"]
