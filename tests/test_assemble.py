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


def test_silver_names_label_full_names_then_surnames_and_leave_the_rest_open() -> None:
    from silver_names import label

    nlp = spacy.blank("en")
    first = nlp.make_doc("Konashenkov spoke first.")
    second = nlp.make_doc("Maj Gen Igor Konashenkov said the Russian ministry was right.")
    surnames: set[str] = set()
    for doc in (first, second):
        label(doc, {"Igor"}, surnames)
    assert surnames == {"Konashenkov"}
    tags = label(first, {"Igor"}, surnames)
    assert tags[:2] == ["B-PERSON", "O"]  # the surname alone, before the full name
    tags = label(second, {"Igor"}, surnames)
    words = [t.text for t in second]
    assert tags[words.index("Igor")] == "B-PERSON"
    assert tags[words.index("Konashenkov")] == "I-PERSON"
    # Capitalised words that are no known name stay unannotated; lower-case ones are outside.
    assert tags[words.index("Maj")] == "" and tags[words.index("Russian")] == ""
    assert tags[words.index("ministry")] == "O"
    # "the Igor Foundation" is not a person.
    foundation = nlp.make_doc("He thanked the Igor Foundation today.")
    assert "B-PERSON" not in label(foundation, {"Igor"}, set())


def test_model_card_describes_the_architecture_in_the_config() -> None:
    from package import card, size_line

    listener = {"@architectures": "spacy.Tok2VecListener.v1", "width": 128}
    joint = {
        "components": {
            "tok2vec": {
                "model": {
                    "embed": {"attrs": ["NORM", "SHAPE"], "cluster_bits": [0, 4]},
                    "encode": {"width": 128, "depth": 4},
                }
            },
            "ner": {"model": {"tok2vec": listener}},
        }
    }
    assert size_line(joint) == (
        "shared tok2vec width 128, depth 4; features NORM, SHAPE + Brown clusters; "
        "no static vectors"
    )
    apart = {
        "components": {
            "tok2vec": {
                "model": {"embed": {"attrs": ["NORM"]}, "encode": {"width": 128, "depth": 4}}
            },
            "ner": {
                "model": {
                    "tok2vec": {"@architectures": "spacy.Tok2Vec.v2", "encode": {"width": 96}}
                }
            },
        }
    }
    assert "ner with its own tok2vec, width 96" in size_line(apart)
    assert "Brown clusters" not in size_line(apart)

    meta = {"version": "9.9.9", "description": "d", "pipeline": ["tok2vec", "ner"]}
    metrics = {
        "gum-test": {
            "uas": 0.9,
            "las": 0.8,
            "tag_acc": 0.95,
            "pos_acc": 0.96,
            "ner": {"f": 0.7, "per_type": {k: {"f": 0.7} for k in ("PERSON", "ORG", "GPE")}},
        }
    }
    # The pretraining row belongs to a recognizer with a tok2vec of its own only.
    assert "spacy pretrain" not in card(meta, metrics, None, 1, joint)
    assert "spacy pretrain" in card(meta, metrics, None, 1, apart)

    # Static vectors are named, sized and credited only when the tok2vec reads them.
    table = {"width": 128, "vectors": 45875, "keys": 134559, "name": None, "mode": "default"}
    with_vectors = {"components": {**joint["components"]}}
    with_vectors["components"]["tok2vec"] = {
        "model": {
            "embed": {"attrs": ["NORM"], "include_static_vectors": True},
            "encode": {"width": 128, "depth": 4},
        }
    }
    assert size_line(with_vectors, table).endswith(
        "static vectors, 45,875 rows x 128 dims (134,559 word forms)"
    )
    assert size_line(joint, table).endswith("no static vectors")
    assert size_line(with_vectors, {**table, "vectors": 0}).endswith("no static vectors")
    credited = card({**meta, "vectors": table}, metrics, None, 1, with_vectors)
    assert "all-MiniLM-L6-v2" in credited and "45,875 lowercased word forms" in credited
    assert "MiniLM" not in card({**meta, "vectors": table}, metrics, None, 1, joint)


def test_model_card_tells_an_annealed_training_from_a_single_stage() -> None:
    import anneal_config
    from package import stages_line
    from thinc.api import Config

    base = Config().from_disk(
        Path(__file__).resolve().parents[1] / "models" / "configs" / "en_quotes_sm.cfg",
        interpolate=False,
    )
    assert "constant learning rate;" in stages_line(base)
    annealed = anneal_config.anneal_config(base, "first", 4000, 0.001, 1000)
    line = stages_line(annealed)
    assert "two stages" in line and "4,000 more steps" in line and "from 0.001 to zero" in line
