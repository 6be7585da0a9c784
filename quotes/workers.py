"""Finding quotes on every core, or on a cluster: worker processes that hand back plain records.

The indexer's writer stays one process: it reads the articles, hands batches of them to
workers, and stores each article as its result comes back, in input order, so the database
gets the same rows whatever the number of workers. A worker loads the spaCy pipeline once,
runs each batch through it and returns ``(Article, list[Quote] | Failure)`` pairs: dataclasses
of strings and numbers, never Docs, so they cross process and machine borders cheaply.

Three engines run the same worker function (:func:`find_batch`):

- in the writer's own process (one worker): no processes to start, what ``quotes index``
  always did;
- a local pool of ``N`` processes (``--workers N``), started from a clean fork server;
- a Dask distributed cluster (``--cluster ADDRESS``), for archives bigger than one machine.

At most a few batches per worker are in flight at any time and results are written as they
arrive, so memory stays bounded however many articles a run holds.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from quotes.records import Article, Failure, Quote

Outcome = tuple[Article, list[Quote] | Failure]
Finder = Callable[[Iterable[Article]], Iterator[Outcome]]
FinderFactory = Callable[[str, int], Finder]

# Articles per task sent to a worker (at most the pipeline's batch size). The same work in
# more, smaller tasks keeps every worker busy to the end of a run: PolNeAR dev's 84 articles
# in batches of 16 made six tasks of unequal work, and a worker done with its share waited
# for the other. Measured on dev with two workers: tasks of 4 with 2 in flight per worker
# ran at 3,475 and 3,462 tokens/s, tasks of 2 with 4 in flight at 3,428 and 3,425.
TASK_SIZE = 4

# Batches each worker may have waiting beside the one it runs: enough to keep it busy while
# the writer stores results, few enough that memory does not grow with the corpus.
IN_FLIGHT_PER_WORKER = 2


class PipelineUnavailable(Exception):
    """The spaCy pipeline could not be loaded; the message says how to install it."""


def default_workers() -> int:
    """The cores this process may run on (all of the machine's, unless restricted)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Threads of each worker's encoder (ONNX Runtime, pipeline.load's default) and BLAS. A worker
# is one core's worth of work: `--workers N` runs N of them, one per core by default. With the
# runtimes' defaults (every core) each of two workers ran two threads on a 2-core machine,
# beside the writer.
WORKER_THREADS = 1


def load_pipeline(model: str):
    """``model`` as a worker runs it: the encoder on :data:`WORKER_THREADS` threads, and
    numpy's BLAS (the attribution head multiplies with it; OpenBLAS starts a thread per core)
    limited to as many, for the whole process."""
    from threadpoolctl import threadpool_limits

    from quotes import pipeline  # spaCy is imported only where quotes are found

    nlp = pipeline.load(model)  # the encoder on one thread: pipeline.load's default
    threadpool_limits(WORKER_THREADS, user_api="blas")
    return nlp


def pipeline_finder(model: str, batch_size: int) -> Finder:
    """A finder running ``model`` (loaded once per process by :func:`load_pipeline`) over
    batches of articles."""
    from quotes import pipeline

    try:
        nlp = load_pipeline(model)
    except pipeline.ModelNotFound as error:
        raise PipelineUnavailable(str(error)) from error
    return lambda articles: pipeline.find_quotes(nlp, articles, batch_size=batch_size)


# --- the worker function, the same in every engine ---------------------------------------------

# This process's finders, each made once, by the first batch (or by the pool's initializer).
_finders: dict[tuple, Finder] = {}
# A Dask worker may run tasks on several threads; a pipeline runs one batch at a time.
_lock = threading.Lock()


def _finder(factory: FinderFactory, model: str, batch_size: int) -> Finder:
    key = (factory, model, batch_size)
    if key not in _finders:
        _finders[key] = factory(model, batch_size)
    return _finders[key]


def find_batch(
    articles: list[Article],
    model: str,
    batch_size: int,
    factory: FinderFactory = pipeline_finder,
) -> list[Outcome]:
    """Quotes (or a Failure) for each article of one batch, in order: what every worker runs.

    The pipeline's own per-article isolation (``pipeline.find_quotes``) stays in force, and
    anything else that goes wrong with an article becomes its Failure, so one bad article
    never costs the batch.
    """
    try:
        with _lock:
            return list(_finder(factory, model, batch_size)(articles))
    except PipelineUnavailable:
        raise  # a worker without the model fails the run, as the writer would
    except Exception as error:  # a failure outside any one article: each one rerun alone
        if len(articles) == 1:
            return [(articles[0], Failure.of("finding quotes", error))]
        return [outcome for article in articles for outcome in find_batch([article], model,
                                                                          batch_size, factory)]


# --- engines -----------------------------------------------------------------------------------


def _batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(articles)
    while batch := list(islice(iterator, size)):
        yield batch


def _in_order(
    submit: Callable[[list[Article]], Future],
    result: Callable[[Future, list[Article]], list[Outcome]],
    batches: Iterator[list[Article]],
    window: int,
) -> Iterator[Outcome]:
    """Results batch by batch in input order, with at most ``window`` batches submitted."""
    pending: deque[tuple[Future, list[Article]]] = deque()
    for batch in batches:
        pending.append((submit(batch), batch))
        if len(pending) >= window:
            future, done = pending.popleft()
            yield from result(future, done)
    while pending:
        future, done = pending.popleft()
        yield from result(future, done)


def pool_finder(
    model: str,
    batch_size: int,
    workers: int,
    factory: FinderFactory = pipeline_finder,
    task_size: int | None = None,
) -> Finder:
    """A finder spreading batches over ``workers`` local processes.

    Each task is ``task_size`` articles (``batch_size`` by default); smaller tasks than the
    pipeline's batches keep every worker busy to the end of a short run.

    Each worker loads the pipeline once in the pool's initializer and reuses it for every
    batch. ``factory`` must be picklable (a module-level function): workers never inherit the
    writer's memory (see :func:`_process_context`).
    """

    def find(articles: Iterable[Article]) -> Iterator[Outcome]:
        context = _process_context()
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start, initargs=(factory, model, batch_size)
        )
        broken = False

        def fresh() -> None:
            """A worker died (killed for memory, say): a new pool for what is left."""
            nonlocal pool, broken
            pool.shutdown(wait=False, cancel_futures=True)
            pool = ProcessPoolExecutor(
                workers, mp_context=context, initializer=_start,
                initargs=(factory, model, batch_size),
            )
            broken = False

        def submit(batch: list[Article]) -> Future:
            if broken:
                fresh()
            try:
                return pool.submit(_pool_batch, batch)
            except BrokenProcessPool:  # it broke since the last result
                fresh()
                return pool.submit(_pool_batch, batch)

        def result(future: Future, batch: list[Article]) -> list[Outcome]:
            nonlocal broken
            try:
                return future.result()
            except (BrokenProcessPool, CancelledError):  # cancelled: left on a replaced pool
                pass
            # Every batch in flight on a broken pool fails with it; each is run again alone on
            # a fresh pool, so only the batch that kills its worker twice is lost.
            fresh()
            try:
                return pool.submit(_pool_batch, batch).result()
            except BrokenProcessPool as error:
                broken = True
                return [(a, Failure.of("finding quotes (worker process died)", error))
                        for a in batch]

        try:
            yield from _in_order(
                submit, result, _batches(articles, task_size or batch_size),
                IN_FLIGHT_PER_WORKER * workers,
            )
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    return find


def _process_context() -> multiprocessing.context.BaseContext:
    """Where pool workers come from: a fork server on Linux, fresh interpreters elsewhere.

    Never a plain fork of the writer. A process that has run the pipeline holds an ONNX
    Runtime session whose thread pool does not survive a fork, and any thread of the writer
    (a test's web server, a Dask client) may hold a lock at the moment of the fork: the forked
    worker then waits forever. CI hung exactly so, once the test process had loaded the
    pipeline before starting a pool. The fork server is a fresh single-threaded process, so
    workers forked from it start clean, and cost no more than a fork of a writer that has not
    imported spaCy.
    """
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


# What this pool worker runs, set by the initializer.
_task: tuple[FinderFactory, str, int] | None = None
_unavailable: PipelineUnavailable | None = None


def _start(factory: FinderFactory, model: str, batch_size: int) -> None:
    """Pool initializer: load the pipeline before the first batch arrives."""
    global _task, _unavailable
    _task = (factory, model, batch_size)
    try:
        _finder(factory, model, batch_size)
    except PipelineUnavailable as error:  # said by the first batch, to the writer
        _unavailable = error


def _pool_batch(articles: list[Article]) -> list[Outcome]:
    if _unavailable is not None:
        raise _unavailable
    factory, model, batch_size = _task
    return find_batch(articles, model, batch_size, factory)


def cluster_finder(
    address: str,
    model: str,
    batch_size: int,
    factory: FinderFactory = pipeline_finder,
    task_size: int | None = None,
) -> Finder:
    """A finder running :func:`find_batch` on the Dask distributed cluster at ``address``
    (``tcp://scheduler:8786``), or on an already made ``distributed.Client``-compatible
    cluster object (``LocalCluster``); each task is ``task_size`` articles (``batch_size``
    by default)."""

    def find(articles: Iterable[Article]) -> Iterator[Outcome]:
        from distributed import Client

        with Client(address) as client:
            workers = max(1, len(client.scheduler_info().get("workers", {})))

            def submit(batch: list[Article]) -> Future:
                # pure=False: two equal batches (the same file given twice) are two tasks
                return client.submit(find_batch, batch, model, batch_size, factory, pure=False)

            def result(future, batch: list[Article]) -> list[Outcome]:
                try:
                    return future.result()
                except PipelineUnavailable:
                    raise
                except Exception as error:  # the worker holding it died, or the task failed
                    return [(a, Failure.of("finding quotes on the cluster", error)) for a in batch]
                finally:
                    future.release()

            yield from _in_order(
                submit, result, _batches(articles, task_size or batch_size),
                IN_FLIGHT_PER_WORKER * workers,
            )

    return find
