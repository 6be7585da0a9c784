"""Choose how the rules use the attribution model: score variants on PolNeAR dev from one pass.

    python models/attribution/scripts/variants.py [--split ../shared/corpora/polnear/data/dev]

Runs the pipeline once over the split (everything up to the ``quotes`` component), then reruns
only the rules (``quotes.attribute.quotes_in``) with each variant: the model's linked reports
left out, added where no rule quote lies, or leading (extract._model_leads); the model's
boundaries adopted per role or not (attribution_model.refine); the model's source for a quote
the rules give no speaker or not (attribute.Attributor.model_source); reports inside another
quote's reported words kept or not (extract._outermost); the quote screen on or off
(quotes.scorer). Prints the quote-level and exact-span figures of each; the chosen settings are
the defaults in the code (README: "Alternatives measured"). Dev is for choosing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# reports: "none" (the rules' quotes only), "fill" (the model's linked reports where no rule
# quote lies: before 2026-12-05), "lead" (extract._model_leads, shipped); source: the model's
# linked source for a quote the rules give no speaker (attribute.Attributor.model_source)
VARIANTS = {
    "rules alone": dict(reports="none", roles=(), source=False, none=True),
    "rules + model labels only": dict(reports="none", roles=(), source=False),
    "+ model reports": dict(reports="fill", roles=(), source=False),
    "+ reports, source+cue bounds": dict(reports="fill", roles=("SOURCE", "CUE"), source=False),
    "+ reports, all bounds": dict(reports="fill", roles=("SOURCE", "CUE", "CONTENT"), source=False),
    "model leads reports, s+c bounds": dict(reports="lead", roles=("SOURCE", "CUE"), source=False),
    "+ model source": dict(reports="lead", roles=("SOURCE", "CUE"), source=True, nested=True),
    "+ no nested reports": dict(reports="lead", roles=("SOURCE", "CUE"), source=True),
    "+ screen (shipped)": dict(reports="lead", roles=("SOURCE", "CUE"), source=True, screen=True),
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

    from quotes import attribute, attribution_model, evaluate, extract, pipeline, scorer
    from quotes.speakers import SpeakerIndex

    gold = evaluate.read_split(args.split, args.limit or None)
    nlp = pipeline.load()
    docs = list(nlp.pipe((g.article.text for g in gold), batch_size=8, disable=["quotes"]))
    print(f"{'variant':<32}" + "".join(f"{k[:14]:>16}" for k in KEYS))
    leads, model_source = extract._model_leads, attribute.Attributor.model_source
    outermost, screen = extract._outermost, scorer.load()
    reports = {
        "none": lambda doc, found: found,
        "fill": lambda doc, found: found + extract._model_reports(doc, found),
        "lead": leads,
    }
    for name, v in VARIANTS.items():
        extract._model_leads = reports[v["reports"]]
        attribute.Attributor.model_source = (
            model_source if v["source"] else (lambda self, f: None)
        )
        extract._outermost = (lambda doc, found: found) if v.get("nested") else outermost
        results = []
        index = SpeakerIndex([])
        for g, doc in zip(gold, docs):
            saved = doc._.attribution_iob, doc._.attribution_links
            if v.get("none"):
                doc._.attribution_iob = doc._.attribution_links = None
            quotes = attribution_model.refine(doc, attribute.quotes_in(doc), v["roles"])
            doc._.attribution_iob, doc._.attribution_links = saved
            if v.get("screen") and screen is not None:
                quotes = screen.screen(doc, quotes)
            pairs = [(q, index.resolve(q.speaker) if q.speaker else None) for q in quotes]
            results.append((g, [evaluate.predicted(q, s) for q, s in pairs]))
        f = evaluate.score(results).overall.figures()
        print(f"{name:<32}" + "".join(f"{100 * (f[k] or 0):>16.1f}" for k in KEYS), flush=True)
    extract._model_leads, attribute.Attributor.model_source = leads, model_source
    extract._outermost = outermost


if __name__ == "__main__":
    main()
