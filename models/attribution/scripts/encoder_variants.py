"""Choose the encoder's windows and gate: score each layout on PolNeAR dev from one parse.

    python models/attribution/scripts/encoder_variants.py [--split ../shared/corpora/polnear/data/dev]
        [--limit N] [--only NAME ...] [--coverage]

Parses every article once (every component before ``quotes_encoder``, as ``quotes eval`` reads
it), then for each variant sets the encoder component's window, overlap, paragraph cuts and
gate and runs ``quotes.evaluate.evaluate`` (no textacy): the encoder, the attribution head and
the ``quotes`` component rerun, the parse comes from the cache. Prints per variant the figures
issue 12 names, the share of word pieces run through the network (overlaps counted each time)
and the seconds spent in the encoder and the head (both cores' machine: for comparison within
one run only; `benchmark_encoder.py` gives the one-core cost). ``--coverage`` first prints what
the shipped gate (quotes.gate) keeps: the share of word pieces in kept paragraphs and of gold
attributions (content, cue and source pieces) that lie whole in them. Dev is for choosing.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# name: (window, overlap, paragraph cuts, gate, "old" for the layout before: windows 192 apart)
VARIANTS = {
    "256 windows 192 apart (before)": (256, 64, False, False, "old"),
    "256, even, overlap 64": (256, 64, False, False, None),
    "256, even, overlap 16": (256, 16, False, False, None),
    "256, even, no overlap": (256, 0, False, False, None),
    "256, paragraph cuts, no overlap": (256, 0, True, False, None),
    "128, even, no overlap": (128, 0, False, False, None),
    "256, even, overlap 16, gate": (256, 16, False, True, None),
    "256, even, no overlap, gate": (256, 0, False, True, None),
    "256, paragraph cuts, gate": (256, 0, True, True, None),
}
KEYS = (
    "content_f1", "attribution_f1", "direct_attributed", "exact_source_f1", "exact_cue_f1",
    "exact_content_f1",
)


def old_windows(n: int, size: int, overlap: int = 0, breaks=None) -> list[tuple[int, int]]:
    """The layout before (windows ``size + 2 - 64`` apart, the last pushed back to end at n)."""
    stride = size + 2 - 64
    if n <= size:
        return [(0, n)]
    starts = list(range(0, n - size + 1, stride))
    if starts[-1] + size < n:
        starts.append(n - size)
    return [(s, s + size) for s in starts]


def coverage(nlp, gold) -> str:
    """The shipped gate's share of word pieces and of whole gold attributions kept."""
    import numpy

    from quotes import encoder, gate

    enc = encoder.load()
    pieces = kept_pieces = attributions = whole = 0
    for g in gold:
        doc = nlp(g.article.text, disable=["quotes_encoder", "attribution_model", "quotes"])
        keep = gate.attribution_tokens(doc)
        _, offsets = enc.pieces(doc.text)
        owner = encoder.piece_owners(doc, offsets)
        pieces += len(owner)
        kept_pieces += int(keep[owner].sum())
        starts = doc.to_array("IDX").astype(numpy.int64)
        for a in g.attributions:
            spans = [a.content, *a.cue, *a.source]
            inside = True
            for span in spans:
                lo = max(int(numpy.searchsorted(starts, span.start, side="right")) - 1, 0)
                hi = int(numpy.searchsorted(starts, span.end))
                inside &= bool(keep[lo:max(hi, lo + 1)].all())
            attributions += 1
            whole += inside
    return (
        f"gate: word pieces kept {kept_pieces / pieces:.3f}; gold attributions whole in kept "
        f"paragraphs {whole / attributions:.3f} ({whole} of {attributions})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", type=Path, default=ROOT.parent / "shared/corpora/polnear/data/dev")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--only", nargs="*", default=None, help="names of the variants to run")
    ap.add_argument("--coverage", action="store_true", help="what the gate keeps, first")
    args = ap.parse_args()

    from quotes import encoder, evaluate, pipeline

    # the very call quotes.evaluate.make_runner makes (load is cached on its arguments)
    nlp = pipeline.load(pipeline.DEFAULT_MODEL, True)
    before = nlp.pipe_names[: nlp.pipe_names.index("quotes_encoder")]
    parsed: dict[str, object] = {}
    make_doc = nlp.make_doc

    def cached(text: str):
        if text not in parsed:
            doc = make_doc(text)
            for name in before:
                doc = nlp.get_pipe(name)(doc)
            parsed[text] = doc
        return parsed[text].copy()

    if args.coverage:
        gold = evaluate.read_split(args.split, args.limit or None)
        print(coverage(nlp, gold), flush=True)
    nlp.make_doc = cached  # every later variant reads the parse from the cache
    for name in before:
        nlp.disable_pipe(name)
    component = nlp.get_pipe("quotes_encoder")
    head = nlp.get_pipe("attribution_model")
    seconds = {"encoder": 0.0, "head": 0.0}

    def timed(key, call):
        def run(self, doc):
            t = time.perf_counter()
            out = call(self, doc)
            seconds[key] += time.perf_counter() - t
            return out

        return run

    for cls, key in ((type(component), "encoder"), (type(head), "head")):
        cls.__call__ = timed(key, cls.__call__)
    split = args.split
    evaluate.evaluate(split, limit=args.limit or None, baseline=False)  # fills the cache
    print(f"{'variant':<34}" + "".join(f"{k[:14]:>15}" for k in KEYS) + "   encoded   enc s  head s")
    new_windows = encoder.windows
    for name, (window, overlap, paragraphs, gated, layout) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        encoder.windows = old_windows if layout == "old" else new_windows
        component.window, component.overlap = window, overlap
        component.paragraphs, component.gate = paragraphs, gated
        component.encoder.pieces_seen = component.encoder.encoded = 0
        seconds.update(encoder=0.0, head=0.0)
        f = evaluate.evaluate(split, limit=args.limit or None, baseline=False).reports[
            evaluate.OURS
        ].overall.figures()
        share = component.encoder.encoded / max(component.encoder.pieces_seen, 1)
        print(
            f"{name:<34}" + "".join(f"{100 * (f[k] or 0):>15.1f}" for k in KEYS)
            + f"{share:>10.3f}{seconds['encoder']:>8.1f}{seconds['head']:>8.1f}",
            flush=True,
        )
    encoder.windows = new_windows


if __name__ == "__main__":
    main()
