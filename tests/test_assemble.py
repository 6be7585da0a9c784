"""Assembling en_quotes_sm: the separately trained entity recognizer joins the pipeline."""

import sys
from pathlib import Path

import spacy

sys.path.insert(0, str(Path(__file__).parents[1] / "models" / "scripts"))

from assemble import use_own_ner  # noqa: E402


def _ner_pipeline(label: str) -> spacy.Language:
    """A tiny untrained pipeline shaped like configs/ner.cfg: a ner listening to its tok2vec."""
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "tok2vec"}
    ner = nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "hidden_width": 8,
                "maxout_pieces": 2,
                "use_upper": True,
                "tok2vec": listener,
            }
        },
    )
    ner.add_label(label)
    nlp.initialize()
    return nlp


def test_own_ner_replaces_the_trained_one_and_leaves_the_shared_tok2vec() -> None:
    main = spacy.blank("en")
    main.add_pipe("tok2vec")
    main.add_pipe("tagger").add_label("NNP")
    main.add_pipe("ner").add_label("OLD")
    main.initialize()
    shared = main.get_pipe("tok2vec").model.to_bytes()

    use_own_ner(main, _ner_pipeline("PERSON"))

    assert main.pipe_names == ["tok2vec", "tagger", "ner"]
    assert main.get_pipe("ner").labels == ("PERSON",)
    assert main.get_pipe("tok2vec").model.to_bytes() == shared
    # The folded-in tok2vec is the ner's own: it runs with the shared one disabled.
    with main.select_pipes(enable=["ner"]):
        doc = main("Jan Egeland spoke in Geneva.")
    assert all(ent.label_ == "PERSON" for ent in doc.ents)
