"""Measure the boilerplate filter (quotes/ingest/boilerplate.py) on PolNeAR train and the seeds.

    python scripts/measure_boilerplate.py ../shared/corpora/polnear/data/train seeds [--show 40]

Prints, per folder, how many lines the filter drops and, where BRAT attributions sit beside the
texts (PolNeAR), how many annotated attributions have a source, cue or content span on a
dropped line: the filter must remove no real attribution. Then the dropped lines themselves,
most frequent first, to read by eye. Results are recorded in README.md ("Boilerplate").
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from quotes import evaluate
from quotes.ingest import boilerplate


def spans(ann: Path, text: str) -> dict[str, list[tuple[int, int]]]:
    """Each attribution's id -> the character ranges of its content, cue and source."""
    return {
        gold.id: [(s.start, s.end) for s in (gold.content, *gold.cue, *gold.source)]
        for gold in evaluate.parse_brat(ann.read_text(encoding="utf-8"), text)
    }


def measure(folder: Path, dropped: Counter) -> None:
    texts = sorted((folder / "text").glob("*.txt")) or sorted(folder.glob("*.txt"))
    n_lines = n_dropped = n_attributions = n_touched = 0
    for path in texts:
        text = path.read_bytes().decode("utf-8")
        found = boilerplate.ranges(text)
        n_lines += sum(1 for _, _, line in boilerplate.lines(text) if line.strip())
        n_dropped += len(found)
        for start, end in found:
            dropped[re.sub(r"\s+", " ", text[start:end]).strip()] += 1
        # an article annotated by several people has one NAME_xxxx.ann file each
        for ann in sorted((folder / "attributions").glob(path.stem + "_*.ann")):
            for name, ranges in spans(ann, text).items():
                n_attributions += 1
                if any(a < e and s < b for a, b in ranges for s, e in found):
                    n_touched += 1
                    print(f"  TOUCHED {ann.name} {name}")
    print(
        f"{folder}: {len(texts)} articles, {n_lines} non-empty lines, {n_dropped} dropped"
        + (f"; {n_attributions} attributions, {n_touched} touched" if n_attributions else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--show", type=int, default=40, help="dropped lines to print")
    args = parser.parse_args()
    dropped: Counter = Counter()
    for folder in args.folders:
        measure(folder, dropped)
    for line, count in dropped.most_common(args.show):
        print(f"{count:>5}  {line[:110]}")


if __name__ == "__main__":
    main()
