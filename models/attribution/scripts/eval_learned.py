"""`quotes eval` with the rules consulting the attribution tagger, before the hook is in extract.py.

    python models/attribution/scripts/eval_learned.py ../shared/corpora/polnear/data/dev \
        --model models/attribution/training/model-best [--content fill|replace] [--limit 20]

The proposed hook (see models/attribution/README.md) is three lines in
``quotes.extract.find_cues``; until it lands, this script wraps ``find_cues`` the same way for
the length of one evaluation, so its figures are the ones the hook would give. ``--content
fill`` uses the tagger's content only where the rules found none; ``replace`` prefers it
whenever the tagger has one next to the cue. Use dev to choose between them, never train on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from quotes import evaluate, extract, learned


def find_cues_with_learned(replace_content: bool):
    rules = extract.find_cues

    def find_cues(doc):
        cues = rules(doc)
        if not learned.has_predictions(doc):
            return cues
        known = {c.word.i for c in cues}
        for i, lemma in learned.cue_heads(doc).items():
            if i in known:
                continue
            token = doc[i]
            content, parenthetical = extract._content(doc, token, lemma)
            cues.append(
                extract.Cue(
                    token, lemma, token, extract._subject(token, lemma), content, parenthetical
                )
            )
        for cue in cues:
            if cue.content is None or replace_content:
                cue.content = learned.content_for(doc, cue.word, cue.last) or cue.content
            if cue.subject is None:
                cue.subject = learned.source_for(doc, cue.word)
        cues.sort(key=lambda c: c.word.i)
        return cues

    return find_cues


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("split_dir", type=Path)
    ap.add_argument("--model", required=True)
    ap.add_argument("--content", choices=["fill", "replace"], default="fill")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()

    original = extract.find_cues
    extract.find_cues = find_cues_with_learned(args.content == "replace")
    try:
        result = evaluate.evaluate(args.split_dir, args.model, args.limit or None, baseline=False)
    finally:
        extract.find_cues = original
    print(evaluate.table(result))
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
