"""Silver PERSON names in news: PolNeAR's train articles, labelled by rule, for the recognizer.

    python models/scripts/silver_names.py --corpora ../shared/corpora --corpus models/corpus \
        --out models/corpus/ner/silver.spacy

The treebanks hold little news, and news names people in its own way: a full name once
("Maj Gen Igor Konashenkov said"), the surname after ("Konashenkov said"). Here a run of two or
three capitalised words that starts with a first name the gold data knows (the first word of
its multi-word PERSON names, minus any that also start a place or an organisation) is a
PERSON, and so is that name's surname alone later in the article. Lower-case words, numbers
and punctuation are marked outside any entity; every other capitalised word is left
unannotated (missing), so the recognizer learns nothing about what it might be.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from ud2clearnlp import TITLES

INITIAL = re.compile(r"^[A-Z]\.$")
ARTICLES = {"the", "a", "an"}
MOST_PER_NAME = 20


def first_names(docs: list[Doc]) -> set[str]:
    """First words of the gold data's multi-word PERSON names, less titles ("Inspector"),
    English words ("Happy", "Justice", also "Mark") and words that start other entities."""
    person: Counter = Counter()
    other: set[str] = set()
    for doc in docs:
        for ent in doc.ents:
            first = ent[0].text
            if ent.label_ == "PERSON" and len(ent) >= 2 and first.istitle() and first.isalpha():
                person[first] += 1
            elif ent.label_ != "PERSON":
                other.add(first)
    common = _common_words()
    return {
        name
        for name in person
        if name not in other and name.lower() not in TITLES and name.lower() not in common
    }


def english_word_probs() -> dict[str, float]:
    """Word form -> log probability in English, from spacy-lookups-data."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def _common_words(max_rank_prob: float = -13.0) -> set[str]:
    """Lower-case words more frequent than *max_rank_prob* (log probability) in English."""
    probs = english_word_probs()
    return {w for w, p in probs.items() if p > max_rank_prob and w.islower()}


def _capitalised(text: str) -> bool:
    return text[:1].isupper() and (text.isalpha() or INITIAL.match(text) is not None)


def label(doc: Doc, names: set[str], surnames: set[str]) -> list[str]:
    """IOB tags: silver PERSON spans, "O" for words no name contains, "" (missing) elsewhere.

    Adds the surnames of the full names found to *surnames*, which the caller keeps for the
    rest of the article (label its paragraphs twice: the surname may come first).
    """
    tags = ["O" if not t.text[:1].isupper() else "" for t in doc]
    i = 0
    while i < len(doc):
        if not _capitalised(doc[i].text):
            i += 1
            continue
        j = i
        while j < len(doc) and _capitalised(doc[j].text):
            j += 1
        # Titles may come first ("Maj Gen Igor Konashenkov"): the name starts at a first name.
        k = next((k for k in range(i, j) if doc[k].text in names), j)
        before = doc[k - 1].lower_ if k else ""
        last = doc[j - 1].text
        if 2 <= j - k <= 3 and before not in ARTICLES and last.isalpha() and len(last) > 1:
            tags[k] = "B-PERSON"
            for m in range(k + 1, j):
                tags[m] = "I-PERSON"
            surnames.add(last)
        i = j
    for i, t in enumerate(doc):
        alone = (i == 0 or not _capitalised(doc[i - 1].text)) and (
            i + 1 == len(doc) or not _capitalised(doc[i + 1].text)
        )
        if t.text in surnames and alone and tags[i] == "":
            tags[i] = "B-PERSON"
    return tags


def _cap(doc: Doc, tags: list[str], seen: Counter, most: int = MOST_PER_NAME) -> None:
    """Unlabel a name past its *most*-th time: 2016 news says "Trump" thousands of times, and
    the recognizer should learn how news names people, not that one name."""
    i = 0
    while i < len(tags):
        if tags[i] != "B-PERSON":
            i += 1
            continue
        j = i + 1
        while j < len(tags) and tags[j] == "I-PERSON":
            j += 1
        name = doc[i:j].text
        seen[name] += 1
        if seen[name] > most:
            tags[i:j] = [""] * (j - i)
        i = j


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, required=True, help="folder with ner/gold.spacy")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    nlp = spacy.blank("en")
    gold = list(DocBin().from_disk(args.corpus / "ner" / "gold.spacy").get_docs(nlp.vocab))
    names = first_names(gold)
    common = {w.title() for w in _common_words()}
    seen: Counter = Counter()
    docs = []
    n_names = 0
    for path in sorted((args.corpora / "polnear" / "data" / "train" / "text").glob("*.txt")):
        paras = [
            nlp.make_doc(p.strip())
            for p in path.read_text(encoding="utf-8").split("\n")
            if len(p.split()) >= 5
        ]
        surnames: set[str] = set()
        for doc in paras:
            label(doc, names, surnames)
        surnames -= common
        for doc in paras:
            tags = label(doc, names, surnames)
            _cap(doc, tags, seen)
            n_names += tags.count("B-PERSON")
            words = [t.text for t in doc]
            spaces = [bool(t.whitespace_) for t in doc]
            docs.append(Doc(nlp.vocab, words=words, spaces=spaces, ents=tags))
    DocBin(docs=docs, store_user_data=False).to_disk(args.out)
    print(f"{args.out}: {len(docs)} paragraphs, {n_names} names; {len(names)} first names known")


if __name__ == "__main__":
    main()
