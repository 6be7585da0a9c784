"""Indexing at scale, measured: throughput, time against article length, memory, components.

    python benchmarks/scale.py --dev ../shared/corpora/polnear/data/dev/text \
        --train ../shared/corpora/polnear/data/train/text [--workers 2] [--sizes 5k,50k,500k,2m]

Prints, for the same pipeline (``quotes.pipeline.load``: every component, the attribution
tagger and coreference included):

1. share of the pipeline's time per component on the dev articles;
2. tokens/s on the dev articles of a bare ``nlp.pipe`` and of ``quotes index`` with 1 and N
   workers, each in a fresh process with a fresh database (wall time, and wall time less the
   pipeline's load, which a worker pays once);
3. seconds per 10,000 tokens for single articles of about each size, made by joining real
   PolNeAR train articles (in a fresh process each: time, and peak memory of that process);
4. peak memory (max RSS) of a worker process on the dev run and on each long article.

Nothing is timed in the test suite; this script is the measure (README, "Scale").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = {"5k": 5_000, "50k": 50_000, "500k": 500_000, "2m": 2_000_000, "5m": 5_000_000}


def joined_article(train: Path, size: int) -> str:
    """Real articles joined, paragraphs kept, until the text is about ``size`` characters."""
    parts, total = [], 0
    while total < size:
        for path in sorted(train.glob("*.txt")):
            text = path.read_text(encoding="utf-8").strip()
            parts.append(text)
            total += len(text) + 2
            if total >= size:
                break
    text = "\n\n".join(parts)
    if len(text) > size * 1.1:  # the last article overshot a small size: cut at a paragraph
        cut = text.rfind("\n\n", 0, size)
        text = text[:cut] if cut > 0 else text[:size]
    return text


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- measurements, each run in a fresh process (``python scale.py --child KIND ...``) ---------


def child(kind: str, args: list[str]) -> dict:
    from quotes import pipeline

    started = time.perf_counter()
    nlp = pipeline.load("en_quotes_sm")
    from quotes.attribute import _word_probs

    _word_probs()  # read once per process on first use, like the model: part of the load
    loaded = time.perf_counter() - started
    out = {"load_s": loaded}
    if kind == "pipe":
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args[0]).glob("*.txt"))]
        t = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=16))
        out.update(tokens=tokens, work_s=time.perf_counter() - t)
    elif kind == "components":
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args[0]).glob("*.txt"))]
        spent = {name: 0.0 for name in nlp.pipe_names}
        tokens = 0
        # Coreference runs inside the quotes component, around pronoun speakers only: its
        # time is counted apart (and taken out of the quotes component's).
        windowed = getattr(nlp.get_pipe("quotes"), "resolve_pronoun", None)
        if hasattr(windowed, "component"):
            coref = windowed.component
            spent["coreference (around cues)"] = 0.0

            def timed(doc):
                t = time.perf_counter()
                try:
                    return coref(doc)
                finally:
                    spent["coreference (around cues)"] += time.perf_counter() - t
                    spent["quotes"] -= time.perf_counter() - t

            windowed.component = timed
        for text in texts:
            doc = nlp.make_doc(text)
            tokens += len(doc)
            for name, component in nlp.pipeline:
                t = time.perf_counter()
                doc = component(doc)
                spent[name] += time.perf_counter() - t
        out.update(tokens=tokens, components=spent)
    elif kind == "article":
        from quotes.records import Article

        text = Path(args[0]).read_text(encoding="utf-8")
        tokens = sum(len(nlp.make_doc(p)) for _, p in pipeline.pieces(text, nlp.max_length))
        limit = min(nlp.max_length, pipeline.PIECE_CHARS)
        out["pieces"] = len(pipeline.pieces(text, limit))
        t = time.perf_counter()
        [(_, quotes)] = pipeline.find_quotes(nlp, [Article("long.txt", text)])
        out.update(tokens=tokens, work_s=time.perf_counter() - t, chars=len(text))
        out["quotes"] = len(quotes) if isinstance(quotes, list) else str(quotes)
    out["peak_mb"] = peak_mb()
    return out


def run_child(kind: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_index(dev: Path, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        command = ["index", str(dev), "--db", str(db), "--workers", str(workers)]
        # peak memory of each process (the writer, every worker), through a small wrapper
        wrapper = (
            "import resource, runpy, sys, json, atexit;"
            "sys.argv = ['quotes'] + sys.argv[1:];"
            "atexit.register(lambda: print('PEAK', json.dumps(["
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,"
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]), file=sys.stderr));"
            "runpy.run_module('quotes', run_name='__main__')"
        )
        t = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-c", wrapper, *command], capture_output=True, text=True
        )
        wall = time.perf_counter() - t
        peak = [line for line in result.stderr.splitlines() if line.startswith("PEAK")]
        writer_mb, worker_mb = json.loads(peak[-1][5:]) if peak else (None, None)
        summary = [line for line in result.stderr.splitlines() if " files: " in line]
        return {"wall_s": wall, "writer_mb": writer_mb, "worker_mb": worker_mb,
                "summary": summary[-1] if summary else result.stderr[-500:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=Path("../shared/corpora/polnear/data/dev/text"))
    parser.add_argument("--train", type=Path,
                        default=Path("../shared/corpora/polnear/data/train/text"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", default="5k,50k,500k,2m",
                        help="article sizes, comma-separated, from " + ",".join(SIZES))
    parser.add_argument("--skip", default="", help="sections to skip: components,dev,sizes")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1:])))
        return
    skip = set(args.skip.split(","))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

    if "components" not in skip:
        r = run_child("components", str(args.dev))
        total = sum(r["components"].values())
        print(flush=True)
        print(f"1. pipeline time by component, {r['tokens']:,} tokens of {args.dev}:")
        for name, s in sorted(r["components"].items(), key=lambda kv: -kv[1]):
            print(f"   {name:20s} {s:7.1f} s  {100 * s / total:5.1f}%")

    if "dev" not in skip:
        load = run_child("pipe", str(args.dev))
        tokens = load["tokens"]
        print(f"\n2. throughput on {args.dev} ({tokens:,} tokens); pipeline load "
              f"{load['load_s']:.1f} s")
        print(f"   nlp.pipe (same pipeline)      {tokens / load['work_s']:7.0f} tokens/s "
              f"(load excluded), {tokens / (load['work_s'] + load['load_s']):7.0f} with it; "
              f"peak {load['peak_mb']:.0f} MB")
        base = tokens / load["work_s"]
        for workers in dict.fromkeys([1, args.workers]):
            r = run_index(args.dev, workers)
            work = r["wall_s"] - load["load_s"]
            peak = r["writer_mb"] if workers == 1 else r["worker_mb"]
            print(f"   quotes index --workers {workers:<3d}  {tokens / work:7.0f} tokens/s "
                  f"(load excluded, {100 * tokens / work / base:.0f}% of nlp.pipe), "
                  f"{tokens / r['wall_s']:7.0f} with it; peak per worker {peak:.0f} MB"
                  + (f", writer {r['writer_mb']:.0f} MB" if workers > 1 else ""))
            print(f"      {r['summary']}")

    if "sizes" not in skip:
        print("\n3. one article of each size, joined from PolNeAR train articles:")
        base = None
        with tempfile.TemporaryDirectory() as tmp:
            for name in args.sizes.split(","):
                path = Path(tmp) / f"{name}.txt"
                path.write_text(joined_article(args.train, SIZES[name]), encoding="utf-8")
                r = run_child("article", str(path))
                per10k = 10_000 * r["work_s"] / r["tokens"]
                base = base or per10k
                print(f"   {name:>5s} {r['chars']:>9,} chars {r['tokens']:>9,} tokens "
                      f"{r['work_s']:8.1f} s  {per10k:6.2f} s per 10k tokens "
                      f"({per10k / base:.2f}x the first)  {r['pieces']} piece(s)  {r['quotes']} quotes  "
                      f"peak {r['peak_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
