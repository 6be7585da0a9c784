"""Derive the second training stage's config from the first one.

The first stage (configs/en_quotes_sm.cfg) trains at a constant learning rate, and its dev
scores are still climbing when it stops. The second stage picks its best checkpoint back up and
anneals: the learning rate falls linearly to zero, updates run on full-size batches, and the
optimizer keeps a running average of the weights, which is what gets saved. The stage's last
weights (model-last) are the model: dev UAS climbs to the last step, while dev NER F wanders
by two points either way from the first step on, and would otherwise choose an early one.
Deriving the config keeps one source of truth for the architecture and the data.
"""

from __future__ import annotations

from pathlib import Path

import typer
from thinc.api import Config

COMPONENTS = ("tok2vec", "tagger", "parser", "ner")


def anneal_config(
    base: Config, source: str, steps: int, learn_rate: float, batch_size: int
) -> Config:
    """The base config with every trained component sourced from `source` and annealed."""
    config = base.copy()
    for name in COMPONENTS:
        config["components"][name] = {"source": source}
    training = config["training"]
    training["max_steps"] = steps
    training["patience"] = steps
    training["optimizer"]["use_averages"] = True
    training["optimizer"]["learn_rate"] = {
        "@schedules": "warmup_linear.v1",
        "warmup_steps": 0,
        "total_steps": steps,
        "initial_rate": learn_rate,
    }
    training["batcher"]["size"] = batch_size
    # The sourced tok2vec already holds its weights: nothing to initialise it from.
    config["paths"]["init_tok2vec"] = None
    return config


def main(
    base: Path = typer.Argument(..., help="First stage's config"),
    source: str = typer.Option(..., help="Trained pipeline to continue from (model-best)"),
    out: Path = typer.Option(..., help="Where to write the derived config"),
    steps: int = typer.Option(4000, help="Annealing steps"),
    learn_rate: float = typer.Option(0.001, help="Learning rate at the first step"),
    batch_size: int = typer.Option(1000, help="Words per batch"),
) -> None:
    config = anneal_config(
        Config().from_disk(base, interpolate=False), source, steps, learn_rate, batch_size
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    config.to_disk(out)
    print(f"Wrote {out}: {steps} steps from {source}, learning rate {learn_rate} to 0")


if __name__ == "__main__":
    typer.run(main)
