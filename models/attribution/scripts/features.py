"""Cache the heads' inputs for PolNeAR train and dev: encoder features, rule features, gold tags.

    python models/attribution/scripts/features.py --polnear ../shared/corpora/polnear \
        --out models/attribution/features [--splits train dev] [--limit N]

Each article is run through en_quotes_sm (tokenizer, tagger, parser, ner: what the rules' features
read, exactly as at run time, coreference left out) and the shipped int8 encoder
(quotes/encoder.py). Writes ``{split}.npz`` with, over all tokens of the split: ``enc`` (float16,
tokens x 384), ``rules`` (uint8, tokens x quotes.attribution_model.N_RULES), ``tags`` (label ids
over quotes.learned.LABELS) and ``docs`` (each article's first token), plus ``{split}.json`` with
each article's name and gold pieces as token spans (role, event id), for span-level scoring.
Only ``train`` is for training; ``dev`` is for choosing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy
import spacy

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "models" / "attribution"))

from convert_polnear import annotate, read_pieces  # noqa: E402

from quotes import encoder as enc_mod  # noqa: E402
from quotes import ingest  # noqa: E402
from quotes.attribution_model import rule_inputs  # noqa: E402
from quotes.evaluate import glob_escape  # noqa: E402
from quotes.learned import LABELS, SPANS_KEY, iob_tags  # noqa: E402

EXCLUDE = ["quotes_coreferee", "coreferee", "attribution_tagger"]


def split_features(nlp, encoder, split_dir: Path, limit: int | None) -> tuple[dict, list]:
    paths = []
    for path in sorted((split_dir / "text").glob("*.txt")):
        anns = sorted((split_dir / "attributions").glob(f"{glob_escape(path.stem)}_*.ann"))
        if anns:
            paths.append((path, anns[0]))
    if limit:
        paths = paths[:limit]
    # the text the pipeline reads at run time (quotes.ingest.view: one kind of line break,
    # doubled apostrophes as '"'), the annotations' offsets moved onto it
    views = [ingest.view(ingest.read_article(str(p))) for p, _ in paths]
    texts = [v.text for v in views]
    enc, rules, tags, starts, meta = [], [], [], [], []
    counts: Counter = Counter()
    label_id = {label: i for i, label in enumerate(LABELS)}
    t0, n_tokens = time.time(), 0
    for k, ((path, ann), view, doc) in enumerate(zip(paths, views, nlp.pipe(texts, batch_size=8))):
        pieces = [
            replace(p, start=view.offset_in_view(p.start), end=view.offset_in_view(p.end))
            for p in read_pieces(ann.read_text(encoding="utf-8"))
        ]
        annotate(doc, pieces, counts)
        spans = list(doc.spans[SPANS_KEY])
        gold, _ = iob_tags(len(doc), ((s.start, s.end, s.label_) for s in spans))
        starts.append(n_tokens)
        n_tokens += len(doc)
        enc.append(encoder.token_features(doc).astype(numpy.float16))
        rules.append(rule_inputs(doc).astype(numpy.uint8))
        tags.append(numpy.array([label_id[t] for t in gold], dtype=numpy.int8))
        meta.append(
            {
                "name": path.stem,
                "n": len(doc),
                "spans": [[s.start, s.end, s.label_, s.id_] for s in spans],
            }
        )
        if (k + 1) % 50 == 0 or k + 1 == len(paths):
            rate = n_tokens / (time.time() - t0)
            print(f"  {split_dir.name}: {k + 1}/{len(paths)} articles, {rate:.0f} tokens/s", flush=True)
    arrays = {
        "enc": numpy.concatenate(enc),
        "rules": numpy.concatenate(rules),
        "tags": numpy.concatenate(tags),
        "docs": numpy.array(starts + [n_tokens], dtype=numpy.int64),
    }
    return arrays, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared/corpora/polnear")
    ap.add_argument("--out", type=Path, default=ROOT / "models/attribution/features")
    ap.add_argument("--model", default="en_quotes_sm")
    ap.add_argument("--splits", nargs="*", default=["train", "dev"])
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--gpu", action="store_true", help="run the encoder on a GPU when present")
    args = ap.parse_args()
    nlp = spacy.load(args.model, exclude=EXCLUDE)
    encoder = enc_mod.load(gpu=args.gpu)
    args.out.mkdir(parents=True, exist_ok=True)
    for split in args.splits:
        t0 = time.time()
        arrays, meta = split_features(nlp, encoder, args.polnear / "data" / split, args.limit or None)
        numpy.savez(args.out / f"{split}.npz", **arrays)
        (args.out / f"{split}.json").write_text(json.dumps(meta))
        print(f"{split}: {len(meta)} articles, {len(arrays['tags'])} tokens, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
