"""Assemble the trained components into the en_quotes_sm pipeline.

    python models/scripts/assemble.py --trained models/training/pipeline/model-best \
        --corpus models/corpus --coref models/training/coref --out models/training/en_quotes_sm

Adds what en_core_web_sm has besides its trained components, in the same order: an
attribute_ruler mapping PTB tags to UD POS and morphology (learnt from the treebanks'
tag/feature co-occurrence), the rule-based lemmatizer (spacy-lookups-data tables), an
entity_ruler for NORP (nationalities and groups, which the treebanks do not annotate as
names), and the coreference component.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import clusters  # noqa: F401  (the trained tok2vec's architecture)
import person_titles
import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from ud2clearnlp import read_demonyms

# Word-specific morphology matters for function words (pronoun gender and number drive
# coreference agreement; auxiliaries' POS drives our cue rules); open-class words keep their
# tag's features, which keeps the ruler's cost per token small.
CLOSED_CLASS_TAGS = {
    "PRP",
    "PRP$",
    "WP",
    "WP$",
    "WDT",
    "DT",
    "PDT",
    "EX",
    "MD",
    "CC",
    "IN",
    "TO",
    "RP",
}
AUXILIARIES = {
    "be",
    "am",
    "is",
    "are",
    "was",
    "were",
    "been",
    "being",
    "'s",
    "'re",
    "'m",
    "have",
    "has",
    "had",
    "having",
    "'ve",
    "'d",
    "do",
    "does",
    "did",
    "done",
}

ANAPHORA_SENTENCES = 1
NOUN_SENTENCES = 0

AUXILIARY_LEMMAS = {
    "be": ["am", "is", "are", "was", "were", "been", "being", "be", "'s", "'re", "'m"],
    "have": ["have", "has", "had", "having", "'ve"],
    "do": ["do", "does", "did", "done", "doing"],
}
VERB_TAGS = ["VB", "VBD", "VBG", "VBN", "VBP", "VBZ"]

META = {
    "name": "quotes_sm",
    "version": "0.4.0",
    "description": (
        "English pipeline for news quote attribution, trained offline on UD English-EWT and GUM "
        "in the en_core_web_sm annotation scheme (PTB tags, ClearNLP dependencies, OntoNotes "
        "entity labels), with a coreferee model for pronoun resolution."
    ),
    "author": "quotes developers",
    "license": "CC BY-SA 4.0",
    "sources": [
        {
            "name": "UD English-EWT",
            "license": "CC BY-SA 4.0",
            "url": "https://universaldependencies.org/treebanks/en_ewt/",
        },
        {"name": "UD English-GUM", "license": "CC BY 4.0", "url": "https://gucorpling.org/gum/"},
        {
            "name": "Universal NER English-EWT (dev)",
            "license": "CC BY-SA 4.0",
            "url": "https://www.universalner.org/",
        },
        {"name": "LitBank", "license": "CC BY 4.0", "url": "https://github.com/dbamman/litbank"},
        {
            "name": "GUM coreference (OntoGUM)",
            "license": "CC BY 4.0",
            "url": "https://gucorpling.org/gum/",
        },
    ],
    "requirements": ["coreferee==1.5.0", "spacy-lookups-data>=1.0.3"],
}


# Ranks and titles news writes before names. spaCy's English exceptions lack some ("Maj."),
# and a split "Maj" + "." ends the sentence in the middle of "said Maj. Gen. Igor Konashenkov".
TITLE_ABBREVIATIONS = (
    "Maj. Lt. Col. Capt. Cpt. Sgt. Cpl. Pvt. Brig. Adm. Cmdr. Cdr. Gen. Gov. Sen. Rep. Amb. "
    "Supt. Insp. Det. Prof. Rev. Hon. Fr. Msgr. Pres. Sec. Atty. Lt.Col. Maj.Gen. Brig.Gen."
).split()


def add_title_abbreviations(nlp: Language) -> None:
    for text in TITLE_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(text, [{ORTH: text}])


def use_own_ner(nlp: Language, ner_nlp: Language) -> None:
    """Swap in an entity recognizer trained apart, on the documents that have entities.

    It trains listening to a tok2vec of its own (configs/ner.cfg); folding that tok2vec into it
    lets it join this pipeline alone, so the shared tok2vec, and the tagger, the parser and
    everything trained on their output, stays as it is.
    """
    if "tok2vec" in ner_nlp.pipe_names:
        ner_nlp.replace_listeners("tok2vec", "ner", ["model.tok2vec"])
    if "ner" in nlp.pipe_names:
        nlp.remove_pipe("ner")
    nlp.add_pipe("ner", source=ner_nlp)


def add_attribute_ruler(nlp: Language, tag_map: dict) -> None:
    ruler = nlp.add_pipe("attribute_ruler", after="parser")
    for tag, attrs in sorted(tag_map["tags"].items()):
        ruler.add([[{"TAG": tag}]], {"POS": attrs["pos"], "MORPH": attrs["morph"]})
    # Whitespace tokens come from training augmentation, not from the treebanks' tag map.
    ruler.add([[{"TAG": "_SP"}]], {"POS": "SPACE"})
    # Word-specific rows come after the tag rows: later patterns win, so "he"/PRP gets
    # Gender=Masc (coreferee's agreement rules read it) instead of PRP's generic features.
    # One pattern per distinct (tag, attributes) with an IN-list of words: the Matcher tries
    # every pattern at every token, so a thousand one-word patterns cost more than the parser.
    groups: dict[tuple[str, str, str], list[str]] = {}
    for row in tag_map["words"]:
        if row["tag"] not in CLOSED_CLASS_TAGS and row["word"] not in AUXILIARIES:
            continue
        groups.setdefault((row["tag"], row["pos"], row["morph"]), []).append(row["word"])
    for (tag, pos, morph), words in sorted(groups.items()):
        ruler.add([[{"LOWER": {"IN": sorted(words)}, "TAG": tag}]], {"POS": pos, "MORPH": morph})
    # The rule lemmatizer leaves auxiliaries as they are ("is", "has"); en_core_web_sm's
    # attribute_ruler gives them their lemma, and so does this one.
    for lemma, forms in AUXILIARY_LEMMAS.items():
        ruler.add([[{"LOWER": {"IN": forms}, "TAG": {"IN": VERB_TAGS}}]], {"LEMMA": lemma})


def add_lemmatizer(nlp: Language) -> None:
    lemmatizer = nlp.add_pipe("lemmatizer", after="attribute_ruler", config={"mode": "rule"})
    lemmatizer.initialize()  # loads the English tables from spacy-lookups-data


def add_norp_ruler(nlp: Language) -> None:
    names = read_demonyms()
    # After ner and without overwriting: the statistical names win where both fire
    # ("Russian Defence Ministry" stays one ORG).
    ruler = nlp.add_pipe(
        "entity_ruler",
        after="ner",
        config={"overwrite_ents": False, "phrase_matcher_attr": "LOWER"},
    )
    ruler.add_patterns([{"label": "NORP", "pattern": name} for name in names])


def add_person_titles(nlp: Language) -> None:
    """Right after ner: titles trimmed off people's names, names after a title that ner missed."""
    if person_titles.FACTORY_NAME in nlp.pipe_names:
        nlp.remove_pipe(person_titles.FACTORY_NAME)
    nlp.add_pipe(person_titles.FACTORY_NAME, after="ner")


def add_coref(nlp: Language, coref_dir: Path, anaphora_sentences: int, noun_sentences: int) -> None:
    import coref_component  # noqa: F401  (registers the factory)

    coref_component.add_to_pipeline(
        nlp, coref_dir, anaphora_sentences=anaphora_sentences, noun_sentences=noun_sentences
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--trained", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True, help="folder with tag_map.json")
    ap.add_argument(
        "--ner",
        type=Path,
        help="a pipeline whose ner (with its own tok2vec) replaces the trained one (optional)",
    )
    ap.add_argument("--coref", type=Path, help="trained coreferee model folder (optional)")
    # A quote's "he said" points at someone in the sentence or the one before; looking further
    # costs more than anything else in the pipeline (models/scripts/benchmark.py) and gains
    # nothing on held-out documents (train_coref.py --evaluate-only). coreferee's own: 5 and 2.
    ap.add_argument("--anaphora-sentences", type=int, default=ANAPHORA_SENTENCES)
    ap.add_argument("--noun-sentences", type=int, default=NOUN_SENTENCES)
    ap.add_argument("--metrics", type=Path, help="metrics JSON to record in meta.json")
    ap.add_argument("--version", default=META["version"], help="the package's version")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    nlp = spacy.load(args.trained)
    if args.ner:
        use_own_ner(nlp, spacy.load(args.ner))
    add_title_abbreviations(nlp)
    add_attribute_ruler(nlp, json.loads((args.corpus / "tag_map.json").read_text()))
    add_lemmatizer(nlp)
    add_norp_ruler(nlp)
    add_person_titles(nlp)
    if args.coref:
        add_coref(nlp, args.coref, args.anaphora_sentences, args.noun_sentences)
    nlp.meta.update(META, version=args.version)
    if args.metrics and args.metrics.exists():
        nlp.meta["performance"] = json.loads(args.metrics.read_text())
    nlp.to_disk(args.out)
    print(f"Saved {args.out}: {nlp.pipe_names}")


if __name__ == "__main__":
    main()
