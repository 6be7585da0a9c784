"""The same rows whatever the batch size (issue 16: `--batch-size 1` gave 160 quotes and 16
gave 159 on the same 9 files, so an incremental re-index could differ from a full one).

The cause was the attribution tagger's window encoder: thinc's with_array runs a batch's docs
as one array, and each doc's first and last tokens saw its neighbours' (quotes/learned.py,
AttributionTagger.predict now runs it one doc at a time).
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from click.testing import CliRunner
from test_fuzz import fuzz

from quotes import pipeline
from quotes.cli import cli

SEEDS = Path(__file__).parents[1] / "seeds"
TEXTS = [
    '"We will stay," said Ann Lee.',
    "The ministry said the strikes would go on. He added nothing.",
    "Quiet day.",
    '"Go," she said.',
]


def test_the_attribution_tagger_labels_each_doc_of_a_batch_as_if_it_were_alone():
    """Before the fix the fourth text's labels differed between a batch and alone."""
    nlp = pipeline.load("en_quotes_sm")
    assert "attribution_tagger" in nlp.pipe_names
    batched = [doc._.attribution_iob for doc in nlp.pipe(TEXTS, batch_size=len(TEXTS))]
    alone = [nlp(text)._.attribution_iob for text in TEXTS]
    assert batched == alone
    assert any(label != "O" for labels in alone for label in labels)


def test_batch_size_1_and_16_give_identical_exports(tmp_path):
    folder = tmp_path / "arts"
    shutil.copytree(SEEDS, folder)
    rng = random.Random(5)
    for n in range(4):  # short hostile texts between the news, where batch borders fall
        (folder / f"fuzz_{n}.txt").write_text(fuzz.document(rng, 600), encoding="utf-8")
    runner = CliRunner()
    exports = []
    for batch_size in ("1", "16"):
        db = str(tmp_path / f"b{batch_size}.db")
        result = runner.invoke(cli, ["index", str(folder), "--db", db, "--batch-size", batch_size])
        assert result.exit_code == 0, result.output
        exports.append(runner.invoke(cli, ["export", "--db", db]).output)
    assert exports[0] == exports[1]
    assert len([json.loads(line) for line in exports[0].split("\n") if line]) > 50
