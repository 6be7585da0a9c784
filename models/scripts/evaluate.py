"""Measure a pipeline on the converted test splits: the figures of the model card.

    python models/scripts/evaluate.py en_quotes_sm --corpus models/corpus --out models/metrics.json

Parsing (UAS/LAS, punctuation excluded as spaCy's scorer does) and tag accuracy on GUM test and
EWT test; NER F1 over PERSON/ORG/GPE on GUM test (GUM's proper-noun entities) and on EWT test
(Universal NER). Predictions come from raw text with the pipeline's own tokenizer and sentence
splitter, aligned to the gold words, as `spacy evaluate` does.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.training import Example

try:  # a pipeline directory (not the installed package) needs the coref factory registered
    import coref_component  # noqa: F401
except ImportError:
    pass

NER_LABELS = ("PERSON", "ORG", "GPE")


def examples(nlp, path: Path) -> list[Example]:
    refs = DocBin().from_disk(path).get_docs(nlp.vocab)
    return [Example(nlp.make_doc(ref.text), ref) for ref in refs]


def ner_prf(egs: list[Example]) -> dict:
    """Exact-span micro P/R/F over NER_LABELS, by character offsets (tokenisations differ)."""
    tp = fp = fn = 0
    per: dict[str, list[int]] = {label: [0, 0, 0] for label in NER_LABELS}
    for eg in egs:
        gold = {
            (e.start_char, e.end_char, e.label_)
            for e in eg.reference.ents
            if e.label_ in NER_LABELS
        }
        pred = {
            (e.start_char, e.end_char, e.label_)
            for e in eg.predicted.ents
            if e.label_ in NER_LABELS
        }
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        for label in NER_LABELS:
            g = {x for x in gold if x[2] == label}
            p = {x for x in pred if x[2] == label}
            per[label][0] += len(g & p)
            per[label][1] += len(p - g)
            per[label][2] += len(g - p)

    def prf(t: int, f_p: int, f_n: int) -> dict:
        p = t / (t + f_p) if t + f_p else 0.0
        r = t / (t + f_n) if t + f_n else 0.0
        return {
            "p": round(p, 4),
            "r": round(r, 4),
            "f": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        }

    return {**prf(tp, fp, fn), "per_type": {k: prf(*v) for k, v in per.items()}}


def evaluate(nlp, corpus: Path) -> dict:
    results = {}
    disable = [p for p in nlp.pipe_names if "coref" in p]
    with nlp.select_pipes(disable=disable):
        for name in ("gum-test", "ewt-test"):
            egs = examples(nlp, corpus / f"{name}.spacy")
            scores = nlp.evaluate(egs)
            results[name] = {
                "uas": round(scores["dep_uas"], 4),
                "las": round(scores["dep_las"], 4),
                "tag_acc": round(scores["tag_acc"], 4),
                "pos_acc": round(scores.get("pos_acc") or 0.0, 4),
                "lemma_acc": round(scores.get("lemma_acc") or 0.0, 4),
                "sents_f": round(scores["sents_f"], 4),
                "words": sum(len(eg.reference) for eg in egs),
            }
        gum = examples(nlp, corpus / "gum-test.spacy")
        uner = examples(nlp, corpus / "uner-test.spacy")
        for egs in (gum, uner):
            for eg, doc in zip(egs, nlp.pipe(eg.predicted for eg in egs)):
                eg.predicted = doc
        results["gum-test"]["ner"] = ner_prf(gum)
        results["ewt-test"]["ner"] = ner_prf(uner)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("model", help="pipeline name or path")
    ap.add_argument("--corpus", type=Path, default=Path("models/corpus"))
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()
    nlp = spacy.load(args.model)
    results = evaluate(nlp, args.corpus)
    print(
        f"{'split':<10} {'UAS':>6} {'LAS':>6} {'TAG':>6} {'POS':>6} {'LEMMA':>6} {'NER F':>6}  PER/ORG/GPE F"
    )
    for name, r in results.items():
        per = " / ".join(f"{r['ner']['per_type'][k]['f']:.3f}" for k in NER_LABELS)
        print(
            f"{name:<10} {r['uas']:>6.3f} {r['las']:>6.3f} {r['tag_acc']:>6.3f} {r['pos_acc']:>6.3f} "
            f"{r['lemma_acc']:>6.3f} {r['ner']['f']:>6.3f}  {per}"
        )
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
