"""Throughput of the whole pipeline (coreference included) on one CPU core.

    python models/scripts/benchmark.py en_quotes_sm --corpus models/corpus [--texts seeds]

Feeds running text through `nlp.pipe` the way `quotes index` does and prints words per
second (spaCy tokens, as spaCy's published speeds count them) and the share of time per
component. Text: the GUM test documents (14 genres, news included) plus any .txt files given.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# One core: numpy/blis must not spread over the second one behind our back.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import spacy  # noqa: E402

try:  # a pipeline directory (not the installed package) needs our factories and architectures
    import clusters  # noqa: E402, F401
    import coref_component  # noqa: E402, F401
    import person_titles  # noqa: E402, F401
except ImportError:
    pass
from spacy.tokens import DocBin  # noqa: E402


def texts(corpus: Path, extra: list[Path]) -> list[str]:
    nlp = spacy.blank("en")
    out = [d.text for d in DocBin().from_disk(corpus / "gum-test.spacy").get_docs(nlp.vocab)]
    for path in extra:
        files = sorted(path.rglob("*.txt")) if path.is_dir() else [path]
        out += [f.read_text(encoding="utf-8") for f in files]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("model")
    ap.add_argument("--corpus", type=Path, default=Path("models/corpus"))
    ap.add_argument("--texts", type=Path, nargs="*", default=[])
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument(
        "--anaphora-sentences", type=int, help="coreferee's pronoun reach in sentences (its 5)"
    )
    ap.add_argument(
        "--noun-sentences", type=int, help="coreferee's noun-to-noun reach in sentences (its 2)"
    )
    args = ap.parse_args()

    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    nlp = spacy.load(args.model)
    for name in ("quotes_coreferee", "coreferee"):
        if name in nlp.pipe_names:
            rules = nlp.get_pipe(name).annotator.rules_analyzer
            if args.anaphora_sentences is not None:
                rules.maximum_anaphora_sentence_referential_distance = args.anaphora_sentences
            if args.noun_sentences is not None:
                rules.maximum_coreferring_nouns_sentence_referential_distance = args.noun_sentences
            print(
                f"{name}: anaphora {rules.maximum_anaphora_sentence_referential_distance} "
                f"sentences, nouns {rules.maximum_coreferring_nouns_sentence_referential_distance}"
            )
    docs_in = texts(args.corpus, args.texts)
    list(nlp.pipe(docs_in[:2]))  # warm-up: lazy tables, first allocations

    # Time each component separately over the same docs, then the whole pipeline.
    per_component = {name: 0.0 for name in nlp.pipe_names}
    best = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        n_words = sum(len(doc) for doc in nlp.pipe(docs_in, batch_size=args.batch_size))
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    docs = [nlp.make_doc(t) for t in docs_in]
    for name, proc in nlp.pipeline:
        start = time.perf_counter()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=args.batch_size))
        else:
            docs = [proc(doc) for doc in docs]
        per_component[name] = time.perf_counter() - start
    total = sum(per_component.values())
    print(
        f"model: {nlp.meta['lang']}_{nlp.meta['name']} {nlp.meta['version']}  pipes: {', '.join(nlp.pipe_names)}"
    )
    print(f"texts: {len(docs_in)}  words: {n_words}  best of {args.repeat}: {best:.2f}s")
    print(f"throughput: {n_words / best:,.0f} words/s on one core")
    for name, seconds in per_component.items():
        print(f"  {name:<18} {seconds:6.2f}s  {100 * seconds / total:5.1f}%")


if __name__ == "__main__":
    main()
