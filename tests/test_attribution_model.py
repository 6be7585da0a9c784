"""The frozen encoder (quotes/encoder.py) and the attribution model on it (quotes/attribution_model.py).

Both ship in quotes/data; these tests load them and fail (never skip) when they cannot be loaded.
"""

from __future__ import annotations

import numpy
import pytest
import spacy

from quotes import attribution_model, encoder, learned, pipeline


@pytest.fixture(scope="module")
def nlp():
    return pipeline.load()


def test_the_shipped_encoder_loads_and_gives_one_row_per_token():
    enc = encoder.load()
    nlp = spacy.blank("en")
    doc = nlp("The minister said the plan would fail.\n\nCritics disagreed.")
    feats = enc.token_features(doc)
    assert feats.shape == (len(doc), 384)
    words = [t.i for t in doc if not t.is_space]
    assert numpy.all(numpy.abs(feats[words]).sum(1) > 0)
    spaces = [t.i for t in doc if t.is_space]
    assert numpy.all(feats[spaces] == 0)


def test_a_missing_encoder_or_head_raises(tmp_path):
    with pytest.raises(encoder.EncoderMissing):
        encoder.Encoder(tmp_path)
    with pytest.raises(attribution_model.ModelMissing):
        attribution_model.Head(tmp_path)


def test_long_texts_run_in_overlapping_windows_and_keep_every_piece():
    enc = encoder.load()
    ids, _ = enc.pieces(" ".join(["The council said it would review the decision."] * 80))
    assert len(ids) > 600
    long = enc.encode_pieces(ids, window=128, stride=64)
    assert long.shape == (len(ids), 384)
    assert numpy.all(numpy.abs(long).sum(1) > 0)
    # narrower windows see less context, yet each piece keeps much the same reading
    wide = enc.encode_pieces(ids, window=256, stride=128)
    cos = (long * wide).sum(1) / (numpy.linalg.norm(long, axis=1) * numpy.linalg.norm(wide, axis=1))
    assert cos.mean() > 0.8


def test_pieces_are_averaged_into_their_tokens():
    doc = spacy.blank("en")("unbelievably ok")
    offsets = numpy.array([[0, 2], [2, 8], [8, 12], [13, 15]])
    feats = numpy.array([[1.0], [2.0], [3.0], [5.0]], dtype="f")
    assert encoder.align(doc, offsets, feats).tolist() == [[2.0], [5.0]]


def test_viterbi_makes_whole_spans():
    labels = attribution_model.LABELS
    probs = numpy.full((3, len(labels)), 0.01)
    # alone, each token's best label would be O, I-CONTENT, I-CUE: two broken spans
    probs[0, labels.index("O")] = 0.9
    probs[1, labels.index("I-CONTENT")] = 0.6
    probs[1, labels.index("B-CONTENT")] = 0.3
    probs[2, labels.index("I-CUE")] = 0.5
    probs[2, labels.index("I-CONTENT")] = 0.4
    path = [labels[i] for i in attribution_model.viterbi(probs)]
    assert path == ["O", "B-CONTENT", "I-CONTENT"]


def test_the_model_labels_and_links_a_report(nlp):
    doc = nlp("The defence minister said on Tuesday that the army would leave the city by May.")
    spans = {(doc[s:e].text, role) for s, e, role in learned.spans_from_iob(doc._.attribution_iob)}
    assert ("said", "CUE") in spans
    assert ("The defence minister", "SOURCE") in spans
    links = doc._.attribution_links
    assert len(links) == 1
    link = links[0]
    assert doc[slice(*link["cue"])].text == "said"
    assert doc[slice(*link["source"])].text == "The defence minister"
    assert "the army would leave the city by May" in doc[slice(*link["content"])].text
    assert doc._.encoder_features is None  # dropped once read


def test_the_pipeline_runs_the_encoder_before_the_model_and_the_rules_after(nlp):
    names = nlp.pipe_names
    assert names.index("parser") < names.index("quotes_encoder")
    assert names.index("quotes_encoder") + 1 == names.index("attribution_model")
    assert names.index("attribution_model") < names.index("quotes")
    assert "attribution_tagger" not in names


def test_the_older_cnn_tagger_stays_available():
    nlp = pipeline.load(tagger="cnn")
    assert "attribution_tagger" in nlp.pipe_names
    assert "attribution_model" not in nlp.pipe_names
    with pytest.raises(ValueError):
        pipeline.load(tagger="bert")


def test_a_linked_report_no_rule_finds_becomes_a_quote(nlp):
    from quotes import attribute

    doc = nlp("The harbour master mused that the old pier would not survive another winter.")
    # the model's reading, set by hand: "mused" is no cue the word lists know
    tags = ["B-SOURCE", "I-SOURCE", "I-SOURCE", "B-CUE"] + ["B-CONTENT"] + ["I-CONTENT"] * 9
    doc._.attribution_iob = tags + ["O"] * (len(doc) - len(tags))
    doc._.attribution_links = [{"content": [4, 14], "cue": [3, 4], "source": [0, 3]}]
    (quote,) = attribute.quotes_in(doc)
    assert quote.content.text == "that the old pier would not survive another winter"
    assert quote.cue.text == "mused"
    assert quote.mention.text.endswith("master")
    # no link, no report: the rules alone know no "mused"
    doc._.attribution_links = []
    doc._.attribution_iob = ["O"] * len(doc)
    assert attribute.quotes_in(doc) == []


def test_the_models_boundaries_refine_the_rules_quotes():
    from quotes.records import Quote, Span, SpeakerRef

    doc = spacy.blank("en")("President Donald Trump told reporters that taxes would fall .")
    text = doc.text

    def span(part: str) -> Span:
        start = text.index(part)
        return Span(start, start + len(part), part)

    rules = Quote(
        content=span("taxes would fall"),
        kind="indirect",
        cue=span("told"),
        speaker=SpeakerRef("Donald Trump", "person", mention=span("Trump")),
    )
    doc._.attribution_iob = [
        "B-SOURCE", "I-SOURCE", "I-SOURCE", "B-CUE", "I-CUE",
        "B-CONTENT", "I-CONTENT", "I-CONTENT", "I-CONTENT", "O",
    ]
    doc._.attribution_links = []  # set by the model; the older tagger leaves it None
    (refined,) = attribution_model.refine(doc, [rules])
    assert refined.speaker.mention.text == "President Donald Trump"
    assert refined.speaker.name == "Donald Trump"  # who spoke is the rules' call
    assert refined.cue.text == "told reporters"
    assert refined.content.text == "taxes would fall"  # contents keep the rules' bounds
    (with_content,) = attribution_model.refine(doc, [rules], ("SOURCE", "CUE", "CONTENT"))
    assert with_content.content.text == "that taxes would fall"
    # without the model's labels nothing changes
    doc._.attribution_iob = None
    assert attribution_model.refine(doc, [rules]) == [rules]
