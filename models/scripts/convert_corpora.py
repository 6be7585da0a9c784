"""Turn ../shared/corpora into spaCy DocBins in the en_core_web scheme.

    python models/scripts/convert_corpora.py --corpora ../shared/corpora --out models/corpus

Writes train.spacy / dev.spacy (EWT + GUM trees, GUM entities, UNER-EWT dev entities),
ner/gold.spacy / ner-dev.spacy (the documents with entities, for configs/ner.cfg; the silver
news names of scripts/silver_names.py join them in ner/) and the
test sets the model card reports on: gum-test.spacy, ewt-test.spacy (trees, tags) and
uner-test.spacy (EWT test sentences with UNER entities). Also writes tag_map.json, the
tag -> (POS, morphology) table the attribute_ruler uses, learnt from the training trees.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from ud2clearnlp import (
    TAG_MAP,
    BadTree,
    Sentence,
    convert,
    gum_entities,
    read_conllu,
    read_iob2,
    read_litbank_tsv,
)

SENTS_PER_DOC = 10
# Where the treebanks record a paragraph break (`# newpar`), the running text gets one, as the
# documents were written: a whitespace token tagged _SP and attached to the word before it, as
# spaCy's own pipelines attach it. The parser then learns what news text shows it constantly,
# that a paragraph break ends a sentence. evaluate.py never scores these tokens.
PARAGRAPH_BREAK = "\n\n"


def sentences(path: Path) -> list[Sentence]:
    with path.open(encoding="utf-8") as f:
        return list(read_conllu(f))


def to_docs(vocab, sents: list[Sentence], with_ents: bool, stats: Counter) -> list[Doc]:
    """Group converted sentences into Docs of up to SENTS_PER_DOC sentences within a document,
    so the parser learns sentence boundaries from running text."""
    docs = []
    chunk: list[Sentence] = []

    def flush():
        if chunk:
            docs.append(_doc(vocab, chunk, with_ents))
            chunk.clear()

    prev_doc = None
    for s in sents:
        try:
            ents = gum_entities(s) if with_ents else None
            convert(s)
        except BadTree:
            stats["bad_tree"] += 1
            continue
        s.ents = ents  # type: ignore[attr-defined]
        if s.doc_id != prev_doc or len(chunk) >= SENTS_PER_DOC:
            flush()
        prev_doc = s.doc_id
        chunk.append(s)
        stats["sentences"] += 1
    flush()
    return docs


def _doc(vocab, sents: list[Sentence], with_ents: bool) -> Doc:
    words, spaces, tags, pos, morphs, lemmas, heads, deps, ents = [], [], [], [], [], [], [], [], []
    offset = 0
    for k, s in enumerate(sents):
        if k and s.new_par:
            spaces[-1] = False
            words.append(PARAGRAPH_BREAK)
            spaces.append(False)
            tags.append("_SP")
            pos.append("SPACE")
            morphs.append("")
            lemmas.append(PARAGRAPH_BREAK)
            heads.append(offset - 1)
            deps.append("dep")
            ents.append("O")
            offset += 1
        iob = ["O"] * len(s.tokens)
        for start, end, label in s.ents or []:
            iob[start - 1] = f"B-{label}"
            for i in range(start, end):
                iob[i] = f"I-{label}"
        for t, tag in zip(s.tokens, iob):
            words.append(t.form)
            spaces.append(t.space_after)
            tags.append(t.xpos)
            pos.append(t.upos if t.upos != "_" else "X")
            morphs.append("" if t.feats == "_" else t.feats)
            lemmas.append(t.lemma)
            heads.append(offset + t.head - 1 if t.head else offset + t.id - 1)
            deps.append(t.deprel)
            ents.append(tag)
        offset += len(s.tokens)
    if spaces:
        spaces[-1] = False
    return Doc(
        vocab,
        words=words,
        spaces=spaces,
        tags=tags,
        pos=pos,
        morphs=morphs,
        lemmas=lemmas,
        heads=heads,
        deps=deps,
        ents=ents if with_ents else None,
    )


def ner_docs(vocab, path: Path) -> list[Doc]:
    docs = []
    with path.open(encoding="utf-8") as f:
        for words, tags, spaces in read_iob2(f):
            docs.append(Doc(vocab, words=words, spaces=spaces, ents=tags))
    return docs


def litbank_docs(vocab, folder: Path) -> list[Doc]:
    """LitBank's proper-name entities, SENTS_PER_DOC sentences a Doc (no trees, no tags)."""
    docs = []
    for path in sorted(folder.glob("*.tsv")):
        sents = list(read_litbank_tsv(path.read_text(encoding="utf-8").splitlines()))
        for k in range(0, len(sents), SENTS_PER_DOC):
            chunk = sents[k : k + SENTS_PER_DOC]
            words = [w for ws, _ in chunk for w in ws]
            tags = [t for _, ts in chunk for t in ts]
            starts = [i == 0 for ws, _ in chunk for i in range(len(ws))]
            docs.append(Doc(vocab, words=words, ents=tags, sent_starts=starts))
    return docs


def tag_map(sents: list[Sentence], min_share: float = 0.9) -> dict:
    """POS and morphology per tag, plus per (word, tag) where the word differs from its tag.

    A tag keeps only the features nearly all its words share (VBD: Tense=Past, not the
    Number=Sing that most past-tense verbs in the data happen to have); closed-class words
    get their own row ("he"/PRP is Gender=Masc, "they"/PRP Number=Plur).
    """
    upos_of: dict[str, Counter] = defaultdict(Counter)
    feats_of: dict[str, Counter] = defaultdict(Counter)
    for s in sents:
        for t in s.tokens:
            xpos = TAG_MAP.get(t.xpos, t.xpos)
            feats = t.feats.split("|") if t.feats != "_" else []
            keys: tuple = (xpos, (t.form.lower(), xpos))
            if t.upos == "AUX" and xpos.startswith("VB"):
                # "is", "has", "does" get rows of their own; a verb tag's default is the
                # verbs' (en_core_web_sm: VBZ is VERB, "says" is VERB, "is" AUX).
                keys = keys[1:]
            for key in keys:
                upos_of[key][t.upos] += 1
                feats_of[key].update(feats)

    def row(key) -> dict[str, str]:
        n = sum(upos_of[key].values())
        shared = sorted(f for f, k in feats_of[key].items() if k / n >= min_share)
        return {"pos": upos_of[key].most_common(1)[0][0], "morph": "|".join(shared)}

    tags = {k: row(k) for k in upos_of if isinstance(k, str)}
    for key in upos_of:  # a tag only auxiliaries ever had keeps their row
        if isinstance(key, tuple) and key[1] not in tags:
            tags[key[1]] = row(key)
    words = []
    for key in sorted(k for k in upos_of if isinstance(k, tuple)):
        if sum(upos_of[key].values()) < 5:
            continue
        r = row(key)
        if r != tags[key[1]]:
            words.append({"word": key[0], "tag": key[1], **r})
    return {"tags": tags, "words": words}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only-tag-map", action="store_true", help="rewrite tag_map.json only")
    args = ap.parse_args()
    c = args.corpora
    args.out.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("en")
    stats: Counter = Counter()

    ewt = {
        split: sentences(c / "ud-english-ewt" / f"en_ewt-ud-{split}.conllu")
        for split in ("train", "dev", "test")
    }
    gum = {
        split: sentences(c / "ud-english-gum" / f"en_gum-ud-{split}.conllu")
        for split in ("train", "dev", "test")
    }
    # The tag map is learnt before conversion touches anything (it only reads tags and features).
    (args.out / "tag_map.json").write_text(
        json.dumps(tag_map(ewt["train"] + gum["train"]), indent=1)
    )
    if args.only_tag_map:
        return

    gum_train = to_docs(nlp.vocab, gum["train"], True, stats)
    gum_dev = to_docs(nlp.vocab, gum["dev"], True, stats)
    # UNER covers EWT's dev sentences with entities only; EWT dev trees stay for evaluation.
    # LitBank's novels add proper names (mostly people) that the treebanks are short of.
    names = ner_docs(nlp.vocab, c / "uner-english-ewt" / "en_ewt-ud-dev.iob2") + litbank_docs(
        nlp.vocab, c / "litbank" / "entities" / "tsv"
    )
    sets = {
        "train": to_docs(nlp.vocab, ewt["train"], False, stats) + gum_train + names,
        "dev": to_docs(nlp.vocab, ewt["dev"], False, stats) + gum_dev,
        # The entity recognizer trains on its own (configs/ner.cfg): only what has entities.
        "ner/gold": gum_train + names,
        "ner-dev": gum_dev,
        "gum-test": to_docs(nlp.vocab, gum["test"], True, stats),
        "ewt-test": to_docs(nlp.vocab, ewt["test"], False, stats),
        "uner-test": ner_docs(nlp.vocab, c / "uner-english-ewt" / "en_ewt-ud-test.iob2"),
    }
    (args.out / "ner").mkdir(exist_ok=True)
    for name, docs in sets.items():
        DocBin(docs=docs, store_user_data=False).to_disk(args.out / f"{name}.spacy")
        print(f"{name}: {len(docs)} docs, {sum(len(d) for d in docs)} words")
    print(dict(stats))


if __name__ == "__main__":
    main()
