"""Indexing at scale, measured: throughput, time against article length, memory, components.

    python benchmarks/scale.py --dev ../shared/corpora/polnear/data/dev/text \
        --train ../shared/corpora/polnear/data/train/text [--workers 2] [--sizes 5k,50k,500k,2m]

Prints, for the same pipeline (``quotes.pipeline.load``: every component, the attribution
model and coreference included), loaded as ``quotes index`` loads it in each worker (the
encoder on ``workers.WORKER_THREADS`` threads):

1. share of the pipeline's time per component on the dev articles;
2. tokens/s on the dev articles of a bare ``nlp.pipe`` and of ``quotes index`` with 1 and N
   workers, each in a fresh process with a fresh database. A run's fixed cost (starting
   Python, importing, loading the pipeline in each worker, starting and stopping the pool) is
   measured by the same command on a folder of tiny articles (enough for every worker to get
   a batch) and taken off; for ``nlp.pipe`` only the texts' pass is timed. Also: whether the
   1- and N-worker databases export the same rows, where a one-worker run's time went (in the
   pipeline, or in the writer: reading, speakers, statements, storing), and ``nlp.pipe`` with
   onnxruntime's own thread default, for comparison;
3. seconds per 10,000 tokens of ``quotes index --workers 1`` (fixed cost taken off) for
   articles of about each size, made by joining real PolNeAR train articles, with the
   pipeline's share: one article of each size from 100 KB up, and of smaller sizes as many
   different ones as make about 100 KB (twenty of 5 KB), so the fixed cost's noise does not
   swamp a half-second run;
4. peak memory (VmHWM) of the writer and of each worker process, read from /proc while a run
   goes (pool workers are children of a fork server, not of the writer).

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
import threading
import time
from pathlib import Path

SIZES = {"5k": 5_000, "50k": 50_000, "500k": 500_000, "2m": 2_000_000, "5m": 5_000_000}
BATCH_SIZE = 16  # quotes index's default --batch-size


def joined_article(train: Path, size: int, first: int = 0) -> str:
    """Real articles joined (from the ``first``-th on), paragraphs kept, until the text is
    about ``size`` characters."""
    parts, total = [], 0
    paths = sorted(train.glob("*.txt"))
    paths = paths[first:] + paths[:first]
    while total < size:
        for path in paths:
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


# --- measurements in a fresh process (``python scale.py --child KIND ...``) --------------------


def child(kind: str, args: list[str]) -> dict:
    from quotes import pipeline, workers

    started = time.perf_counter()
    if len(args) > 1:  # the libraries' own thread defaults, for comparison
        nlp = pipeline.load("en_quotes_sm", threads=int(args[1]))
    else:  # as each worker of quotes index loads it
        nlp = workers.load_pipeline("en_quotes_sm")
    from quotes.attribute import _word_probs

    _word_probs()  # read once per process on first use, like the model: part of the load
    loaded = time.perf_counter() - started
    out = {"load_s": loaded}
    if kind == "pipe":
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args[0]).glob("*.txt"))]
        t = time.perf_counter()
        tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=BATCH_SIZE))
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


# --- quotes index in a fresh process ------------------------------------------------------------

# Runs `quotes index ...`; with one worker it also times what the pipeline's finder takes
# (the rest of the run is the writer's: reading, speakers, statements, storing).
WRAPPER = """
import json, sys, time
from quotes import indexer
spent = [0.0]
make = indexer.make_finder
def timed_finder(model, batch_size):
    find = make(model, batch_size)
    def timed(articles):
        stream = find(articles)
        while True:
            t = time.perf_counter()
            try:
                item = next(stream)
            except StopIteration:
                return
            finally:
                spent[0] += time.perf_counter() - t
            yield item
    return timed
if sys.argv[sys.argv.index("--workers") + 1] == "1":  # pool workers import make_finder
    indexer.make_finder = timed_finder
from quotes.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="quotes")
finally:
    print("FINDER", json.dumps(spent[0]), file=sys.stderr)
"""


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.add(c)
            todo.append(c)
    return found


def _hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_index(path: Path, workers: int, db: Path) -> dict:
    """``quotes index PATH --workers N`` in a fresh process: wall time, time in the finder
    (one worker), and the peak memory of the writer and of each other process under it."""
    command = ["index", str(path), "--db", str(db), "--workers", str(workers),
               "--batch-size", str(BATCH_SIZE)]
    peaks: dict[int, float] = {}
    t = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, *command],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )

    def watch() -> None:  # VmHWM only grows: its last reading before a process ends is its peak
        while process.poll() is None:
            for pid in {process.pid} | _descendants(process.pid):
                mb = _hwm_mb(pid)
                if mb is not None:
                    peaks[pid] = max(peaks.get(pid, 0.0), mb)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - t
    watcher.join()
    finder = [line for line in stderr.splitlines() if line.startswith("FINDER")]
    summary = [line for line in stderr.splitlines() if " files: " in line]
    others = sorted((mb for pid, mb in peaks.items() if pid != process.pid), reverse=True)
    return {
        "wall_s": wall,
        "finder_s": json.loads(finder[-1][7:]) if finder else None,
        "writer_mb": peaks.get(process.pid),
        # the fork server and Python's resource tracker are small; the workers are the largest
        "worker_mb": others[:workers] if workers > 1 else [],
        "summary": summary[-1] if summary else stderr[-800:],
    }


def fixed_cost(workers: int, tmp: Path) -> float:
    """Seconds of a run over tiny articles, enough for every worker to get a batch: starting
    Python, imports, the pipeline's load in each worker, the pool's start and stop."""
    folder = tmp / f"tiny{workers}"
    folder.mkdir(exist_ok=True)
    for n in range(BATCH_SIZE * workers):
        (folder / f"{n:03d}.txt").write_text(f"Note {n}.\n", encoding="utf-8")
    return run_index(folder, workers, tmp / f"tiny{workers}.db")["wall_s"]


def exported(db: Path) -> list[dict]:
    from quotes import store

    database = store.open_db(db, create=False)
    try:
        return list(store.quote_rows(database))
    finally:
        database.close()


_TOKENIZER = []  # the model's tokenizer, loaded once


def tokens_of(text: str) -> int:
    """Tokens the pipeline reads for ``text`` (its pieces, by the model's own tokenizer)."""
    import spacy

    from quotes import pipeline

    if not _TOKENIZER:
        _TOKENIZER.append(spacy.load("en_quotes_sm"))
    nlp = _TOKENIZER[0]
    return sum(len(nlp.make_doc(p)) for _, p in pipeline.pieces(text, pipeline.PIECE_CHARS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dev", type=Path, default=Path("../shared/corpora/polnear/data/dev/text"))
    parser.add_argument("--train", type=Path,
                        default=Path("../shared/corpora/polnear/data/train/text"))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sizes", default="5k,50k,500k,2m",
                        help="article sizes, comma-separated, from " + ",".join(SIZES))
    parser.add_argument("--skip", default="",
                        help="sections to skip: components,dev,default-threads,sizes")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1:])))
        return
    from quotes import pipeline, workers

    skip = set(args.skip.split(","))
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
          f"encoder and BLAS threads per worker (and for nlp.pipe): {workers.WORKER_THREADS}")

    if "components" not in skip:
        r = run_child("components", str(args.dev))
        total = sum(r["components"].values())
        print(flush=True)
        print(f"1. pipeline time by component, {r['tokens']:,} tokens of {args.dev}:")
        for name, s in sorted(r["components"].items(), key=lambda kv: -kv[1]):
            print(f"   {name:26s} {s:7.1f} s  {100 * s / total:5.1f}%")

    if "dev" not in skip:
        load = run_child("pipe", str(args.dev))
        tokens = load["tokens"]
        print(f"\n2. throughput on {args.dev} ({tokens:,} tokens); pipeline load "
              f"{load['load_s']:.1f} s", flush=True)
        base = tokens / load["work_s"]
        print(f"   nlp.pipe (same pipeline)      {base:7.0f} tokens/s (load excluded); "
              f"peak {load['peak_mb']:.0f} MB", flush=True)
        if "default-threads" not in skip:
            r = run_child("pipe", str(args.dev), "0")
            print(f"   nlp.pipe, onnxruntime's default threads {tokens / r['work_s']:7.0f} "
                  "tokens/s (for comparison only)", flush=True)
        rates, dbs = {}, {}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for n in dict.fromkeys([1, args.workers]):
                dbs[n] = tmp / f"dev{n}.db"
                r = run_index(args.dev, n, dbs[n])
                fixed = fixed_cost(n, tmp)
                work = r["wall_s"] - fixed
                rates[n] = tokens / work
                line = (f"   quotes index --workers {n:<3d}  {rates[n]:7.0f} tokens/s "
                        f"(fixed cost {fixed:.1f} s of {r['wall_s']:.1f} s excluded; "
                        f"{100 * rates[n] / base:.0f}% of nlp.pipe")
                if n > 1:
                    line += f", {rates[n] / rates[1]:.2f}x one worker"
                print(line + ")")
                if n == 1:
                    print(f"      in the pipeline {r['finder_s']:.1f} s, the rest (writer) "
                          f"{work - r['finder_s']:.1f} s; peak memory {r['writer_mb']:.0f} MB")
                else:
                    print("      peak memory per worker "
                          + ", ".join(f"{mb:.0f}" for mb in r["worker_mb"])
                          + f" MB, writer {r['writer_mb']:.0f} MB")
                print(f"      {r['summary']}", flush=True)
            if len(dbs) > 1:
                same = exported(dbs[1]) == exported(dbs[args.workers])
                print(f"   exports of 1 and {args.workers} workers identical: {same}")

    if "sizes" not in skip:
        print("\n3. quotes index --workers 1 of one article of each size, joined from PolNeAR "
              "train articles:", flush=True)
        base = None
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            fixed = fixed_cost(1, tmp)
            print(f"   (fixed cost {fixed:.1f} s excluded)")
            for name in args.sizes.split(","):
                folder = tmp / name
                folder.mkdir()
                count = max(1, 100_000 // SIZES[name])
                texts = [joined_article(args.train, SIZES[name], first=7 * k) for k in range(count)]
                for k, text in enumerate(texts):
                    (folder / f"{name}_{k:02d}.txt").write_text(text, encoding="utf-8")
                tokens = sum(tokens_of(text) for text in texts)
                r = run_index(folder, 1, tmp / f"{name}.db")
                work = r["wall_s"] - fixed
                per10k = 10_000 * work / tokens
                base = base or per10k
                n_pieces = len(pipeline.pieces(texts[0], pipeline.PIECE_CHARS))
                chars = sum(len(text) for text in texts)
                print(f"   {name:>5s} {count:>2d} x {chars // count:>9,} chars {tokens:>9,} tokens "
                      f"{work:8.1f} s  {per10k:6.2f} s per 10k tokens "
                      f"({per10k / base:.2f}x the first; pipeline {r['finder_s']:.1f} s)  "
                      f"{n_pieces} piece(s)  peak {r['writer_mb']:.0f} MB", flush=True)
                print(f"      {r['summary']}", flush=True)


if __name__ == "__main__":
    main()
