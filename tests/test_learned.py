"""The learned attribution tagger: PolNeAR conversion, labels, training and the rules' hooks."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import spacy
from conftest import require_model
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from thinc.api import Adam

from quotes import learned
from quotes.learned import LABELS, SPANS_KEY, iob_tags, spans_from_iob

CONVERTER = Path(__file__).parents[1] / "models" / "attribution" / "convert_polnear.py"


@pytest.fixture(scope="module")
def convert():
    spec = importlib.util.spec_from_file_location("convert_polnear", CONVERTER)
    module = importlib.util.module_from_spec(spec)
    sys.modules["convert_polnear"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


ARTICLE = (
    "The mayor said the bridge would reopen in May, and aides added that it was safe.\n"
    "“We will fix it,” Ms. Lee told reporters.\n"
)


def offsets(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def ann_for(text: str) -> str:
    """A BRAT file in PolNeAR's shape, with a discontinuous Content and a nested Cue."""
    mayor = offsets(text, "The mayor")
    said = offsets(text, "said")
    content_a = offsets(text, "the bridge would reopen")
    content_b = offsets(text, "in May")
    added = offsets(text, "added")  # also inside the mayor's content below: an overlap
    aides = offsets(text, "aides")
    safe = offsets(text, "that it was safe")
    quote = offsets(text, "“We will fix it,”")
    lee = offsets(text, "Ms. Lee")
    told = offsets(text, "told")
    wide = (content_a[0], safe[1])  # annotator error: Content swallows the next attribution

    def t(n, role, *spans):
        where = ";".join(f"{a} {b}" for a, b in spans)
        return f"T{n}\t{role} {where}\t{' '.join(text[a:b] for a, b in spans)}"

    return (
        "\n".join(
            [
                t(1, "Source", mayor),
                t(2, "Cue", said),
                t(3, "Content", content_a, content_b),
                t(4, "Attribution", said),
                "E1\tAttribution:T4 Source:T1 Cue:T2 Content:T3",
                t(5, "Source", aides),
                t(6, "Cue", added),
                t(7, "Content", safe),
                t(8, "Attribution", added),
                "E2\tAttribution:T8 Source:T5 Cue:T6 Content:T7",
                t(9, "Content", quote),
                t(10, "Source", lee),
                t(11, "Cue", told),
                t(12, "Attribution", told),
                "E3\tAttribution:T12 Content:T9 Source:T10 Cue:T11",
                t(13, "Discuss", offsets(text, "reporters")),
                "#1\tAnnotatorNotes T13\tnot an attribution",
                t(14, "Content", wide),
                t(15, "Attribution", said),
                "E4\tAttribution:T15 Content:T14",
            ]
        )
        + "\n"
    )


def test_read_pieces_keeps_event_roles_and_splits_discontinuous_spans(convert):
    pieces = convert.read_pieces(ann_for(ARTICLE))
    roles = Counter((p.event, p.role) for p in pieces)
    assert roles[("E1", "CONTENT")] == 2  # two pieces of one Content
    assert roles[("E3", "SOURCE")] == 1
    assert not any(p.role not in ("CUE", "SOURCE", "CONTENT") for p in pieces)  # no Discuss
    assert convert.discontinuous(pieces) == 1


def test_convert_split_labels_tokens_and_counts_overlaps(convert, tmp_path):
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "nyt_x.txt").write_text(ARTICLE, encoding="utf-8")
    # two annotators: the first by file name is used
    (tmp_path / "attributions" / "nyt_x_aaaa.ann").write_text(ann_for(ARTICLE), encoding="utf-8")
    (tmp_path / "attributions" / "nyt_x_bbbb.ann").write_text("", encoding="utf-8")
    nlp = spacy.blank("en")
    db, counts = convert.convert_split(nlp, tmp_path)
    db_path = tmp_path / "out.spacy"
    db.to_disk(db_path)
    (doc,) = DocBin().from_disk(db_path).get_docs(nlp.vocab)

    assert counts["articles"] == 1 and counts["attributions"] == 4
    assert counts["discontinuous_roles"] == 1
    spans = doc.spans[SPANS_KEY]
    assert {s.label_ for s in spans} == {"CUE", "SOURCE", "CONTENT"}
    assert {s.id_ for s in spans} == {"E1", "E2", "E3", "E4"}

    tags, clashes = iob_tags(len(doc), ((s.start, s.end, s.label_) for s in spans))
    by_text = {t.text: tag for t, tag in zip(doc, tags)}
    assert by_text["said"] == "B-CUE"
    assert by_text["added"] == "B-CUE"  # the cue wins over the wide Content around it
    assert by_text["aides"] == "B-SOURCE"
    assert by_text["reporters"] == "O"
    assert by_text["“"] == "B-CONTENT"
    assert tags[[t.text for t in doc].index("Lee")] == "I-SOURCE"
    # "aides added that it was safe" sits inside E4's wide Content
    assert clashes == counts["tokens_in_two_roles"] >= 6


def test_char_spans_expand_to_whole_tokens(convert):
    nlp = spacy.blank("en")
    doc = nlp.make_doc("He’s been ratcheting up his critique.")
    # A piece that starts inside a token ("e’s been") still covers the whole token.
    piece = convert.Piece(1, 9, "CUE", "E1")  # "e’s been"
    counts = Counter()
    convert.annotate(doc, [piece], counts)
    (span,) = doc.spans[SPANS_KEY]
    assert span.text == "He’s been"
    assert counts["pieces_expanded"] == 1


def test_iob_tags_keep_adjacent_spans_apart():
    tags, clashes = iob_tags(5, [(0, 2, "CONTENT"), (2, 4, "CONTENT")])
    assert tags == ["B-CONTENT", "I-CONTENT", "B-CONTENT", "I-CONTENT", "O"]
    assert clashes == 0
    assert spans_from_iob(tags) == [(0, 2, "CONTENT"), (2, 4, "CONTENT")]


def test_spans_from_iob_reads_a_stray_inside_tag_as_a_start():
    assert spans_from_iob(["O", "I-CUE", "I-CUE", "B-SOURCE", "I-CONTENT"]) == [
        (1, 3, "CUE"),
        (3, 4, "SOURCE"),
        (4, 5, "CONTENT"),
    ]


def test_rule_features_mark_quoted_tokens_and_known_cues():
    nlp = spacy.blank("en")
    doc = nlp.make_doc("She noted: “Go now.” Then she left.")
    X = learned.rule_features(doc)
    assert X.shape == (len(doc), learned.N_FEATURES)
    words = [t.text for t in doc]
    assert X[words.index("Go"), 0] == 1 and X[words.index("Then"), 0] == 0
    assert X[words.index("noted"), 3] == 1 and X[words.index("left"), 3] == 0


# --- training -----------------------------------------------------------------------------

TRAIN = [
    ("Smith said the tax was unfair .", [(0, 1, "SOURCE"), (1, 2, "CUE"), (2, 6, "CONTENT")]),
    ("The aide argued that it would pass .", [(0, 2, "SOURCE"), (2, 3, "CUE"), (3, 7, "CONTENT")]),
    ("Rain fell on the city all day .", []),
]


def small_pipeline():
    nlp = spacy.blank("en")
    nlp.add_pipe(
        "tok2vec",
        config={
            "model": {
                "@architectures": "spacy.Tok2Vec.v2",
                "embed": {
                    "@architectures": "spacy.MultiHashEmbed.v2",
                    "width": 32,
                    "attrs": ["NORM", "SHAPE"],
                    "rows": [500, 50],
                    "include_static_vectors": False,
                },
                "encode": {
                    "@architectures": "spacy.MaxoutWindowEncoder.v2",
                    "width": 32,
                    "depth": 1,
                    "window_size": 1,
                    "maxout_pieces": 2,
                },
            }
        },
    )
    nlp.add_pipe(
        "attribution_tagger",
        config={"model": {"width": 16, "depth": 1, "tok2vec": {"width": 32}}},
    )
    return nlp


def examples(nlp) -> list[Example]:
    out = []
    for text, spans in TRAIN:
        reference = Doc(nlp.vocab, words=text.split())
        reference.spans[SPANS_KEY] = [Span(reference, s, e, label=role) for s, e, role in spans]
        out.append(Example(nlp.make_doc(text), reference))
    return out


def test_tagger_learns_tiny_data_and_round_trips(tmp_path):
    nlp = small_pipeline()
    train = examples(nlp)
    nlp.initialize(lambda: train)
    optimizer = Adam(0.01)  # tiny data: a bolder step than spaCy's default
    history = []
    for _ in range(30):
        losses = {}
        nlp.update(train, sgd=optimizer, losses=losses)
        history.append(losses["attribution_tagger"])
    assert history[-1] < history[0] / 3

    doc = nlp(TRAIN[0][0])
    assert doc._.attribution_iob[:3] == ["B-SOURCE", "B-CUE", "B-CONTENT"]
    assert [t._.attribution for t in doc][:2] == ["SOURCE", "CUE"]
    assert [s.label_ for s in doc._.attribution_spans] == ["SOURCE", "CUE", "CONTENT"]
    scores = nlp.evaluate(examples(nlp))
    assert scores["attribution_f"] > 0.5

    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")
    for text, _ in TRAIN:
        assert again(text)._.attribution_iob == nlp(text)._.attribution_iob


def test_tagger_sets_labels_on_empty_docs():
    nlp = small_pipeline()
    train = examples(nlp)
    nlp.initialize(lambda: train)
    assert nlp("")._.attribution_iob == []
    assert set(nlp("Some words here .")._.attribution_iob) <= set(LABELS)


# --- what the rules consult -------------------------------------------------------------------


def tagged(words: list[str], tags: list[str], pos: list[str]) -> Doc:
    doc = Doc(spacy.blank("en").vocab, words=words)
    for token, tag in zip(doc, pos):
        token.tag_ = tag
    doc._.attribution_iob = tags
    return doc


def test_hooks_answer_nothing_without_predictions():
    doc = Doc(spacy.blank("en").vocab, words=["Smith", "grumbled", "loudly"])
    assert learned.cue_heads(doc) == {}
    assert learned.content_for(doc, doc[1]) is None
    assert learned.source_for(doc, doc[1]) is None


def test_hooks_offer_unlisted_cues_their_source_and_content():
    doc = tagged(
        ["Smith", "grumbled", "that", "taxes", "rose", ".", "Jones", "said", "no", "."],
        [
            "B-SOURCE",
            "B-CUE",
            "B-CONTENT",
            "I-CONTENT",
            "I-CONTENT",
            "O",
            "B-SOURCE",
            "B-CUE",
            "B-CONTENT",
            "O",
        ],
        ["NNP", "VBD", "IN", "NNS", "VBD", ".", "NNP", "VBD", "UH", "."],
    )
    heads = learned.cue_heads(doc)
    assert list(heads) == [1]  # "said" is in the word lists already
    assert learned.source_for(doc, doc[1]).i == 0
    start, end = learned.content_for(doc, doc[1])
    assert doc.text[start:end] == "that taxes rose"


def test_content_is_not_taken_from_another_paragraph():
    doc = tagged(
        ["Smith", "grumbled", "\n", "Taxes", "rose"],
        ["B-SOURCE", "B-CUE", "O", "B-CONTENT", "I-CONTENT"],
        ["NNP", "VBD", "_SP", "NNS", "VBD"],
    )
    assert learned.content_for(doc, doc[1]) is None


# --- the shipped tagger -------------------------------------------------------------------------


def test_shipped_tagger_joins_only_the_pipeline_whose_tok2vec_it_reads():
    require_model()
    from quotes import pipeline

    # the older CNN tagger, kept behind tagger="cnn" (the encoder's model is the default)
    nlp = pipeline.load("en_quotes_sm", tagger="cnn")
    assert "attribution_tagger" in nlp.pipe_names
    doc = nlp("The senator told reporters on Monday that the bill would pass.")
    assert len(doc._.attribution_iob) == len(doc)
    assert "B-CUE" in doc._.attribution_iob
    # Without the tagger the rules run alone; another tok2vec never gets it.
    assert "attribution_tagger" not in pipeline.load("en_quotes_sm", tagger=False).pipe_names
    other = spacy.blank("en")
    other.add_pipe("tok2vec")
    other.initialize()
    assert learned.attach(other) is False
    assert "attribution_tagger" not in other.pipe_names


def test_project_pipeline_narrows_coreferees_reach():
    require_model()
    from quotes import pipeline

    nlp = pipeline.load("en_quotes_sm")
    component = nlp.get_pipe("quotes_coreferee")
    assert (component.anaphora_sentences, component.noun_sentences) == (1, 0)
    nlp("Ann Lee arrived. She said it rained.")
    rules = component.annotator.rules_analyzer
    assert rules.maximum_anaphora_sentence_referential_distance == 1
    assert rules.maximum_coreferring_nouns_sentence_referential_distance == 0


def test_a_trained_pipeline_directory_loads_in_a_fresh_process(tmp_path):
    """`--model DIR` (a pipeline saved by the recipe): our factory and tok2vec features must be
    registered before spaCy reads its config, which a fresh process has not done."""
    require_model()
    spacy.load("en_quotes_sm").to_disk(tmp_path / "pipeline")
    code = (
        "import sys; from quotes import pipeline; "
        "nlp = pipeline.load(sys.argv[1]); doc = nlp('Ana Lee said it rained. She left.'); "
        # component_names: the coreference component is loaded, run around cues only
        "print(nlp.component_names, doc[0].ent_type_)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pipeline")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "quotes_coreferee" in out.stdout and "quotes" in out.stdout
