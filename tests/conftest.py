"""Fixtures for the application shell: a stand-in for the NLP so indexing runs without a model.

The stand-ins follow the contract of quotes.pipeline.find_quotes and quotes.speakers.SpeakerIndex
closely enough for storage, CLI and Datasette tests; they are not meant to be good at NLP.
"""

from __future__ import annotations

import importlib.util
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from quotes import indexer, ingest
from quotes.records import Quote, Span, Speaker, SpeakerRef

# `quotes index` in tests finds quotes in the test process unless a test asks for workers
# (--workers or n_workers): a pool would load the pipeline again in every worker, seconds per
# test, and could not see a test's monkeypatched stand-ins. tests/test_workers.py runs pools.
os.environ.setdefault("QUOTES_WORKERS", "1")

MODEL = "en_quotes_sm"


def require_model() -> None:
    """Fail (never skip) a test that needs the packaged pipeline when it is not installed: a
    broken install must turn the run red, not quietly green."""
    if importlib.util.find_spec(MODEL) is None:
        pytest.fail(
            f"{MODEL} is not installed; install models/dist/{MODEL}-*.whl as the README's "
            "set-up command does",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def nlp():
    """The pipeline ``quotes`` runs (en_quotes_sm with the tagger and the quotes component),
    loaded once for the session."""
    require_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from quotes.pipeline import load

        return load(MODEL)


# "Words in quotes," said Firstname Lastname   /   "Words in quotes"   (no speaker)
NAME = r"[^\W\d_]\w*(?: [^\W\d_]\w*)*"
QUOTE = re.compile(rf'"(?P<q>[^"]+)"(?:,? (?P<cue>said|says) (?P<who>{NAME}))?')
ORGANIZATION_WORDS = {"Ministry", "Council", "International", "Agency"}


def fake_quotes(text: str) -> list[Quote]:
    quotes = []
    for m in QUOTE.finditer(text):
        ref = cue = None
        if m["who"]:
            words = set(m["who"].split())
            kind = "organization" if words & ORGANIZATION_WORDS else "person"
            ref = SpeakerRef(
                name=m["who"], kind=kind, mention=Span(m.start("who"), m.end("who"), m["who"])
            )
            cue = Span(m.start("cue"), m.end("cue"), m["cue"])
        quotes.append(
            Quote(
                content=Span(m.start("q"), m.end("q"), m["q"]),
                kind="direct",
                cue=cue,
                speaker=ref,
                method="explicit" if ref else "none",
                confidence=0.9 if ref else 0.0,
            )
        )
    return quotes


class FakeSpeakerIndex:
    """Merges mentions by name, case-insensitively; a surname alone joins a known full name."""

    def __init__(self, known: list[Speaker], overrides=None):
        self.speakers = list(known)

    def resolve(self, ref: SpeakerRef, article_id=None, source=None) -> Speaker:
        for speaker in self.speakers:
            names = [speaker.name.lower()] + [a.lower() for a in speaker.aliases]
            if ref.name.lower() in names or speaker.name.lower().endswith(" " + ref.name.lower()):
                return speaker
        speaker = Speaker(name=ref.name, kind=ref.kind)
        self.speakers.append(speaker)
        return speaker


@dataclass
class FakeNLP:
    """Records how the indexer used the pipeline."""

    loads: list[str] = field(default_factory=list)  # model names loaded
    seen: list[str] = field(default_factory=list)  # sources sent through the pipeline


@pytest.fixture
def fake_nlp(monkeypatch) -> FakeNLP:
    calls = FakeNLP()

    def make_finder(model, batch_size):
        calls.loads.append(model)

        def find_quotes(articles):
            # as quotes.pipeline.find_quotes does: read the normalised view, map offsets back
            for article in articles:
                calls.seen.append(article.source)
                view = ingest.view(article)
                yield article, [view.restore(q) for q in fake_quotes(view.text)]

        return find_quotes

    monkeypatch.setattr(indexer, "make_finder", make_finder)
    monkeypatch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)
    return calls


@pytest.fixture
def articles(tmp_path):
    """A directory of three small made-up articles; returns its path."""
    folder = tmp_path / "articles"
    (folder / "more").mkdir(parents=True)
    (folder / "a.txt").write_text(
        'Harbour plans approved\n\n"The harbour will reopen in spring," said Mara Quist.\n'
        '"We are delighted," says Quist.\n',
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        'Council answers critics\n"No decision has been taken," said Harbour Council.\n'
        '"Wait and see."\n',
        encoding="utf-8",
    )
    (folder / "more" / "c.txt").write_text(
        'Ferry strike\n"The ferries stop tonight," said Tomas Lind.\n', encoding="utf-8"
    )
    (folder / "notes.md").write_text('"Not an article," said Nobody.\n', encoding="utf-8")
    return folder


# Property-based tests run the same examples on every machine (derandomize: the seed comes
# from each test's code), keep no example database between runs, and take their time: the
# real pipeline is slower than hypothesis's default deadline on a busy 2-core CI machine.
settings.register_profile(
    "quotes",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# A longer search with fresh random examples, to hunt for new crashes by hand:
#   HYPOTHESIS_PROFILE=hunt pytest tests/test_fuzz.py
settings.register_profile(
    "hunt", parent=settings.get_profile("quotes"), derandomize=False, max_examples=500
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quotes"))


# -- the site's index and server, built once per test session ---------------------------------

SEEDS = Path(__file__).parents[1] / "seeds"

# Hand-written articles with what people type into a search box, attributed by the stand-in
# above (the real pipeline indexes the seeds beside them).
ODD_ARTICLES = {
    "odd/typed.txt": (
        "What people type <b>& search</b>\n\n"
        '"We don\'t know yet," said Ana Ruiz.\n'
        '"The U.S. will decide in March," said Ana Ruiz.\n'
        '"Prices rose 50% in a year," said Bo Chen.\n'
        '"A 100% sure thing for snake_case fans," said Bo Chen.\n'
        '"<script>alert(1)</script> & <b>more</b>," said Cy Dahl.\n'
        '"Nothing to add."\n'
    ),
    "odd/crlf.txt": 'Line endings\r\n\r\n"Windows \u00e9crit \u2014 \U0001f600 ok," said Cy Dahl.\r\n',
}


@pytest.fixture(scope="session")
def site_index(tmp_path_factory) -> Path:
    """An index of the five seeds (the real pipeline) and ODD_ARTICLES (the stand-in)."""
    import shutil

    work = tmp_path_factory.mktemp("site")
    shutil.copytree(SEEDS, work / "seeds")
    for name, text in ODD_ARTICLES.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_bytes(text.encode("utf-8"))
    db = work / "quotes.db"
    with pytest.MonkeyPatch.context() as patch:
        # relative paths, as a newsroom would index (`quotes index seeds`): the sources are
        # part of the published data
        patch.chdir(work)
        summary = indexer.index_paths(["seeds"], db)
        assert summary.ok and summary.quotes > 40, summary.describe()
        patch.setattr(indexer, "make_finder", lambda model, batch_size: _fake_finder)
        patch.setattr(indexer, "make_speaker_index", FakeSpeakerIndex)
        summary = indexer.index_paths(["odd"], db)
    assert summary.ok and summary.quotes == 7, summary.describe()
    return db


def _fake_finder(articles):
    for article in articles:
        yield article, fake_quotes(article.text)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: list[str], cwd: Path | None = None, command: list[str] | None = None):
    """Start `quotes serve ARGS` on a free port of 127.0.0.1; returns (process, base URL)
    once it answers."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    command = command or [sys.executable, "-m", "quotes", "serve"]
    process = subprocess.Popen(
        [*command, *args, "--host", "127.0.0.1", "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stdout.read().decode()}")
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not answer within 60 s")


def stop_server(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:
        process.kill()


@pytest.fixture(scope="session")
def site_server(site_index):
    """`quotes serve` over site_index on a free port of 127.0.0.1; yields its base URL."""
    process, base = start_server(["--db", str(site_index.resolve())])
    yield base
    stop_server(process)
