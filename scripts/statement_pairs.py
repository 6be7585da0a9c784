"""Precision and recall of quotes.statements.same_statement on hand-labelled pairs.

    python scripts/statement_pairs.py [--pairs tests/data/statement_pairs.jsonl] [--split test]

Each line of the pairs file holds two wordings ``a`` and ``b``, whether they report the same
statement (``same``), how their speakers relate (``speakers``: same, different, unknown), the
kind of pair (``type``) and its half (``split``: dev, used to choose the thresholds, or test).
Prints precision, recall and F1 per half, the errors, and the accuracy per type of pair.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from quotes.statements import same_statement

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "data" / "statement_pairs.jsonl"


def score(pairs: list[dict]) -> dict[str, float]:
    tp = sum(1 for p in pairs if p["predicted"] and p["same"])
    fp = sum(1 for p in pairs if p["predicted"] and not p["same"])
    fn = sum(1 for p in pairs if not p["predicted"] and p["same"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(pairs), "tp": tp, "fp": fp, "fn": fn,
            "precision": precision, "recall": recall, "f1": f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.pairs.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    for p in pairs:
        p["predicted"] = same_statement(p["a"], p["b"], p["speakers"])
    halves = ("dev", "test") if args.split == "all" else (args.split,)
    for half in (*halves, "all") if args.split == "all" else halves:
        chosen = [p for p in pairs if half == "all" or p["split"] == half]
        s = score(chosen)
        print(f"{half:>4}: {s['pairs']} pairs, precision {s['precision']:.3f}, "
              f"recall {s['recall']:.3f}, F1 {s['f1']:.3f} "
              f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
    chosen = [p for p in pairs if args.split == "all" or p["split"] == args.split]
    right, total = Counter(), Counter()
    for p in chosen:
        total[p["type"]] += 1
        right[p["type"]] += p["predicted"] == p["same"]
    print("accuracy by type: " + ", ".join(f"{t} {right[t]}/{n}" for t, n in total.items()))
    for p in chosen:
        if p["predicted"] != p["same"]:
            label = "missed" if p["same"] else "false match"
            print(f"  {label} [{p['split']}, {p['type']}]: {p['a']!r} / {p['b']!r}")


if __name__ == "__main__":
    main()
