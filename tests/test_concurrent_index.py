"""Two `quotes index` processes on one database end as one process indexing both folders.

Each process used to load the speakers once and write from its stale copy (one person split
into two speakers, titles lost). Quote finding is faked (tests/tagged_finder.py, slowed down a
little so the two writers interleave); everything else, speaker merging included, is real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlite_utils

TESTS = Path(__file__).parent

RUN = """
import sys, time
sys.path.insert(0, {tests!r})
import tagged_finder
from quotes import indexer

tagged_finder.use_tagged_finder()

def slow_finder(model, batch_size):
    find = tagged_finder.make_finder(model, batch_size)
    def slowly(articles):
        for article, quotes in find(articles):
            time.sleep(0.01)  # as if parsing, so the other process writes in between
            yield article, quotes
    return slowly

indexer.make_finder = slow_finder
summary = indexer.index_paths(sys.argv[2:], sys.argv[1])
print(summary.describe())
sys.exit(0 if summary.ok else 1)
"""

PEOPLE = [
    ("Ann Lee", "person", "Mayor"),
    ("Lee", "person", None),
    ("Ann Lee", "person", "harbour board chair"),
    ("Tomas Lind", "person", None),
    ("Lind", "person", "union leader"),
    ("United Nations", "organization", None),
    ("U.N.", "organization", None),
    ("Harbour Council", "organization", None),
    ("Syrian activists", "group", None),
    ("the company", "organization", None),
    ("Vera Noor", "person", "spokeswoman"),
    ("Noor", "person", None),
]


WORDS = """harbour ferry bridge tunnel budget school clinic market river station tower park
    library museum stadium airport canal depot quarry orchard""".split()


def make_folder(folder: Path, offset: int, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        lines = [f"Story {offset + n}"]
        for k in range(3):
            m = offset + n * 3 + k
            name, kind, title = PEOPLE[m % len(PEOPLE)]
            tag = f"{kind}; {title}" if title else kind
            # words no other quote has, so no two quotes report one statement
            said = f"{WORDS[m % 20]} {WORDS[m // 20 % 20]} {WORDS[m // 400 % 20]} plan {m}"
            lines.append(f'"The {said}," said {name} [{tag}].')
        (folder / f"{n:03}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def index(db: Path, *folders: Path) -> subprocess.Popen:
    code = RUN.format(tests=str(TESTS))
    return subprocess.Popen(
        [sys.executable, "-c", code, str(db), *map(str, folders)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outcome(db_path: Path) -> dict:
    """Speakers (name, kind, titles, number of quotes, articles), and who said each quote."""
    db = sqlite_utils.Database(db_path)
    try:
        speakers = sorted(
            (r["name"], r["kind"], tuple(sorted(json.loads(r["titles"]))), r["quotes"],
             r["articles"])
            for r in db.query("select * from speaker_stats")
        )
        said = sorted(
            (r["text"], r["name"])
            for r in db.query(
                "select quotes.text, speakers.name from quotes"
                " left join speakers on speakers.id = quotes.speaker_id"
            )
        )
        orphans = db.execute(
            "select count(*) from speakers where id not in (select speaker_id from quotes"
            " where speaker_id is not null)"
        ).fetchone()[0]
        return {"speakers": speakers, "said": said, "orphans": orphans}
    finally:
        db.close()


def test_two_processes_on_disjoint_folders_equal_one_process_on_both(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    make_folder(first, 0, 30)
    make_folder(second, 1000, 30)

    together = tmp_path / "together.db"
    one = index(together, first, second)
    assert one.wait(timeout=120) == 0, one.stderr.read()

    shared = tmp_path / "shared.db"
    runs = [index(shared, first), index(shared, second)]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read()
        assert "database is locked" not in run.stderr.read()

    expected = outcome(together)
    assert len(expected["said"]) == 180
    # one Ann Lee with both titles, one U.N., one row for the activists, the company per article
    names = [s[0] for s in expected["speakers"]]
    assert names.count("Ann Lee") == 1 and names.count("Syrian activists") == 1
    assert names.count("the company") > 1
    assert outcome(shared) == expected
