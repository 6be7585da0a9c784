"""Train the attribution head on cached PolNeAR train features; choose the epoch on dev.

    python models/attribution/scripts/train_head.py --features models/attribution/features \
        --out models/attribution/training/head [--epochs 6] [--width 128] [--depth 3]

Reads ``train.npz`` and ``dev.npz`` written by features.py. After every epoch the head's labels
on dev are decoded into whole spans (quotes.attribution_model.viterbi) and scored as exact token
spans per role; the epoch with the best mean of the three F1s is kept and written (with its
settings and figures) to ``--out``: ``head.bin`` (thinc weights) and ``meta.json``.
Fixed seeds; uses a GPU through thinc/cupy when one is present (``--gpu``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy
from thinc.api import Adam, fix_random_seed, prefer_gpu

from quotes.attribution_model import LABELS, build_head, viterbi
from quotes.learned import spans_from_iob

ROOT = Path(__file__).resolve().parents[3]
ROLES = ("SOURCE", "CUE", "CONTENT")


def load(path: Path, rules_in: bool = True) -> tuple[list[numpy.ndarray], list[numpy.ndarray]]:
    data = numpy.load(path)
    enc, rules, tags, docs = data["enc"], data["rules"], data["tags"], data["docs"]
    if not rules_in:  # the ablation: encoder features alone
        rules = rules[:, :0]
    X, Y = [], []
    for a, b in zip(docs[:-1], docs[1:]):
        X.append(numpy.hstack([enc[a:b].astype("f"), rules[a:b].astype("f")]))
        Y.append(tags[a:b].astype(numpy.int64))
    return X, Y


def chunks(X: list, Y: list, size: int) -> tuple[list, list]:
    """Articles cut into pieces of at most ``size`` tokens (the head's reach is a few tokens)."""
    cx, cy = [], []
    for x, y in zip(X, Y):
        for s in range(0, len(x), size):
            cx.append(x[s : s + size])
            cy.append(y[s : s + size])
    return cx, cy


def span_scores(gold: list[numpy.ndarray], guess: list[list[int]]) -> dict[str, float]:
    """Exact token-span P/R/F1 per role."""
    tp = {r: 0 for r in ROLES}
    n_pred = {r: 0 for r in ROLES}
    n_gold = {r: 0 for r in ROLES}
    for g, p in zip(gold, guess):
        gs = set(spans_from_iob([LABELS[i] for i in g]))
        ps = set(spans_from_iob([LABELS[i] for i in p]))
        for r in ROLES:
            gr = {s for s in gs if s[2] == r}
            pr = {s for s in ps if s[2] == r}
            tp[r] += len(gr & pr)
            n_pred[r] += len(pr)
            n_gold[r] += len(gr)
    out = {}
    for r in ROLES:
        p = tp[r] / n_pred[r] if n_pred[r] else 0.0
        q = tp[r] / n_gold[r] if n_gold[r] else 0.0
        out[r] = 2 * p * q / (p + q) if p + q else 0.0
    out["mean"] = sum(out[r] for r in ROLES) / len(ROLES)
    return out


def epoch_done(epoch: int, loss: float, scores: dict, t0: float, history: list) -> None:
    """Record and print one epoch's dev figures (both trainers print the same line)."""
    history.append({"epoch": epoch, "loss": loss, **scores})
    print(
        f"epoch {epoch}: loss {loss:.4g}; dev exact spans source {scores['SOURCE']:.3f} "
        f"cue {scores['CUE']:.3f} content {scores['CONTENT']:.3f} ({time.time() - t0:.0f} s)",
        flush=True,
    )


def write_meta(out: Path, settings: dict, best: dict, history: list, t0: float) -> None:
    """meta.json beside the weights: the settings, the labels, the chosen epoch, every epoch."""
    meta = {
        **settings,
        "labels": list(LABELS),
        "best": best,
        "history": history,
        "train_seconds": round(time.time() - t0),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"best epoch {best['epoch']}: {json.dumps(best)}")


def predict(model, X: list) -> list[list[int]]:
    out = []
    for k in range(0, len(X), 16):
        for probs in model.predict(X[k : k + 16]):
            out.append(viterbi(model.ops.to_numpy(probs)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", type=Path, default=ROOT / "models/attribution/features")
    ap.add_argument("--out", type=Path, default=ROOT / "models/attribution/training/head")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--pieces", type=int, default=2, help="maxout pieces")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--window", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--batch-tokens", type=int, default=4000)
    ap.add_argument("--chunk", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gpu", action="store_true", help="use a GPU when one is present")
    ap.add_argument("--no-rules", action="store_true", help="ablation: without the rule signals")
    args = ap.parse_args()

    fix_random_seed(args.seed)
    if args.gpu:
        print(f"GPU: {prefer_gpu()}")
    t0 = time.time()
    X, Y = load(args.features / "train.npz", not args.no_rules)
    DX, DY = load(args.features / "dev.npz", not args.no_rules)
    CX, CY = chunks(X, Y, args.chunk)
    n_in = X[0].shape[1]
    model = build_head(n_in, args.width, args.depth, args.window, args.pieces, args.dropout)
    model.initialize(X=[model.ops.asarray2f(x) for x in CX[:4]])
    opt = Adam(args.lr)
    rng = numpy.random.default_rng(args.seed)
    n_labels = len(LABELS)
    per_batch = max(1, args.batch_tokens // args.chunk)
    best, history = None, []
    args.out.mkdir(parents=True, exist_ok=True)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(CX))
        loss = 0.0
        for k in range(0, len(order), per_batch):
            idx = order[k : k + per_batch]
            xs = [model.ops.asarray2f(CX[i]) for i in idx]
            probs, backprop = model.begin_update(xs)
            grads = []
            for p, i in zip(probs, idx):
                truth = numpy.eye(n_labels, dtype="f")[CY[i]]
                d = p - model.ops.asarray2f(truth)
                loss += float((d**2).sum())
                grads.append(d / args.batch_tokens)
            backprop(grads)
            model.finish_update(opt)
        dev_x = [model.ops.asarray2f(x) for x in DX]
        scores = span_scores(DY, predict(model, dev_x))
        epoch_done(epoch, loss, scores, t0, history)
        if best is None or scores["mean"] > best["mean"]:
            best = {"epoch": epoch, **scores}
            (args.out / "head.bin").write_bytes(model.to_bytes())
    settings = {
        "inputs": n_in,
        "width": args.width,
        "depth": args.depth,
        "window": args.window,
        "pieces": args.pieces,
        "seed": args.seed,
    }
    write_meta(args.out, settings, best, history, t0)

if __name__ == "__main__":
    main()
