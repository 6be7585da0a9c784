"""What the encoder and the attribution head cost beside the rest of the pipeline, on one core.

    OMP_NUM_THREADS=1 python models/attribution/scripts/benchmark_encoder.py \
        [--texts ../shared/corpora/polnear/data/dev/text] [--limit 60] \
        [--window 256] [--overlap 0] [--no-paragraphs] [--no-gate] [--head DIR]

Loads the pipeline `quotes index` uses (quotes.pipeline.load), pins onnxruntime and BLAS to one
thread, runs each article through each component in turn and adds up each component's time. The
bar (issue 12): quotes_encoder + attribution_model + the quote screen (inside the quotes
component) take at most 60% of the time of all the other components together. Prints words/s,
the share of word pieces the encoder ran over and the ratio; exits 1 when the bar is missed.
The window options override the shipped layout (quotes/encoder.py) to compare layouts on one
core; ``--head`` runs a head trained elsewhere (a directory with meta.json and its weights)
instead of the shipped one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[3]
# the quote screen (quotes/scorer.py) runs inside the ``quotes`` component; it is learned and
# reads the head's output, so its time counts with the heads
LEARNED = ("quotes_encoder", "attribution_model", "quote screen")
BAR = 0.60


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=Path, default=ROOT.parent / "shared/corpora/polnear/data/dev/text")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--model", default="en_quotes_sm")
    ap.add_argument("--window", type=int, default=None)
    ap.add_argument("--overlap", type=int, default=None)
    ap.add_argument("--no-paragraphs", action="store_true", help="windows not cut at paragraphs")
    ap.add_argument("--no-gate", action="store_true", help="encode every paragraph")
    ap.add_argument("--head", type=Path, default=None, help="a head directory (meta.json + weights)")
    args = ap.parse_args()

    from quotes import attribution_model, encoder, ingest, pipeline

    nlp = pipeline.load(args.model)
    if args.head:
        nlp.get_pipe("attribution_model").head = attribution_model.Head(args.head)
    print(f"head: {nlp.get_pipe('attribution_model').head.meta.get('kind', 'cnn')}")
    component = nlp.get_pipe("quotes_encoder")
    # onnxruntime picks its own thread count: pin the encoder to one thread as well
    component.encoder = encoder.Encoder(encoder.SHIPPED, threads=1)
    component.window = args.window or component.window
    component.overlap = component.overlap if args.overlap is None else args.overlap
    component.paragraphs = component.paragraphs and not args.no_paragraphs
    component.gate = component.gate and not args.no_gate
    print(
        f"encoder windows: {component.window} pieces, overlap {component.overlap}, "
        f"cut at paragraphs: {component.paragraphs}, gate: {component.gate}"
    )
    paths = sorted(args.texts.glob("*.txt"))[: args.limit]
    texts = [ingest.read_article(str(p)).text for p in paths]
    nlp(texts[0])  # warm up: first calls allocate
    nlp.get_pipe("quotes_encoder").encoder.pieces_seen = 0
    nlp.get_pipe("quotes_encoder").encoder.encoded = 0
    seconds: dict[str, float] = defaultdict(float)
    finder = nlp.get_pipe("quotes")
    if finder.scorer is not None:
        screen = finder.scorer.screen

        def timed_screen(doc, quotes):
            t = time.perf_counter()
            kept = screen(doc, quotes)
            seconds["quote screen"] += time.perf_counter() - t
            return kept

        finder.scorer.screen = timed_screen
    words = 0
    for text in texts:
        t = time.perf_counter()
        doc = nlp.make_doc(text)
        seconds["tokenizer"] += time.perf_counter() - t
        words += sum(1 for token in doc if not token.is_space and not token.is_punct)
        for name, proc in nlp.pipeline:
            t = time.perf_counter()
            doc = proc(doc)
            seconds[name] += time.perf_counter() - t
    seconds["quotes"] -= seconds["quote screen"]  # counted once, with the heads
    learned = sum(seconds[n] for n in LEARNED)
    rest = sum(s for n, s in seconds.items() if n not in LEARNED)
    print(f"{len(texts)} articles, {words} words, one thread")
    for name, s in sorted(seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<20}{s:8.2f} s")
    enc = nlp.get_pipe("quotes_encoder").encoder
    print(
        f"word pieces run through the encoder: {enc.encoded} of {enc.pieces_seen} "
        f"({enc.encoded / max(enc.pieces_seen, 1):.2f}; overlapping windows count twice)"
    )
    print(f"encoder + head: {learned:.2f} s; the rest of the pipeline: {rest:.2f} s")
    print(f"whole pipeline: {words / (learned + rest):.0f} words/s")
    ratio = learned / rest
    print(f"encoder + head / rest = {ratio:.2f} (bar: at most {BAR:.2f})")
    sys.exit(0 if ratio <= BAR else 1)


if __name__ == "__main__":
    main()
