"""Build parsed Docs by hand, so tests do not depend on a statistical model's mistakes.

A Doc is given as its text and one row per token: ``word TAG dep head [IOB-entity]``, where
``head`` is the row number (from 0) of the token's head. Whitespace other than a single space
after a token (paragraph breaks) becomes a ``_SP`` token automatically.
"""

from __future__ import annotations

import spacy
from spacy.tokens import Doc

VOCAB = spacy.blank("en").vocab
POS = {
    "NNP": "PROPN", "NNPS": "PROPN", "NN": "NOUN", "NNS": "NOUN", "PRP": "PRON", "PRP$": "PRON",
    "DT": "DET", "IN": "ADP", "JJ": "ADJ", "RB": "ADV", "CC": "CCONJ", "CD": "NUM", "TO": "PART",
    "MD": "AUX", "POS": "PART", "_SP": "SPACE", "WDT": "PRON", "RP": "ADP", "HYPH": "PUNCT",
}


def _pos(tag: str) -> str:
    if tag.startswith("VB"):
        return "VERB"
    if tag in POS:
        return POS[tag]
    return "PUNCT" if not tag[0].isalpha() else "X"


def make_doc(text: str, rows: str) -> Doc:
    parsed = [line.split() for line in rows.strip().splitlines() if line.strip()]
    words, spaces, tags, deps, heads, ents = [], [], [], [], [], []
    remap: dict[int, int] = {}
    pos = 0
    for n, row in enumerate(parsed):
        word, tag, dep, head = row[:4]
        ent = row[4] if len(row) > 4 else "O"
        gap_start = pos
        found = text.find(word, pos)
        if found < 0:
            raise ValueError(f"row {n}: {word!r} not found in text after offset {pos}")
        gap = text[gap_start:found]
        if gap.strip():
            raise ValueError(f"row {n}: text {gap!r} is not covered by a row")
        if gap and words and gap == " " and not spaces[-1]:
            spaces[-1] = True
        elif gap:
            if words and gap.startswith(" ") and not spaces[-1]:
                spaces[-1], gap = True, gap[1:]
            if gap:
                # Whitespace tokens hang off the token before them, as spaCy's parser does.
                words.append(gap)
                spaces.append(False)
                tags.append("_SP")
                deps.append("dep")
                heads.append(("prev", len(words) - 2))
                ents.append("O")
        remap[n] = len(words)
        words.append(word)
        spaces.append(False)
        tags.append(tag)
        deps.append(dep)
        heads.append(("row", int(head)))
        ents.append(ent)
        pos = found + len(word)
    if text[pos:].strip():
        raise ValueError(f"text {text[pos:]!r} is not covered by rows")
    if text[pos:] == " ":
        spaces[-1] = True
    resolved = [remap[h] if kind == "row" else max(h, 0) for kind, h in heads]
    doc = Doc(
        VOCAB,
        words=words,
        spaces=spaces,
        tags=tags,
        pos=[_pos(t) for t in tags],
        deps=deps,
        heads=resolved,
        ents=ents,
    )
    assert doc.text == text, (doc.text, text)
    return doc
