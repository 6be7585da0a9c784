"""Train and evaluate a coreferee model for the project's own spaCy pipeline.

Uses coreferee's own machinery (rules analyzer, LitBank loader, feature table,
tendencies analyzer, thinc ensemble and its anaphor accuracy count) with
LitBank and GUM (OntoNotes scheme). GUM documents in UD GUM's test split and a
tenth of LitBank are held out for the reported accuracy; the dev set used to
stop training is drawn from the remaining documents.

Train (on the assembled pipeline: coreferee reads the attribute_ruler's morphology and lemmas):
    python models/scripts/train_coref.py --pipeline models/training/base \
        --litbank /work/shared/corpora/litbank \
        --gum-conll /work/shared/corpora/gum-coref/coref/ontogum/conll \
        --ud-gum-test /work/shared/corpora/ud-english-gum/en_gum-ud-test.conllu \
        --out models/training/coref --metrics models/training/coref/metrics.json \
        --pipeline-out models/training/pipeline-coref

Re-measure a pipeline that already holds the component (e.g. the package):
    python models/scripts/train_coref.py --evaluate-only --pipeline en_quotes_sm ...

Add --windowed to score the same anaphors also as the quotes pipeline resolves them
(quotes.attribute.WindowedCoreference): coreferee run on the anaphor's sentence and the
COREF_WINDOW_SENTENCES sentences before it, never on the whole document.
"""

from __future__ import annotations

import argparse
import bisect
import json
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence, cast

import spacy
from coreferee.annotation import Annotator
from coreferee.data_model import FeatureTable, Mention
from coreferee.manager import CorefereeBroker
from coreferee.rules import RulesAnalyzer, RulesAnalyzerFactory
from coreferee.tendencies import (
    ENSEMBLE_SIZE,
    DocumentPairInfo,
    TendenciesAnalyzer,
    create_thinc_model,
    generate_feature_table,
)
from coreferee.training.loaders import LitBankANNLoader
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import Adam, Model, SequenceCategoricalCrossentropy, fix_random_seed

from quotes.attribute import COREF_WINDOW_SENTENCES

sys.path.insert(0, str(Path(__file__).resolve().parent))

import clusters  # noqa: E402, F401  (the tok2vec's cluster features)
import coref_component  # noqa: E402  (registers the factory)
import gum_coref_loader  # noqa: E402
import person_titles  # noqa: E402, F401  (a pipeline directory may name its factory)

SEED = 0


def log(*parts: object) -> None:
    print(*parts, flush=True)


def words_in(docs: Iterable[Doc]) -> int:
    return sum(len(doc) for doc in docs)


@contextmanager
def parse_only(nlp: Language) -> Iterator[Language]:
    """Run the pipeline without any coreference component: the training
    annotations are attached to docs coreferee has not touched."""
    coref_pipes = [
        name
        for name, pipe in nlp.pipeline
        if isinstance(pipe, (coref_component.QuotesCoreferee, CorefereeBroker))
    ]
    with nlp.select_pipes(disable=coref_pipes):
        yield nlp


def check_pipeline(nlp: Language) -> list[str]:
    """What coreferee's English rules read and a tagger/parser/ner alone does
    not give: UD POS and morphology (an attribute_ruler in en_core_web_sm),
    lemmas, and token vectors (a shared tok2vec's doc.tensor)."""
    with parse_only(nlp):
        doc = nlp("The minister arrived. She said it was over.")
    she = doc[4]
    problems = []
    if she.tag_ != "PRP" or she.pos_ != "PRON":
        problems.append(f"'She' is tagged {she.tag_}/{she.pos_}, not PRP/PRON")
    if "3" not in she.morph.get("Person") or "Fem" not in she.morph.get("Gender"):
        problems.append(f"'She' has morphology {str(she.morph)!r}: no Person=3|Gender=Fem")
    if not any(token.lemma_ for token in doc):
        problems.append("no lemmas (coreferee compares lemmas)")
    if doc.tensor is None or doc.tensor.size == 0:
        problems.append("no doc.tensor (coreferee uses it as token vectors)")
    return problems


def litbank_files(litbank_dir: Path) -> list[Path]:
    brat = litbank_dir / "coref" / "brat"
    if not brat.is_dir():
        brat = litbank_dir
    return sorted(brat.glob("*.txt"))


def load_litbank(
    txt_paths: Sequence[Path], nlp: Language, rules_analyzer: RulesAnalyzer
) -> list[Doc]:
    """Same as coreferee's LitBankANNLoader.load, for a chosen list of files."""
    texts = [path.read_text(encoding="utf8") for path in txt_paths]
    with parse_only(nlp):
        parsed = list(nlp.pipe(texts))
    docs = []
    for path, doc in zip(txt_paths, parsed):
        ann_lines = path.with_suffix(".ann").read_text(encoding="utf8").splitlines()
        ann_lines = [line for line in ann_lines if line.strip()]
        LitBankANNLoader.load_file(doc, ann_lines, rules_analyzer)
        doc.user_data["doc_id"] = path.stem
        docs.append(doc)
    return docs


def load_gum(
    paths: Sequence[Path],
    nlp: Language,
    rules_analyzer: RulesAnalyzer,
    ud_conllu_paths: Sequence[Path],
) -> list[Doc]:
    with parse_only(nlp):
        return gum_coref_loader.load_gum(paths, nlp, rules_analyzer, ud_conllu_paths)


def count_anaphors(annotator: Annotator, docs: Iterable[Doc]) -> tuple[int, int]:
    """coreferee's anaphor accuracy (TrainingManager.train_or_check): for each
    anaphor with a training antecedent that the annotator put in a chain, is
    that antecedent in the same chain?"""
    correct = incorrect = 0
    for doc in docs:
        for token in doc:
            token._.coref_chains.chains = []
        annotator.annotate(doc, used_in_training=True)
        for token in doc:
            if not hasattr(token._.coref_chains, "temp_potential_referreds"):
                continue
            for potential_referred in token._.coref_chains.temp_potential_referreds:
                if not hasattr(potential_referred, "true_in_training"):
                    continue
                for chain in token._.coref_chains:
                    if Mention(token, False) not in chain:
                        continue
                    if potential_referred in chain:
                        correct += 1
                    else:
                        incorrect += 1
    return correct, incorrect


def count_anaphors_windowed(
    annotator: Annotator, docs: Iterable[Doc], sentences: int
) -> dict[str, int]:
    """:func:`count_anaphors` with each anaphor resolved as the quotes pipeline resolves a
    cue's pronoun: coreferee run on a copy of the anaphor's sentence and the ``sentences``
    before it. The gold marks (``true_in_training``) on the whole document's candidates are
    carried over to the window's by token offset. A gold antecedent outside the window (or
    no longer among the window's candidates) counts as incorrect, chained or not, since the
    window cannot find it; ``outside`` counts those, and ``inside_*`` is coreferee's measure
    on the anaphors whose gold antecedent the window holds."""
    counts = dict.fromkeys(("correct", "incorrect", "outside", "windows", "window_words"), 0)
    for doc in docs:
        starts = [sent.start for sent in doc.sents]
        # Gold pairs by the anaphor's sentence: anaphors in one sentence share a window.
        by_sentence: dict[int, list[tuple[int, list[Mention]]]] = {}
        for token in doc:
            holder = token._.coref_chains
            if not hasattr(holder, "temp_potential_referreds"):
                continue
            gold = [m for m in holder.temp_potential_referreds if hasattr(m, "true_in_training")]
            if gold:
                k = bisect.bisect_right(starts, token.i) - 1
                by_sentence.setdefault(k, []).append((token.i, gold))
        for k, anaphors in sorted(by_sentence.items()):
            begin = starts[max(0, k - sentences)]
            end = starts[k + 1] if k + 1 < len(starts) else len(doc)
            window = doc[begin:end].as_doc()  # the tensor comes along: coreferee reads it
            counts["windows"] += 1
            counts["window_words"] += len(window)
            annotator.rules_analyzer.initialize(window)
            scored: list[tuple[int, Mention]] = []
            for i, gold in anaphors:
                holder = window[i - begin]._.coref_chains
                candidates = getattr(holder, "temp_potential_referreds", [])
                for mention in gold:
                    indexes = [t - begin for t in mention.token_indexes]
                    match = next((c for c in candidates if c.token_indexes == indexes), None)
                    if min(indexes) < 0 or match is None:
                        counts["outside"] += 1
                        counts["incorrect"] += 1
                        continue
                    match.true_in_training = True
                    scored.append((i - begin, match))
            annotator.annotate(window, used_in_training=True)
            for j, referred in scored:
                for chain in window[j]._.coref_chains:
                    if Mention(window[j], False) not in chain:
                        continue
                    counts["correct" if referred in chain else "incorrect"] += 1
    return counts


def windowed_record(annotator: Annotator, docs: list[Doc], sentences: int) -> dict[str, object]:
    start = time.perf_counter()
    counts = count_anaphors_windowed(annotator, docs, sentences)
    seconds = time.perf_counter() - start
    correct, incorrect, outside = counts["correct"], counts["incorrect"], counts["outside"]
    inside = correct + incorrect - outside
    return {
        "window_sentences_before": sentences,
        **counts,
        "accuracy": round(correct / (correct + incorrect), 4) if correct + incorrect else None,
        "inside_accuracy": round(correct / inside, 4) if inside else None,
        "inside_total": inside,
        "seconds": round(seconds, 2),
    }


def accuracy_record(annotator: Annotator, docs: list[Doc]) -> dict[str, object]:
    start = time.perf_counter()
    correct, incorrect = count_anaphors(annotator, docs)
    seconds = time.perf_counter() - start
    total = correct + incorrect
    return {
        "docs": len(docs),
        "words": words_in(docs),
        "correct": correct,
        "incorrect": incorrect,
        "accuracy": round(correct / total, 4) if total else None,
        "seconds": round(seconds, 2),
    }


def train_thinc_model(
    dpis: list[DocumentPairInfo],
    dev_docs: list[Doc],
    nlp: Language,
    feature_table: FeatureTable,
    max_epochs: int,
    deadline: float,
) -> tuple[Model, list[dict[str, object]]]:
    """coreferee's TrainingManager.train_thinc_model: epochs until dev accuracy
    drops, keeping the previous epoch's weights."""
    model = create_thinc_model()
    optimizer = Adam(0.001)
    history: list[dict[str, object]] = []
    best_accuracy = -1.0
    best_bytes = model.to_bytes()
    for epoch in range(1, max_epochs + 1):
        start = time.perf_counter()
        loss_calc = SequenceCategoricalCrossentropy(normalize=True)
        losses = []
        for batch_number, batch in enumerate(model.ops.minibatch(1, dpis, shuffle=True)):
            truths = []
            for dpi in batch:
                truths.extend(dpi.training_outputs)
            if epoch == 1 and batch_number == 0:
                model.initialize(X=batch, Y=truths)
            guesses, backprop = model.begin_update(batch)
            grads, loss = loss_calc(guesses, truths)
            losses.append(float(loss))
            backprop(grads)
            model.finish_update(optimizer)
        annotator = Annotator(nlp, nlp, feature_table, model)
        dev = accuracy_record(annotator, dev_docs)
        dev_accuracy = cast(float, dev["accuracy"] or 0.0)
        record = {
            "epoch": epoch,
            "loss": round(sum(losses) / max(len(losses), 1), 6),
            "dev_accuracy": dev_accuracy,
            "seconds": round(time.perf_counter() - start, 1),
        }
        history.append(record)
        log(
            f"epoch {epoch}: loss {record['loss']}, "
            f"dev accuracy {dev_accuracy:.4f}, {record['seconds']}s"
        )
        if dev_accuracy < best_accuracy:
            log(f"dev accuracy dropped: keeping epoch {epoch - 1}")
            break
        best_accuracy = dev_accuracy
        best_bytes = model.to_bytes()
        if time.time() > deadline:
            log("time budget reached: stopping")
            break
    return create_thinc_model().from_bytes(best_bytes), history


def measure_speed(nlp: Language, annotator: Annotator, texts: list[str]) -> dict[str, float]:
    """Words per second of the parsing pipeline and of coreferee on the same texts."""
    with parse_only(nlp):
        start = time.perf_counter()
        docs = list(nlp.pipe(texts))
        parse_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for doc in docs:
        annotator.annotate(doc)
    coref_seconds = time.perf_counter() - start
    words = words_in(docs)
    return {
        "words": words,
        "pipeline_words_per_second": round(words / parse_seconds),
        "coreferee_words_per_second": round(words / coref_seconds),
        "coreferee_ms_per_1k_words": round(1000 * coref_seconds / words * 1000, 2),
        "pipeline_with_coreferee_words_per_second": round(words / (parse_seconds + coref_seconds)),
    }


def split_litbank(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Every tenth novel (in name order) is held out."""
    held_out = paths[::10]
    return [p for p in paths if p not in held_out], held_out


def split_gum(conll_dir: Path, test_ids: set[str]) -> tuple[list[Path], list[Path]]:
    paths = sorted(conll_dir.glob("*.conll"))
    return (
        [p for p in paths if p.stem not in test_ids],
        [p for p in paths if p.stem in test_ids],
    )


def read_test_ids(args: argparse.Namespace) -> set[str]:
    if args.gum_test_ids:
        return {
            line.strip()
            for line in Path(args.gum_test_ids).read_text().splitlines()
            if line.strip()
        }
    return gum_coref_loader.ud_test_doc_ids(args.ud_gum_test)


def ud_conllu_files(args: argparse.Namespace) -> list[Path]:
    """UD GUM files give GUM's sentence breaks; all splits are used for layout only."""
    if args.ud_gum_test:
        return sorted(Path(args.ud_gum_test).parent.glob("en_gum-ud-*.conllu"))
    return []


def capped(items: list[Path], max_docs: int | None) -> list[Path]:
    return items[:max_docs] if max_docs else items


def find_component(nlp: Language) -> coref_component.QuotesCoreferee:
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, coref_component.QuotesCoreferee):
            return pipe
    raise SystemExit("The pipeline has no quotes_coreferee component to evaluate.")


def set_distances(rules_analyzer: RulesAnalyzer, anaphora: int | None, nouns: int | None) -> None:
    """Narrow (or widen) how far back coreferee looks: its main cost grows with both."""
    if anaphora is not None:
        rules_analyzer.maximum_anaphora_sentence_referential_distance = anaphora
    if nouns is not None:
        rules_analyzer.maximum_coreferring_nouns_sentence_referential_distance = nouns


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pipeline", required=True, help="spaCy pipeline dir or package name")
    parser.add_argument("--litbank", type=Path, required=True)
    parser.add_argument("--gum-conll", type=Path, required=True)
    tests = parser.add_mutually_exclusive_group(required=True)
    tests.add_argument("--gum-test-ids", type=Path, help="file of GUM doc ids, one per line")
    tests.add_argument("--ud-gum-test", type=Path, help="UD GUM test .conllu (its newdoc ids)")
    parser.add_argument("--out", type=Path, help="where feature_table.bin and model go")
    parser.add_argument(
        "--pipeline-out", type=Path, help="also write the pipeline with the component"
    )
    parser.add_argument("--metrics", type=Path)
    parser.add_argument("--max-docs", type=int, help="cap each document list (smoke runs)")
    parser.add_argument("--dev-fraction", type=float, default=0.1)
    parser.add_argument("--max-epochs", type=int, default=20)
    parser.add_argument(
        "--time-budget", type=float, default=25, help="minutes before training stops adding epochs"
    )
    parser.add_argument(
        "--evaluate-only", action="store_true", help="measure the pipeline's own quotes_coreferee"
    )
    parser.add_argument(
        "--model", type=Path, help="with --evaluate-only: a model dir in coreferee's layout"
    )
    parser.add_argument(
        "--windowed",
        action="store_true",
        help="also score each anaphor with coreferee run only on its sentence and the "
        f"COREF_WINDOW_SENTENCES ({COREF_WINDOW_SENTENCES}) before it, as the quotes pipeline does",
    )
    parser.add_argument(
        "--window-sentences",
        type=int,
        default=COREF_WINDOW_SENTENCES,
        help="with --windowed: sentences before the anaphor's in its window (default: the "
        "pipeline's quotes.attribute.COREF_WINDOW_SENTENCES)",
    )
    parser.add_argument(
        "--anaphora-sentences",
        type=int,
        help="how many sentences back a pronoun's antecedent may be (coreferee: 5)",
    )
    parser.add_argument(
        "--noun-sentences",
        type=int,
        help="how many sentences apart two coreferring nouns may be (coreferee: 2)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    args = build_parser().parse_args(argv)
    started = time.time()
    deadline = started + args.time_budget * 60
    fix_random_seed(SEED)
    CorefereeBroker.set_extensions()
    log(f"loading {args.pipeline}")
    nlp = spacy.load(args.pipeline)
    problems = check_pipeline(nlp)
    if problems:
        raise SystemExit("The pipeline cannot support coreferee: " + "; ".join(problems))
    rules_analyzer = RulesAnalyzerFactory().get_rules_analyzer(nlp)
    set_distances(rules_analyzer, args.anaphora_sentences, args.noun_sentences)

    test_ids = read_test_ids(args)
    ud_files = ud_conllu_files(args)
    lit_train_paths, lit_test_paths = split_litbank(litbank_files(args.litbank))
    gum_train_paths, gum_test_paths = split_gum(args.gum_conll, test_ids)
    lit_train_paths = capped(lit_train_paths, args.max_docs)
    lit_test_paths = capped(lit_test_paths, args.max_docs)
    gum_train_paths = capped(gum_train_paths, args.max_docs)
    gum_test_paths = capped(gum_test_paths, args.max_docs)

    timings: dict[str, float] = {}
    metrics: dict[str, object] = {
        "pipeline": {k: nlp.meta.get(k) for k in ("lang", "name", "version")},
        "pipeline_path": str(args.pipeline),
        "pipes": nlp.pipe_names,
    }

    start = time.perf_counter()
    log(f"parsing {len(gum_test_paths)} GUM test and {len(lit_test_paths)} LitBank test files")
    gum_test = load_gum(gum_test_paths, nlp, rules_analyzer, ud_files)
    lit_test = load_litbank(lit_test_paths, nlp, rules_analyzer)
    timings["load_test_docs"] = time.perf_counter() - start
    log(f"  {words_in(gum_test) + words_in(lit_test)} words in {timings['load_test_docs']:.1f}s")

    if args.evaluate_only:
        if args.model:
            feature_table, thinc_model = coref_component.load_coreferee_files(args.model)
            annotator = Annotator(nlp, nlp, feature_table, thinc_model)
        else:
            component = find_component(nlp)
            annotator = component.annotator
        set_distances(annotator.rules_analyzer, args.anaphora_sentences, args.noun_sentences)
        metrics["distances"] = {
            "anaphora_sentences": annotator.rules_analyzer.maximum_anaphora_sentence_referential_distance,
            "noun_sentences": annotator.rules_analyzer.maximum_coreferring_nouns_sentence_referential_distance,
        }
    else:
        start = time.perf_counter()
        log(f"parsing {len(gum_train_paths)} GUM and {len(lit_train_paths)} LitBank training files")
        pool = load_gum(gum_train_paths, nlp, rules_analyzer, ud_files)
        pool += load_litbank(lit_train_paths, nlp, rules_analyzer)
        timings["load_train_docs"] = time.perf_counter() - start
        log(
            f"  {words_in(pool)} words in {timings['load_train_docs']:.1f}s "
            f"({words_in(pool) / timings['load_train_docs']:.0f} words/s)"
        )
        random.Random(SEED).shuffle(pool)
        n_dev = max(1, round(len(pool) * args.dev_fraction))
        dev_docs, train_docs = pool[:n_dev], pool[n_dev:]

        start = time.perf_counter()
        feature_table = generate_feature_table(train_docs, nlp)
        tendencies_analyzer = TendenciesAnalyzer(rules_analyzer, nlp, feature_table)
        dpis = []
        for doc in train_docs:
            dpi = DocumentPairInfo.from_doc(doc, tendencies_analyzer, ENSEMBLE_SIZE, is_train=True)
            if len(dpi.candidates.dataXd) > 0:
                dpis.append(dpi)
        timings["document_pair_infos"] = time.perf_counter() - start
        log(
            f"{len(dpis)} training docs with anaphors; {len(dev_docs)} dev docs "
            f"({timings['document_pair_infos']:.1f}s)"
        )

        start = time.perf_counter()
        thinc_model, history = train_thinc_model(
            dpis, dev_docs, nlp, feature_table, args.max_epochs, deadline
        )
        timings["train"] = time.perf_counter() - start
        metrics["epochs"] = history
        metrics["split"] = {
            "train_docs": len(train_docs),
            "train_words": words_in(train_docs),
            "dev_docs": len(dev_docs),
            "dev_doc_ids": sorted(d.user_data["doc_id"] for d in dev_docs),
        }
        annotator = Annotator(nlp, nlp, feature_table, thinc_model)
        if args.out:
            coref_component.save_coreferee_files(args.out, feature_table, thinc_model)
            log(f"model written to {args.out}")

    start = time.perf_counter()
    metrics["gum_test"] = accuracy_record(annotator, gum_test)
    metrics["gum_test"]["doc_ids"] = [d.user_data["doc_id"] for d in gum_test]
    metrics["litbank_test"] = accuracy_record(annotator, lit_test)
    metrics["litbank_test"]["doc_ids"] = [d.user_data["doc_id"] for d in lit_test]
    both = [metrics["gum_test"], metrics["litbank_test"]]
    correct = sum(cast(int, m["correct"]) for m in both)
    total = correct + sum(cast(int, m["incorrect"]) for m in both)
    metrics["all_test_accuracy"] = round(correct / total, 4) if total else None
    timings["evaluate"] = time.perf_counter() - start
    for name in ("gum_test", "litbank_test"):
        m = cast(dict, metrics[name])
        log(f"{name}: {m['correct']} correct, {m['incorrect']} incorrect, accuracy {m['accuracy']}")
    if args.windowed:
        # After the whole-document count: the gold marks on the whole Docs stay as loaded.
        for name, docs in (("gum_test", gum_test), ("litbank_test", lit_test)):
            w = windowed_record(annotator, docs, args.window_sentences)
            metrics[f"{name}_windowed"] = w
            log(
                f"{name} windowed: {w['correct']} correct, {w['incorrect']} incorrect "
                f"({w['outside']} with the antecedent outside the window), accuracy "
                f"{w['accuracy']}; antecedent inside: {w['correct']}/{w['inside_total']} "
                f"= {w['inside_accuracy']} ({w['windows']} windows, {w['window_words']} words, "
                f"{w['seconds']}s)"
            )

    texts = [doc.text for doc in gum_test]
    if texts:
        metrics["speed"] = measure_speed(nlp, annotator, texts)
        log(f"speed: {metrics['speed']}")

    if args.pipeline_out and not args.evaluate_only:
        for name, pipe in list(nlp.pipeline):
            if isinstance(pipe, coref_component.QuotesCoreferee):
                nlp.remove_pipe(name)
        component = nlp.add_pipe(coref_component.FACTORY_NAME, last=True)
        component.set_model(feature_table, thinc_model)
        nlp.to_disk(args.pipeline_out)
        log(f"pipeline with coreference written to {args.pipeline_out}")

    metrics["timings_seconds"] = {k: round(v, 1) for k, v in timings.items()}
    metrics["total_seconds"] = round(time.time() - started, 1)
    if args.metrics:
        args.metrics.parent.mkdir(parents=True, exist_ok=True)
        args.metrics.write_text(json.dumps(metrics, indent=2) + "\n")
        log(f"metrics written to {args.metrics}")
    return metrics


if __name__ == "__main__":
    main()
