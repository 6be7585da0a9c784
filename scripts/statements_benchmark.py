"""What grouping statements costs, and what it groups, on a folder of articles without a model.

    python scripts/statements_benchmark.py ../shared/corpora/polnear/data/train/text [--sample 20]

Every passage of 20 to 400 characters between double quotes is taken as a quote with no
speaker (a stand-in for the NLP, so only storage and grouping are timed). The folder is
indexed twice into temporary databases, without and with statement grouping; prints both
times, the statements found, and a random sample of them to read.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

from quotes import indexer, store
from quotes.records import Quote, Span

QUOTED = re.compile(r'[\u201c"]([^\u201d"\n]{20,400})[\u201d"]')


def finder(model, batch_size):
    def find(articles):
        for article in articles:
            quotes = [Quote(Span(m.start(1), m.end(1), m[1]), "direct")
                      for m in QUOTED.finditer(article.text)]
            yield article, quotes
    return find


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--sample", type=int, default=20)
    args = parser.parse_args()
    indexer.make_finder = finder
    group = indexer.group_statements
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for name, grouping in (("without", lambda *a: None), ("with", group)):
            indexer.group_statements = grouping
            start = time.perf_counter()
            summary = indexer.index_paths([args.folder], Path(tmp) / f"{name}.db")
            times[name] = time.perf_counter() - start
        n = summary.indexed
        print(f"{n} articles, {summary.quotes} quotes: {times['without']:.1f} s without "
              f"grouping, {times['with']:.1f} s with "
              f"({(times['with'] - times['without']) / max(n, 1) * 1000:.0f} ms per article)")
        db = store.open_db(Path(tmp) / "with.db")
        rows = list(store.statement_rows(db))
        print(f"{len(rows)} statements, {sum(r['quotes'] for r in rows)} quotes in them, "
              f"{sum(r['articles'] > 1 for r in rows)} across articles, "
              f"largest {max((r['quotes'] for r in rows), default=0)} quotes")
        random.Random(0).shuffle(rows)
        for row in rows[: args.sample]:
            print(f"-- statement {row['id']}")
            for w in row["wordings"]:
                print(f"     {' '.join(w['text'].split())[:110]}")
        db.close()


if __name__ == "__main__":
    main()
