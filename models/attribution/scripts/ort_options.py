"""onnxruntime session options for the encoder on one thread: graph optimization level, spinning.

    OMP_NUM_THREADS=1 python models/attribution/scripts/ort_options.py [--limit 30] [--repeat 2]

Runs the shipped encoder alone (windows of 256 word pieces, no overlap, every piece) over the
first PolNeAR dev articles with each setting and prints the seconds. Chosen in quotes/encoder.py.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--texts", type=Path, default=ROOT.parent / "shared/corpora/polnear/data/dev/text")
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    import onnxruntime as ort

    from quotes import encoder, ingest

    enc = encoder.Encoder(encoder.SHIPPED, threads=1)
    paths = sorted(args.texts.glob("*.txt"))[: args.limit]
    ids = [enc.pieces(ingest.read_article(str(p)).text)[0] for p in paths]
    levels = ort.GraphOptimizationLevel
    settings = {
        "disabled": (levels.ORT_DISABLE_ALL, None),
        "basic": (levels.ORT_ENABLE_BASIC, None),
        "extended": (levels.ORT_ENABLE_EXTENDED, None),
        "all": (levels.ORT_ENABLE_ALL, None),
        "all, no spinning": (levels.ORT_ENABLE_ALL, "0"),
    }
    for name, (level, spin) in settings.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.graph_optimization_level = level
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if spin is not None:
            options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        enc.session = ort.InferenceSession(
            str(encoder.SHIPPED / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        enc.encode_pieces(ids[0], 256, 0)  # warm up
        t = time.perf_counter()
        for _ in range(args.repeat):
            for piece_ids in ids:
                enc.encode_pieces(piece_ids, 256, 0)
        print(f"{name:<20}{time.perf_counter() - t:8.2f} s", flush=True)


if __name__ == "__main__":
    main()
