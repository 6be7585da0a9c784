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


def test_long_texts_run_in_windows_and_keep_every_piece():
    enc = encoder.load()
    ids, _ = enc.pieces(" ".join(["The council said it would review the decision."] * 80))
    assert len(ids) > 600
    long = enc.encode_pieces(ids, window=128, overlap=32)
    assert long.shape == (len(ids), 384)
    assert numpy.all(numpy.abs(long).sum(1) > 0)
    # narrower windows see less context, yet each piece keeps much the same reading
    wide = enc.encode_pieces(ids, window=256, overlap=0)
    cos = (long * wide).sum(1) / (numpy.linalg.norm(long, axis=1) * numpy.linalg.norm(wide, axis=1))
    assert cos.mean() > 0.8


@pytest.mark.parametrize("n", [1, 200, 254, 255, 300, 509, 1060, 5000])
@pytest.mark.parametrize("overlap", [0, 16, 64])
def test_windows_cover_every_piece_evenly_within_the_size(n, overlap):
    spans = encoder.windows(n, 254, overlap)
    assert spans[0][0] == 0 and spans[-1][1] == n
    assert all(0 < e - s <= 254 for s, e in spans)
    assert len({e - s for s, e in spans}) == 1  # one length: one batch, no padding
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s1 < s2 <= e1 and e1 - s2 >= overlap - 1  # no gap; they share about `overlap`
    # as few windows as the overlap allows: never a full window pushed back over the last
    assert len(spans) == (1 if n <= 254 else -(-(n - overlap) // (254 - overlap)))


def test_paragraph_windows_end_where_a_paragraph_starts():
    breaks = numpy.array([40, 100, 180, 260, 300, 420, 900])
    spans = encoder.windows(1000, 254, 0, breaks)
    assert spans[0][0] == 0 and spans[-1][1] == 1000
    assert all(e - s <= 254 for s, e in spans)
    assert all(s2 == e1 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    # cuts fall on paragraph starts, except inside the paragraph longer than a window
    # (420 to 900), which is spread over windows of its own
    inside_long = [e for _, e in spans[:-1] if 420 < e < 900]
    assert all(e in breaks for _, e in spans[:-1] if e not in inside_long)
    assert (420, 900) not in spans and any(s == 420 for s, _ in spans)


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


def _random_lstm_weights(n_in: int, width: int, hidden: int, layers: int, seed: int = 0) -> dict:
    rng = numpy.random.default_rng(seed)
    w = {
        "proj_W": rng.normal(0, 0.3, (n_in, width)), "proj_b": rng.normal(0, 0.1, width),
        "out_W": rng.normal(0, 0.3, (2 * hidden, len(attribution_model.LABELS))),
        "out_b": rng.normal(0, 0.1, len(attribution_model.LABELS)),
    }
    for k in range(layers):
        n = width if k == 0 else 2 * hidden
        for d in (0, 1):
            w[f"lstm{k}_{d}_Wih"] = rng.normal(0, 0.3, (n, 4 * hidden))
            w[f"lstm{k}_{d}_Whh"] = rng.normal(0, 0.3, (hidden, 4 * hidden))
            w[f"lstm{k}_{d}_b"] = rng.normal(0, 0.1, 4 * hidden)
    return w


def _reference_bilstm(w: dict, layers: int, x: numpy.ndarray) -> numpy.ndarray:
    """The textbook LSTM (gates i, f, g, o; sigmoid as 1 / (1 + e^-x)), a token at a time, one
    sequence alone: what the batched, padded, one-tanh version must reproduce."""

    def sigmoid(v):
        return 1.0 / (1.0 + numpy.exp(-v))

    def run(seq, Wih, Whh, b):
        H = Whh.shape[0]
        h, c, out = numpy.zeros(H), numpy.zeros(H), []
        for v in seq:
            g = v @ Wih + h @ Whh + b
            i, f, gg, o = sigmoid(g[:H]), sigmoid(g[H : 2 * H]), numpy.tanh(g[2 * H : 3 * H]), sigmoid(g[3 * H :])
            c = f * c + i * gg
            h = o * numpy.tanh(c)
            out.append(h)
        return numpy.array(out)

    h = numpy.maximum(x @ w["proj_W"] + w["proj_b"], 0)
    for k in range(layers):
        fwd = run(h, w[f"lstm{k}_0_Wih"], w[f"lstm{k}_0_Whh"], w[f"lstm{k}_0_b"])
        bwd = run(h[::-1], w[f"lstm{k}_1_Wih"], w[f"lstm{k}_1_Whh"], w[f"lstm{k}_1_b"])[::-1]
        h = numpy.hstack([fwd, bwd])
    logits = h @ w["out_W"] + w["out_b"]
    e = numpy.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


@pytest.mark.parametrize("layers", [1, 2])
def test_the_bilstm_head_matches_a_plain_lstm_whatever_the_batch(layers):
    w = _random_lstm_weights(9, 6, 5, layers)
    rng = numpy.random.default_rng(1)
    stretches = [rng.normal(size=(n, 9)).astype("f") for n in (7, 1, 12, 3)]
    head = attribution_model.BiLSTM(w, layers)
    batched = head.probabilities_of(stretches)
    for x, got in zip(stretches, batched):
        assert got.shape == (len(x), len(attribution_model.LABELS))
        numpy.testing.assert_allclose(got, _reference_bilstm(w, layers, x), atol=1e-5)
        # alone or beside longer stretches (padding), the same probabilities
        numpy.testing.assert_allclose(head.probabilities_of([x])[0], got, atol=1e-6)


def test_bilstm_pieces_end_where_a_paragraph_starts():
    first = numpy.zeros(600)
    first[[0, 100, 250, 420]] = 1
    cuts = attribution_model.lstm_pieces(600, first, size=256)
    assert cuts[0][0] == 0 and cuts[-1][1] == 600
    assert all(b == c for (_, b), (c, _) in zip(cuts, cuts[1:]))
    assert all(b - a <= 256 for a, b in cuts)
    assert {b for _, b in cuts[:-1]} <= {100, 250, 420}
    # a text with no paragraph break, longer than a piece: every token in exactly one piece
    for n in (257, 600, 1000):
        cuts = attribution_model.lstm_pieces(n, numpy.zeros(n), size=256)
        assert cuts[0][0] == 0 and cuts[-1][1] == n
        assert all(b == c for (_, b), (c, _) in zip(cuts, cuts[1:]))
        assert all(0 < b - a <= 256 for a, b in cuts)


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
    # the model's report, without its complementiser, stands for the tagger-led rules' one
    assert quote.content.text.endswith("the old pier would not survive another winter")
    assert quote.cue.text == "mused"
    assert quote.mention.text.endswith("master")
    # no link, no report: the rules alone know no "mused"
    doc._.attribution_links = []
    doc._.attribution_iob = ["O"] * len(doc)
    assert attribute.quotes_in(doc) == []


def test_a_cue_the_model_reads_inside_a_report_keeps_the_report_whole(nlp):
    from quotes import attribute

    text = (
        "The ministry spoke on Monday. The US is overplaying the strategic significance of the "
        "fall of Raqqa, it charged."
    )
    doc = nlp(text)
    words = [t.text for t in doc]
    at = words.index("is")
    # the model's reading, set by hand: "is overplaying" a cue of its own, its object a content
    tags = ["O"] * len(doc)
    tags[at : at + 2] = ["B-CUE", "I-CUE"]
    obj = words.index("the", at)
    tags[obj : words.index(",", obj)] = ["B-CONTENT"] + ["I-CONTENT"] * (words.index(",", obj) - obj - 1)
    tags[words.index("charged")] = "B-CUE"
    doc._.attribution_iob = tags
    doc._.attribution_links = []
    (quote,) = [q for q in attribute.quotes_in(doc) if q.cue and q.cue.text == "charged"]
    # what "charged" reports is the whole clause, not what "overplaying" governs
    assert quote.content.text == "The US is overplaying the strategic significance of the fall of Raqqa"
    # the same reading without the inner cue: the tagger's content wins, as it is meant to
    doc._.attribution_iob = tags[:at] + ["O", "O"] + tags[at + 2 :]
    (quote,) = [q for q in attribute.quotes_in(doc) if q.cue and q.cue.text == "charged"]
    assert quote.content.text == "the strategic significance of the fall of Raqqa"


def test_where_the_rules_name_no_speaker_the_models_linked_source_does(nlp):
    from quotes import attribute

    doc = nlp('Asked about the vote, the senator: "We will win."')
    words = [t.text for t in doc]
    senator, we = words.index("senator"), words.index("We")
    # the model's reading, set by hand, so that the test reads the rule and not a retraining
    doc._.attribution_links = [
        {"content": [we, we + 3], "cue": [senator + 1, senator + 2], "source": [senator - 1, senator + 1]}
    ]
    (quote,) = attribute.quotes_in(doc)
    assert quote.content.text.startswith("We will win")
    assert quote.unresolved_mention is not None and quote.unresolved_mention.text == "the senator"
    # without the link, nobody
    doc._.attribution_links = []
    (quote,) = attribute.quotes_in(doc)
    assert quote.speaker is None and quote.unresolved_mention is None


def test_a_relative_pronoun_the_rules_cannot_resolve_gives_way_to_the_models_source(nlp):
    from quotes import attribute

    doc = nlp(
        "He released a letter from his doctor on Friday that says he has extraordinarily "
        "good health for a man of his age."
    )
    words = [t.text for t in doc]
    that, says, has = words.index("that"), words.index("says"), words.index("has")
    assert doc[that].tag_ == "WDT" and doc[that].head.i == says
    doc._.attribution_links = []  # no model reading: "that" is all the rules have
    (quote,) = [q for q in attribute.quotes_in(doc) if q.cue and q.cue.text == "says"]
    assert quote.speaker is None and quote.unresolved_mention.text == "that"
    # the model's reading, set by hand: "that" is the letter's, and the letter is his doctor's
    doctor = words.index("doctor")
    doc._.attribution_links = [
        {"content": [has - 1, len(doc) - 1], "cue": [says, says + 1], "source": [doctor - 1, doctor + 1]}
    ]
    (quote,) = [q for q in attribute.quotes_in(doc) if q.cue and q.cue.text == "says"]
    assert quote.unresolved_mention is not None and "doctor" in quote.unresolved_mention.text
    # a subject the rules can read stays theirs whatever the model links
    doc = nlp("The mayor said on Friday that the bridge would reopen in May.")
    words = [t.text for t in doc]
    doc._.attribution_links = [
        {"content": [words.index("the"), len(doc) - 1], "cue": [2, 3], "source": [words.index("Friday"), words.index("Friday") + 1]}
    ]
    (quote,) = attribute.quotes_in(doc)
    assert quote.unresolved_mention.text == "The mayor"


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


# --- only where attribution can happen (quotes.gate) ----------------------------------------------


def test_a_text_with_no_cue_quote_or_clause_gets_no_encoder_window(nlp):
    enc = nlp.get_pipe("quotes_encoder")
    assert enc.gate  # the shipped setting
    before = enc.encoder.encoded
    doc = nlp("The bridge opened in 1932.\n\nIt carries four lanes of traffic over the river.")
    assert enc.encoder.encoded == before  # the network never ran
    assert set(doc._.attribution_iob) == {"O"}
    assert doc._.attribution_links == []


def test_a_quotation_is_always_encoded_even_without_a_cue(nlp):
    text = (
        "The bridge opened in 1932.\n\n"
        "“We will never close it,” a sign on the gate reads.\n\n"
        "It carries four lanes of traffic."
    )
    doc = nlp(text, disable=["attribution_model", "quotes"])
    mask = doc._.encoder_mask
    assert mask is not None and len(mask) == len(doc)
    first, last = doc.text.index("\n"), doc.text.rindex("\n")
    quoted = [t.i for t in doc if first < t.idx < last and not t.is_space]
    assert all(mask[i] for i in quoted)
    assert numpy.all(numpy.abs(doc._.encoder_features[quoted]).sum(1) > 0)
    # the paragraphs with no sign of a report are not encoded: zero features, never labelled
    plain = [t.i for t in doc if t.idx < first or t.idx > last]
    assert not any(mask[i] for i in plain)
    assert numpy.all(doc._.encoder_features[plain] == 0)


def test_the_gate_keeps_paragraphs_with_a_cue_word_or_a_clausal_complement(nlp):
    from quotes import gate

    text = (
        "The minister said the plan would fail.\n\n"
        "Officials reckon the bridge will close.\n\n"
        "The bridge opened in 1932."
    )
    doc = nlp(text)
    keep = gate.attribution_tokens(doc)
    para = gate.paragraphs(doc)
    kept = {int(p) for p in set(para[keep].tolist())}
    assert kept == {0, 1}  # "said" (a cue); "reckon" (no cue word, but a clausal complement)
    # the head labels only what the encoder read: the last paragraph is all O
    assert all(doc._.attribution_iob[i] == "O" for i in numpy.flatnonzero(para == 2))
    assert any(tag != "O" for tag in doc._.attribution_iob)


def test_the_head_labels_only_the_encoded_stretches(nlp):
    head = nlp.get_pipe("attribution_model")
    doc = nlp("The minister said the plan would fail.", disable=["attribution_model", "quotes"])
    doc._.encoder_mask = numpy.zeros(len(doc), dtype=bool)
    assert head.head.tags(doc) == ["O"] * len(doc)
    doc._.encoder_mask = None  # None: the encoder read every token
    assert any(tag != "O" for tag in head.head.tags(doc))
