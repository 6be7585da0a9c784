"""Train the quote screen (quotes.scorer) on PolNeAR train; choose its threshold on dev.

    python models/attribution/scripts/train_scorer.py [--polnear ../shared/corpora/polnear] \
        [--limit 0] [--l2 1.0] [--out quotes/data/attribution_model/scorer.json]

Runs the pipeline `quotes index` uses (the shipped encoder and head; the screen off) over
PolNeAR train, labels each quote it finds 1 when it matches an annotated content as `quotes
eval` matches them (at least half the shorter span overlaps, one to one), else 0, and fits a
logistic regression on quotes.scorer.features (standardised, L2-penalised, Newton's method in
numpy). On dev it screens the same way (quotes.scorer.Scorer.kept: plain attributions always
stay) and keeps the threshold with the best attribution F1 (a grid from 0.30 to 0.70).
Writes the weights, the threshold and every threshold's dev figures to ``--out``.
Deterministic: no sampling anywhere. Run it again whenever the head changes: the screen reads
the head's spans.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from quotes import evaluate, pipeline, scorer  # noqa: E402
from quotes.records import Failure  # noqa: E402
from quotes.speakers import SpeakerIndex  # noqa: E402

THRESHOLDS = [round(0.30 + 0.05 * k, 2) for k in range(9)]


def run(nlp, split: Path, limit: int | None) -> list[tuple]:
    """Per article: (gold, predictions with speakers resolved, feature rows), screen off."""
    gold = evaluate.read_split(split, limit)
    by_source = {g.article.source: g for g in gold}
    rows_of_docs: list[list[dict]] = []

    class Recorder:
        """Stands in for ``nlp`` so each Doc's quotes are read where the model's spans are."""

        max_length = nlp.max_length

        def pipe(self, *args, **kwargs):
            for doc, context in nlp.pipe(*args, **kwargs):
                reading = scorer.ModelReading(doc)
                rows_of_docs.append([scorer.features(doc, q, reading) for q in doc._.quotes])
                yield doc, context

    index = SpeakerIndex([])
    out = []
    for article, quotes in pipeline.find_quotes(Recorder(), (g.article for g in gold)):
        rows = [row for doc_rows in rows_of_docs for row in doc_rows]
        rows_of_docs.clear()
        if isinstance(quotes, Failure) or len(rows) != len(quotes):
            print(f"skipped {article.source}: {getattr(quotes, 'reason', 'pieces differ')}")
            continue
        predictions = [
            evaluate.predicted(q, index.resolve(q.speaker) if q.speaker else None) for q in quotes
        ]
        out.append((by_source[article.source], predictions, rows))
    return out


def labels(articles: list[tuple]) -> numpy.ndarray:
    y = []
    for gold, predictions, _ in articles:
        matched = evaluate.match(predictions, gold.attributions)
        y += [float(i in matched) for i in range(len(predictions))]
    return numpy.array(y)


def figures(articles: list[tuple], model: scorer.Scorer | None) -> dict[str, float]:
    """Dev figures with the quotes ``model`` keeps (as ``Scorer.screen`` keeps them), or every
    quote without a model."""
    report = evaluate.Report()
    for gold, predictions, rows in articles:
        if model is not None:
            keep = model.kept(
                rows,
                [(p.start, p.end) for p in predictions],
                [(p.cue_start, p.cue_end) if p.cue_start is not None else None for p in predictions],
            )
            predictions = [p for p, k in zip(predictions, keep) if k]
        report.add(gold.publisher, evaluate.count(predictions, gold.attributions, gold.article.text))
    found = report.overall.figures()
    names = ("content_f1", "attribution_f1", "direct_attributed", "exact_source_f1", "exact_cue_f1")
    return {name: round(100 * found[name], 2) for name in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared/corpora/polnear")
    ap.add_argument("--limit", type=int, default=0, help="the first N articles of each split")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=scorer.SHIPPED)
    args = ap.parse_args()
    limit = args.limit or None
    t0 = time.time()
    nlp = pipeline.load()
    nlp.get_pipe("quotes").scorer = None  # the screen learns from every quote found
    train = run(nlp, args.polnear / "data" / "train", limit)
    dev = run(nlp, args.polnear / "data" / "dev", limit)
    names = scorer.feature_names()
    X = scorer.matrix([row for _, _, rows in train for row in rows], names)
    y = labels(train)
    mean = X.mean(0)
    scale = X.std(0)
    scale[scale == 0] = 1.0
    weights = scorer.fit((X - mean) / scale, y, l2=args.l2)
    settings = {
        "names": names, "mean": mean.tolist(), "scale": scale.tolist(),
        "weights": weights.tolist(), "threshold": 0.5, "l2": args.l2,
        "train_quotes": len(y), "train_articles": len(train), "train_positive": float(y.mean()),
    }
    model = scorer.Scorer(settings)
    every = {"none": figures(dev, None)}
    for t in THRESHOLDS:
        model.threshold = t
        every[str(t)] = figures(dev, model)
    best = max(THRESHOLDS, key=lambda t: (every[str(t)]["attribution_f1"], -t))
    settings["threshold"] = best
    settings["dev"] = every
    for name, found in every.items():
        print(f"threshold {name:>5}: {found}")
    print(f"chosen threshold {best}; {len(y)} train quotes ({y.mean():.1%} match a content)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(settings, indent=1) + "\n")
    print(f"wrote {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
