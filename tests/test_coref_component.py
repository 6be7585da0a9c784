"""The quotes_coreferee component: coreferee with a model kept in the pipeline."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy
import pytest
import spacy
from coreferee.data_model import Mention
from coreferee.rules import RulesAnalyzerFactory
from coreferee.tendencies import (
    ENSEMBLE_SIZE,
    DocumentPairInfo,
    TendenciesAnalyzer,
    create_thinc_model,
    generate_feature_table,
)
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Adam, SequenceCategoricalCrossentropy, fix_random_seed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models" / "scripts"))

import coref_component  # noqa: E402

# Training the tiny model computes similarities without static vectors.
pytestmark = pytest.mark.filterwarnings("ignore:.*W007")

# A hand-parsed two-sentence text in en_core_web_sm's scheme, so the tests need
# no trained pipeline: "Peter met Mary in Paris . He thanked her ."
WORDS = ["Peter", "met", "Mary", "in", "Paris", ".", "He", "thanked", "her", "."]
TAGS = ["NNP", "VBD", "NNP", "IN", "NNP", ".", "PRP", "VBD", "PRP", "."]
POS = ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT", "PRON", "VERB", "PRON", "PUNCT"]
LEMMAS = ["Peter", "meet", "Mary", "in", "Paris", ".", "he", "thank", "she", "."]
HEADS = [1, 1, 1, 1, 3, 1, 7, 7, 7, 7]
DEPS = ["nsubj", "ROOT", "dobj", "prep", "pobj", "punct", "nsubj", "ROOT", "dobj", "punct"]
MORPHS = [
    "Number=Sing",
    "Tense=Past|VerbForm=Fin",
    "Number=Sing",
    "",
    "Number=Sing",
    "PunctType=Peri",
    "Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs",
    "Tense=Past|VerbForm=Fin",
    "Case=Acc|Gender=Fem|Number=Sing|Person=3|PronType=Prs",
    "PunctType=Peri",
]
ENTS = ["B-PERSON", "O", "B-PERSON", "O", "B-GPE", "O", "O", "O", "O", "O"]


def hand_parsed(nlp: Language) -> Doc:
    doc = Doc(
        nlp.vocab,
        words=WORDS,
        tags=TAGS,
        pos=POS,
        lemmas=LEMMAS,
        heads=HEADS,
        deps=DEPS,
        morphs=MORPHS,
        ents=ENTS,
    )
    # coreferee reads token vectors; in the pipeline they are tok2vec's output.
    doc.tensor = numpy.eye(len(doc), 16, dtype="float32")
    return doc


def referent(doc: Doc, index: int) -> str:
    """The most specific mention of the chain holding the token at *index*."""
    chains = doc[index]._.coref_chains
    assert len(chains) == 1
    chain = chains[0]
    root = chain.mentions[chain.most_specific_mention_index].root_index
    return doc[root].text


@pytest.fixture()
def tiny_model():
    """A coreferee model trained for a few steps on the hand-parsed text, with
    the true antecedents marked as coreferee's loaders mark them."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    coref_component.QuotesCoreferee(nlp)  # sets the extensions
    rules = RulesAnalyzerFactory().get_rules_analyzer(nlp)
    doc = hand_parsed(nlp)
    rules.initialize(doc)
    for anaphor, antecedent in ((6, 0), (8, 2)):
        for mention in doc[anaphor]._.coref_chains.temp_potential_referreds:
            if mention == Mention(doc[antecedent], False):
                mention.true_in_training = True
    feature_table = generate_feature_table([doc], nlp)
    analyzer = TendenciesAnalyzer(rules, nlp, feature_table)
    dpi = DocumentPairInfo.from_doc(doc, analyzer, ENSEMBLE_SIZE, is_train=True)
    model = create_thinc_model()
    model.initialize(X=[dpi], Y=dpi.training_outputs)
    optimizer = Adam(0.001)
    loss_calc = SequenceCategoricalCrossentropy(normalize=True)
    for _ in range(3):
        guesses, backprop = model.begin_update([dpi])
        grads, _ = loss_calc(guesses, dpi.training_outputs)
        backprop(grads)
        model.finish_update(optimizer)
    return feature_table, model


def test_component_resolves_pronouns_by_gender(tiny_model) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(coref_component.FACTORY_NAME)
    component.set_model(*tiny_model)
    doc = component(hand_parsed(nlp))
    assert referent(doc, 6) == "Peter"
    assert referent(doc, 8) == "Mary"
    assert not doc[4]._.coref_chains


def test_bytes_round_trip_keeps_the_model(tiny_model) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(coref_component.FACTORY_NAME)
    component.set_model(*tiny_model)
    data = component.to_bytes()

    other = spacy.blank("en").add_pipe(coref_component.FACTORY_NAME)
    other.from_bytes(data)
    assert vars(other.feature_table) == vars(component.feature_table)
    assert other.thinc_model.to_bytes() == component.thinc_model.to_bytes()
    doc = other(hand_parsed(nlp))
    assert referent(doc, 6) == "Peter"


def test_pipeline_disk_round_trip(tiny_model, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe(coref_component.FACTORY_NAME).set_model(*tiny_model)
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "quotes_coreferee" / "feature_table.json").is_file()

    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded.get_pipe(coref_component.FACTORY_NAME)(hand_parsed(loaded))
    assert referent(doc, 8) == "Mary"


def test_add_to_pipeline_reads_coreferee_layout(tiny_model, tmp_path: Path) -> None:
    coref_component.save_coreferee_files(tmp_path / "model", *tiny_model)
    nlp = spacy.blank("en")
    coref_component.add_to_pipeline(nlp, tmp_path / "model")
    coref_component.add_to_pipeline(nlp, tmp_path / "model")  # replaces, not duplicates
    assert nlp.pipe_names == [coref_component.FACTORY_NAME]
    doc = nlp.get_pipe(coref_component.FACTORY_NAME)(hand_parsed(nlp))
    assert referent(doc, 6) == "Peter"


def test_failure_warns_and_keeps_the_doc(tiny_model) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(coref_component.FACTORY_NAME)
    component.set_model(*tiny_model)

    def broken(doc: Doc) -> Doc:
        raise RuntimeError("boom")

    component.annotator.annotate = broken
    doc = hand_parsed(nlp)
    with pytest.warns(RuntimeWarning, match="boom"):
        assert component(doc) is doc


def test_untrained_component_refuses_to_run() -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(coref_component.FACTORY_NAME)
    with pytest.raises(ValueError, match="no model"):
        component(hand_parsed(nlp))


@pytest.fixture(scope="module")
def packaged():
    try:
        return spacy.load("en_quotes_sm")
    except OSError:
        pytest.fail("en_quotes_sm is not installed; install models/dist/en_quotes_sm-*.whl",
                    pytrace=False)


# The news sentences (en_quotes_sm 0.2.0 missed the first two names and linked the
# pronouns to "Dresden" and "August").
NEWS = [
    (
        "Maj Gen Igor Konashenkov said the ruins evoked Dresden. He said the West was hurrying.",
        "He",
        "Konashenkov",
    ),
    (
        "Donatella Rovera visited the city in August. She said the families had nowhere to go.",
        "She",
        "Rovera",
    ),
    (
        "The Russian defence ministry said the strikes had stopped. "
        "It charged that the coalition had bombed the city.",
        "It",
        "ministry",
    ),
]


@pytest.mark.parametrize(("text", "pronoun", "expected"), NEWS)
def test_packaged_model_resolves_news_pronouns(packaged, text, pronoun, expected) -> None:
    assert coref_component.FACTORY_NAME in packaged.pipe_names
    doc = packaged(text)
    token = next(t for t in doc if t.text == pronoun)
    resolved = doc._.coref_chains.resolve(token)
    assert resolved is not None
    assert expected in [t.text for t in resolved]


def test_packaged_model_names_and_parses_the_news_speakers(packaged) -> None:
    doc = packaged(NEWS[0][0])
    konashenkov = next(t for t in doc if t.text == "Konashenkov")
    assert konashenkov.ent_type_ == "PERSON"
    assert (konashenkov.dep_, konashenkov.head.text) == ("nsubj", "said")
    for text, name in (
        ("Jan Egeland, the UN humanitarian adviser, said civilians were trapped.", "Jan Egeland"),
        ("Mustafa Bali, a spokesman for the SDF, said the battle was over.", "Mustafa Bali"),
        ("Nicolas Davies, an author, told the station it was a crime.", "Nicolas Davies"),
    ):
        assert (name, "PERSON") in [(e.text, e.label_) for e in packaged(text).ents]


def test_each_component_applies_its_own_reach_on_every_call(tiny_model) -> None:
    """coreferee keeps one rules analyzer per language and process; two pipelines with
    different reach must not inherit each other's."""
    near, far = spacy.blank("en"), spacy.blank("en")
    near.add_pipe(
        coref_component.FACTORY_NAME, config={"anaphora_sentences": 1, "noun_sentences": 0}
    ).set_model(*tiny_model)
    far.add_pipe(coref_component.FACTORY_NAME).set_model(*tiny_model)
    rules = near.get_pipe(coref_component.FACTORY_NAME).annotator.rules_analyzer
    assert rules is far.get_pipe(coref_component.FACTORY_NAME).annotator.rules_analyzer
    near.get_pipe(coref_component.FACTORY_NAME)(hand_parsed(near))
    assert rules.maximum_anaphora_sentence_referential_distance == 1
    far.get_pipe(coref_component.FACTORY_NAME)(hand_parsed(far))
    assert rules.maximum_anaphora_sentence_referential_distance == 5
    near.get_pipe(coref_component.FACTORY_NAME)(hand_parsed(near))
    assert rules.maximum_anaphora_sentence_referential_distance == 1


def test_reach_is_part_of_the_components_config(tiny_model, tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    component = nlp.add_pipe(
        coref_component.FACTORY_NAME, config={"anaphora_sentences": 1, "noun_sentences": 0}
    )
    component.set_model(*tiny_model)
    rules = component.annotator.rules_analyzer
    assert rules.maximum_anaphora_sentence_referential_distance == 1
    assert rules.maximum_coreferring_nouns_sentence_referential_distance == 0
    nlp.to_disk(tmp_path / "p")
    again = spacy.load(tmp_path / "p").get_pipe(coref_component.FACTORY_NAME)
    assert again.annotator.rules_analyzer.maximum_anaphora_sentence_referential_distance == 1
    # Unset, it is coreferee's own.
    default = spacy.blank("en").add_pipe(coref_component.FACTORY_NAME)
    default.set_model(*tiny_model)
    assert default.annotator.rules_analyzer.maximum_anaphora_sentence_referential_distance == 5
