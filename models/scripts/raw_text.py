"""Unlabelled text for `spacy pretrain`: the training splits' running text, one JSON line each.

    python models/scripts/raw_text.py --corpora ../shared/corpora --out models/corpus/raw.jsonl

Reads EWT and GUM train (their sentences joined per document), LitBank's novels and PolNeAR's
train articles (news, the text the project reads). Never a dev or test split: their text stays
unseen until it is scored.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ud2clearnlp import read_conllu, read_litbank_tsv

CHUNK_WORDS = 400


def conllu_docs(path: Path) -> list[str]:
    docs: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as f:
        for s in read_conllu(f):
            text = "".join(t.form + (" " if t.space_after else "") for t in s.tokens).strip()
            docs.setdefault(s.doc_id, []).append(text)
    return [" ".join(sents) for sents in docs.values()]


def chunks(text: str) -> list[str]:
    """Paragraph-sized pieces, so no one document dominates a pretraining batch."""
    out: list[str] = []
    current: list[str] = []
    for para in text.split("\n"):
        current.append(para)
        if sum(len(p.split()) for p in current) >= CHUNK_WORDS:
            out.append("\n".join(current).strip())
            current = []
    if current and "\n".join(current).strip():
        out.append("\n".join(current).strip())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    c = args.corpora
    texts = conllu_docs(c / "ud-english-ewt" / "en_ewt-ud-train.conllu")
    texts += conllu_docs(c / "ud-english-gum" / "en_gum-ud-train.conllu")
    for path in sorted((c / "litbank" / "entities" / "tsv").glob("*.tsv")):
        sents = read_litbank_tsv(path.read_text(encoding="utf-8").splitlines())
        texts.append("\n".join(" ".join(words) for words, _ in sents))
    for path in sorted((c / "polnear" / "data" / "train" / "text").glob("*.txt")):
        texts.append(path.read_text(encoding="utf-8"))
    n = words = 0
    with args.out.open("w", encoding="utf-8") as f:
        for text in texts:
            for piece in chunks(text):
                f.write(json.dumps({"text": piece}) + "\n")
                n += 1
                words += len(piece.split())
    print(f"{args.out}: {n} texts, {words} words")


if __name__ == "__main__":
    main()
