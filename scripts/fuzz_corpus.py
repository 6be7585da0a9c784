"""A fuzz corpus for `quotes index`: hostile and careless text, reproducible from a seed.

    python scripts/fuzz_corpus.py generate DIR [--count 200] [--seed 16] [--max-bytes 5000]
    python scripts/fuzz_corpus.py run [--count 200] [--seed 16] [--batch-size 16] [--keep DIR]

`generate` writes COUNT UTF-8 files (at most MAX_BYTES bytes each, never empty, no NUL byte)
mixing news-like sentences with what breaks parsers: quote marks of every kind left unbalanced,
nested brackets, control characters, right-to-left text and direction overrides, emoji and
ZWJ sequences, combining marks, empty paragraphs, mixed line endings and very long lines.
The same seed always gives the same files.

`run` generates the corpus into a temporary folder, indexes it with `quotes index` in a
subprocess (this checkout's Python), exports the result and prints the outcome: the exit
status, `error:` lines, Python tracebacks, and every exported offset that does not give back
its text (quote, cue and speaker mention). It exits 1 when any of those is not zero.
Issue 16 measured 28 of 200 such inputs raising before the per-article isolation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Every kind of quotation mark a news text or a careless paste may hold.
QUOTE_MARKS = [
    '"',
    "'",
    "`",
    "``",
    "''",
    "\u201c",
    "\u201d",
    "\u2018",
    "\u2019",
    "\u201e",
    "\u201a",
    "\u201f",
    "\u00ab",
    "\u00bb",
    "\u2039",
    "\u203a",
    "\u300c",
    "\u300d",
    "\u300e",
    "\u300f",
    "\u301d",
    "\u301e",
    "\uff02",
    "\uff07",
    "\u2e42",
    "\u275d",
    "\u275e",
]
BRACKETS = ["(", ")", "[", "]", "{", "}", "<", ">", "\uff08", "\uff09", "\u3010", "\u3011"]
CONTROL = [chr(c) for c in (*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)] + [
    "\x85",
    "\u2028",
    "\u2029",
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u00ad",
    "\ufffe",
]
RTL = [
    "\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631",  # Arabic: the minister said
    "\u05d0\u05de\u05e8 \u05d4\u05e9\u05e8",  # Hebrew: the minister said
    "\u200f",
    "\u200e",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u061c",
]
EMOJI = [
    "\U0001f600",
    "\U0001f4f0",
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1fa\U0001f1f8",
    "\U0001f44d\U0001f3fd",
    "\u2764\ufe0f",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
]
COMBINING = ["e\u0301", "a\u0308\u0308\u0308", "\u0301", "n\u0303", "\u0336"]
BREAKS = ["\n", "\n\n", "\r\n", "\r", "\n\n\n\n", "\r\n\r\n", " \n \n", "\t\n", "\n \t \n"]
NAMES = [
    "Maj Gen Igor Konashenkov",
    "Donatella Rovera",
    "Amnesty International",
    "the ministry",
    "Dr.",
    "Mr. Smith",
    "U.N.",
    "Jan Egeland",
    "he",
    "she",
    "it",
    "they",
    "a spokesman",
    "Il",
    "Dr. \u00c5sa Berg",
    "O'Brien",
    "al-Assad",
    "President",
    "the U.S. State Department",
]
CUES = ["said", "says", "told reporters", "according to", "added", "warned", "claimed", "asked"]
WORDS = (
    "the ruins evoked Dresden West was hurrying coalition air strikes civilians killed "
    "we will not stop until every family is safe this is a disaster nobody expected add"
).split()
FRAGMENTS = [
    "Il add Dr.\n\n\u203a\u300d",  # the input issue 16 found crashing fullest_org
    '"',
    "\u201c\u201c\u201d",
    "\u00ab\u2039\u203a",
    '"""',
    "''\"",
    "(((",
    ")))",
    "[\u201c(]\u201d)",
    ", said",
    "said.",
    ' said "',
    '." he said',
    "According to",
    ':\n\n"',
]


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _sentence(rng: random.Random) -> str:
    """A news-like reported statement, its quote marks often left open or mismatched."""
    open_, close = rng.choice(QUOTE_MARKS), rng.choice(QUOTE_MARKS + [""])
    body = _words(rng, rng.randint(0, 14))
    who, cue = rng.choice(NAMES), rng.choice(CUES)
    shapes = [
        f"{open_}{body},{close} {cue} {who}.",
        f"{who} {cue} {open_}{body}{close}.",
        f"{who} {cue} {body}.",
        f"{cue.capitalize()} {who}, {body}.",
        f"{open_}{body}{close}",
        f"{who}: {open_}{body}",
    ]
    return rng.choice(shapes)


def _noise(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return "".join(rng.choice(QUOTE_MARKS) for _ in range(rng.randint(1, 8)))
    if kind == 1:  # nested, often unbalanced brackets around words and quotes
        depth = rng.randint(1, 12)
        opens = "".join(rng.choice(BRACKETS[0::2]) for _ in range(depth))
        closes = "".join(rng.choice(BRACKETS[1::2]) for _ in range(rng.randint(0, depth)))
        return opens + _sentence(rng) + closes
    if kind == 2:
        return "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 6)))
    if kind == 3:
        return rng.choice(RTL) + " " + _sentence(rng) + rng.choice(RTL)
    if kind == 4:
        return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 5)))
    if kind == 5:
        return rng.choice(COMBINING) * rng.randint(1, 20)
    if kind == 6:
        return rng.choice(BREAKS) * rng.randint(1, 6)
    if kind == 7:  # a very long line: one huge "word", or many words without a break
        if rng.random() < 0.5:
            return rng.choice(WORDS + QUOTE_MARKS) * rng.randint(200, 1500)
        return " ".join(_sentence(rng) for _ in range(rng.randint(15, 40)))
    return rng.choice(FRAGMENTS)


def document(rng: random.Random, max_bytes: int = 5000) -> str:
    """One fuzz article: a headline-ish first line, then sentences, noise and breaks."""
    budget = rng.choice([60, 300, 1500, max_bytes])
    parts = [_words(rng, rng.randint(1, 6)).title(), rng.choice(BREAKS)]
    while sum(len(p.encode("utf-8")) for p in parts) < budget:
        roll = rng.random()
        parts.append(_sentence(rng) if roll < 0.5 else _noise(rng))
        parts.append(rng.choice([" ", " ", "", *BREAKS]))
    text = "".join(parts)
    data = text.encode("utf-8")[:max_bytes]
    text = data.decode("utf-8", errors="ignore")  # never split a character
    return text if text.strip() else "Empty\n"


def generate(count: int = 200, seed: int = 16, max_bytes: int = 5000) -> list[str]:
    """``count`` fuzz articles; the same arguments always give the same texts."""
    rng = random.Random(seed)
    return [document(rng, max_bytes) for _ in range(count)]


def write(folder: Path, texts: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(texts):
        path = folder / f"fuzz_{n:03d}.txt"
        path.write_bytes(text.encode("utf-8"))  # bytes: keep \r and \r\n as generated
        paths.append(path)
    return paths


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        corpus, db = work / "corpus", work / "fuzz.db"
        if db.exists():
            db.unlink()
        write(corpus, generate(args.count, args.seed, args.max_bytes))
        quotes = [sys.executable, "-m", "quotes"]
        started = time.perf_counter()
        index = subprocess.run(
            [*quotes, "index", str(corpus), "--db", str(db), "--batch-size", str(args.batch_size)],
            capture_output=True,
            text=True,
            cwd=work,  # the sources are absolute; the package comes from sys.path, not the cwd
        )
        seconds = time.perf_counter() - started
        stderr = index.stderr
        errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
        tracebacks = stderr.count("Traceback (most recent call last)")
        bad_offsets, records = [], 0
        if db.exists():
            export = subprocess.run(
                [*quotes, "export", "--db", str(db)], capture_output=True, text=True, cwd=work
            )
            tracebacks += export.stderr.count("Traceback (most recent call last)")
            texts: dict[str, str] = {}
            # "\n" only: str.splitlines() would also break at U+2028 and U+0085 inside a record
            for line in filter(None, export.stdout.split("\n")):
                record = json.loads(line)
                records += 1
                source = record["source"]
                if source not in texts:
                    # a source is relative to the directory quotes ran in (work) when inside it
                    path = work / source
                    texts[source] = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
                text = texts[source]
                for field, start, end in (
                    ("text", "start", "end"),
                    ("cue", "cue_start", "cue_end"),
                    ("speaker_mention", "speaker_start", "speaker_end"),
                ):
                    if (
                        record[start] is not None
                        and text[record[start] : record[end]] != record[field]
                    ):
                        bad_offsets.append(f"{source}: {field} {record[start]}:{record[end]}")
        summary = next((line for line in stderr.splitlines() if " files: " in line), "(none)")
        print(f"corpus: {args.count} files, seed {args.seed}, at most {args.max_bytes} bytes each")
        print(f"quotes index exit status: {index.returncode} ({seconds:.1f} s)")
        print(f"error lines: {len(errors)}")
        print(f"tracebacks: {tracebacks}")
        print(f"summary: {summary}")
        print(f"exported quotes: {records}; offsets not giving back their text: {len(bad_offsets)}")
        for line in errors[:20] + bad_offsets[:20]:
            print("  " + line)
        if tracebacks and not errors:
            print(stderr[-3000:])
        return 0 if index.returncode == 0 and not tracebacks and not bad_offsets else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("generate", "run"):
        sub = commands.add_parser(name)
        if name == "generate":
            sub.add_argument("folder", type=Path)
        else:
            sub.add_argument("--batch-size", type=int, default=16)
            sub.add_argument("--keep", help="work in this folder and leave corpus and db there")
        sub.add_argument("--count", type=int, default=200)
        sub.add_argument("--seed", type=int, default=16)
        sub.add_argument("--max-bytes", type=int, default=5000)
    args = parser.parse_args()
    if args.command == "generate":
        paths = write(args.folder, generate(args.count, args.seed, args.max_bytes))
        print(f"wrote {len(paths)} files to {args.folder}{os.sep}")
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
