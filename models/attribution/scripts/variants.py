"""Choose how the rules use the attribution model: score variants on PolNeAR dev from one pass.

    python models/attribution/scripts/variants.py [--split ../shared/corpora/polnear/data/dev]

Runs the pipeline once over the split (everything up to the ``quotes`` component), then reruns
only the rules (``quotes.attribute.quotes_in``) with each variant: the model's reports that no
rule found added or not (extract._model_reports), the model's boundaries adopted per role or not
(attribution_model.refine). Prints the quote-level and exact-span figures of each; the chosen
settings are the defaults in the code (README: "Alternatives measured"). Dev is for choosing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

VARIANTS = {
    "rules alone": dict(lead=False, roles=(), none=True),
    "rules + model labels only": dict(lead=False, roles=()),
    "+ model reports": dict(lead=True, roles=()),
    "+ reports, source+cue bounds": dict(lead=True, roles=("SOURCE", "CUE")),
    "+ reports, all bounds": dict(lead=True, roles=("SOURCE", "CUE", "CONTENT")),
}
KEYS = (
    "content_f1", "attribution_f1", "direct_attributed", "exact_source_f1", "exact_cue_f1",
    "exact_content_f1",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", type=Path, default=ROOT.parent / "shared/corpora/polnear/data/dev")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()

    from quotes import attribute, attribution_model, evaluate, extract, pipeline
    from quotes.speakers import SpeakerIndex

    gold = evaluate.read_split(args.split, args.limit or None)
    nlp = pipeline.load()
    docs = list(nlp.pipe((g.article.text for g in gold), batch_size=8, disable=["quotes"]))
    print(f"{'variant':<32}" + "".join(f"{k[:14]:>16}" for k in KEYS))
    original = extract._model_reports
    for name, v in VARIANTS.items():
        extract._model_reports = original if v["lead"] else (lambda doc, found, beside=None: [])
        results = []
        index = SpeakerIndex([])
        for g, doc in zip(gold, docs):
            saved = doc._.attribution_iob, doc._.attribution_links
            if v.get("none"):
                doc._.attribution_iob = doc._.attribution_links = None
            quotes = attribution_model.refine(doc, attribute.quotes_in(doc), v["roles"])
            doc._.attribution_iob, doc._.attribution_links = saved
            pairs = [(q, index.resolve(q.speaker) if q.speaker else None) for q in quotes]
            results.append((g, [evaluate.predicted(q, s) for q, s in pairs]))
        f = evaluate.score(results).overall.figures()
        print(f"{name:<32}" + "".join(f"{100 * (f[k] or 0):>16.1f}" for k in KEYS), flush=True)
    extract._model_reports = original


if __name__ == "__main__":
    main()
