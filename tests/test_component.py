"""The ``quotes`` component: declared to spaCy, configurable, and its output survives
serialisation (Doc.to_bytes, DocBin) and worker processes (nlp.pipe(n_process=2)).

Needs the packaged en_quotes_sm: without it these tests fail.
"""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import Doc, DocBin

from quotes.records import quote_from_dict, quote_to_dict

SEEDS = Path(__file__).parents[1] / "seeds"
INTERRUPTED = (
    "Anna Berg, the council's treasurer, presented the budget on Monday.\n\nJohn Carter "
    'criticised the plan. "This budget is a disgrace," he said. "It cuts everything we need."\n'
)


def texts() -> list[str]:
    return [INTERRUPTED] + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def test_the_component_declares_what_it_needs_and_sets(nlp):
    meta = nlp.get_pipe_meta("quotes")
    assert "token.dep" in meta.requires
    assert {"doc._.quotes", "doc._.quote_records", "doc.spans"} <= set(meta.assigns)
    config = nlp.config["components"]["quotes"]
    assert (config["spans_key"], config["coreference"]) == ("quotes", True)
    assert 0 < config["learned_cue_factor"] <= 1


def test_quotes_are_plain_data_on_the_doc(nlp):
    doc = nlp(INTERRUPTED)
    [record] = [r for r in doc._.quote_records if r["kind"] == "direct"]
    assert record["speaker"]["name"] == "John Carter"
    assert [p[2] for p in record["parts"]] == ["This budget is a disgrace", "It cuts everything we need."]
    assert [quote_to_dict(q) for q in doc._.quotes] == doc._.quote_records
    assert all(quote_from_dict(quote_to_dict(q)) == q for q in doc._.quotes)


def test_span_groups_hold_contents_cues_and_sources(nlp):
    doc = nlp(INTERRUPTED)
    direct = [q for q in doc._.quotes if q.kind == "direct"]
    number = doc._.quotes.index(direct[0])
    qid = f"q{number}"
    pieces = [s for s in doc.spans["quotes"] if s.id_ == qid]
    assert [s.text for s in pieces] == ["This budget is a disgrace", "It cuts everything we need."]
    assert {s.label_ for s in pieces} == {"speech"}
    [cue] = [s for s in doc.spans["quotes_cue"] if s.id_ == qid]
    [source] = [s for s in doc.spans["quotes_source"] if s.id_ == qid]
    assert (cue.text, source.text, source.kb_id_, source.label_) == (
        "said", "he", "John Carter", "person"
    )


def test_quotes_survive_doc_to_bytes(nlp):
    doc = nlp(INTERRUPTED)
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert again._.quotes == doc._.quotes
    assert [s.text for s in again.spans["quotes"]] == [s.text for s in doc.spans["quotes"]]


def test_docbin_round_trip_gives_the_same_quotes(nlp, tmp_path):
    docs = list(nlp.pipe(texts()))
    assert sum(len(d._.quotes) for d in docs) > 20
    DocBin(docs=docs, store_user_data=True).to_disk(tmp_path / "quotes.spacy")
    loaded = list(DocBin().from_disk(tmp_path / "quotes.spacy").get_docs(nlp.vocab))
    assert [d._.quotes for d in loaded] == [d._.quotes for d in docs]
    # without user data the span groups still carry the quotes' spans and how they tie up
    bare = DocBin(docs=docs, store_user_data=False).to_bytes()
    loaded = list(DocBin().from_bytes(bare).get_docs(nlp.vocab))
    for before, after in zip(docs, loaded):
        for key in ("quotes", "quotes_cue", "quotes_source"):
            assert [(s.start, s.end, s.label_, s.id_, s.kb_id_) for s in after.spans[key]] == [
                (s.start, s.end, s.label_, s.id_, s.kb_id_) for s in before.spans[key]
            ]


def test_two_processes_give_the_same_quotes_as_one(nlp):
    one = [d._.quotes for d in nlp.pipe(texts(), batch_size=2)]
    two = [d._.quotes for d in nlp.pipe(texts(), batch_size=2, n_process=2)]
    assert two == one
    assert sum(len(q) for q in one) > 20
