"""What the attribution tagger costs: the index pipeline on the same articles, without and with it.

    python models/attribution/scripts/benchmark_learned.py \
        --texts seeds ../shared/corpora/polnear/data/dev/text --limit 25

Loads the pipeline as ``quotes index`` does (``quotes.pipeline.load``: coreference when
available, the tagger shipped in ``quotes/data`` when the tok2vec matches, the ``quotes``
component last), runs the same texts with ``attribution_tagger`` disabled (the rules alone) and
enabled, and prints words per second and the ratio (the budget is 1.3).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# One core: numpy/blis must not spread over the second one behind our back.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(var, "1")

from quotes import learned, pipeline  # noqa: E402,F401  (learned registers the factory)


def read_texts(paths: list[Path], limit: int) -> list[str]:
    files = []
    for path in paths:
        files += sorted(path.rglob("*.txt")) if path.is_dir() else [path]
    return [f.read_text(encoding="utf-8") for f in files[: limit or None]]


def seconds(nlp, texts: list[str], disable: list[str], repeat: int, batch_size: int):
    with nlp.select_pipes(disable=disable):
        list(nlp.pipe(texts[:2]))  # warm-up
        best, words = None, 0
        for _ in range(repeat):
            start = time.perf_counter()
            words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size))
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
    return best, words


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("model", nargs="?", default=pipeline.DEFAULT_MODEL)
    ap.add_argument("--texts", type=Path, nargs="+", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=16)
    args = ap.parse_args()

    nlp = pipeline.load(args.model)
    if "attribution_tagger" not in nlp.pipe_names:
        raise SystemExit(f"{args.model} has no attribution_tagger: {nlp.pipe_names}")
    texts = read_texts(args.texts, args.limit)
    without, words = seconds(nlp, texts, ["attribution_tagger"], args.repeat, args.batch_size)
    with_it, _ = seconds(nlp, texts, [], args.repeat, args.batch_size)
    print(f"pipes: {', '.join(nlp.pipe_names)}")
    print(f"texts: {len(texts)}  words: {words}  best of {args.repeat}")
    print(f"without attribution_tagger: {without:6.2f}s  {words / without:8,.0f} words/s")
    print(f"with attribution_tagger:    {with_it:6.2f}s  {words / with_it:8,.0f} words/s")
    print(f"ratio: {with_it / without:.3f} (budget 1.3)")


if __name__ == "__main__":
    main()
