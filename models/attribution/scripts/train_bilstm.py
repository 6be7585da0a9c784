"""Train the BiLSTM attribution head (PyTorch) on cached PolNeAR train features; choose the epoch on dev.

    python models/attribution/scripts/train_bilstm.py --features models/attribution/features \
        --out models/attribution/training/bilstm [--epochs 6] [--width 128] [--hidden 128] [--layers 1]

The network (quotes.attribution_model.BiLSTM): the encoder's 384 features and the rules' signals
per token -> linear + ReLU to ``width`` -> ``layers`` bidirectional LSTM layers of ``hidden``
units each way -> softmax over quotes.learned.LABELS, trained with cross-entropy on pieces of at
most 256 tokens cut where a paragraph starts (quotes.attribution_model.lstm_pieces, as at run
time). After every epoch dev's labels are decoded into whole spans (Viterbi) and scored as exact
token spans per role (train_head.span_scores); the epoch with the best mean F1 of the three roles
is kept. Before writing, the numpy forward pass the pipeline runs is checked against PyTorch's on
dev pieces (the largest difference in probability is printed and must stay under 1e-4).

Writes ``--out``/head.npz and meta.json (``kind: bilstm``, the settings, every epoch's dev
figures). Needs PyTorch (the ``train`` extra); uses a GPU when one is present (``--gpu``).
Fixed seeds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_head import epoch_done, load, span_scores, write_meta  # noqa: E402

from quotes.attribution_model import LABELS, BiLSTM, lstm_pieces, viterbi  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]


class Net(nn.Module):
    def __init__(self, n_in: int, width: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.proj = nn.Linear(n_in, width)
        self.drop = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            width, hidden, num_layers=layers, bidirectional=True, batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.out = nn.Linear(2 * hidden, len(LABELS))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        h = self.drop(torch.relu(self.proj(x)))
        packed = pack_padded_sequence(h, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.out(self.drop(out))


def pieces(X: list[numpy.ndarray], Y: list[numpy.ndarray]) -> tuple[list, list, list]:
    """Every article cut as the pipeline cuts a stretch; also each piece's article."""
    px, py, owner = [], [], []
    for k, (x, y) in enumerate(zip(X, Y)):
        for a, b in lstm_pieces(len(x), x[:, -1]):
            px.append(x[a:b])
            py.append(y[a:b])
            owner.append(k)
    return px, py, owner


def batch(xs: list[numpy.ndarray], device: str) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(x) for x in xs])
    padded = pad_sequence([torch.from_numpy(x) for x in xs], batch_first=True)
    return padded.to(device), lengths


def dev_probabilities(net: Net, px: list, device: str) -> list[numpy.ndarray]:
    net.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(px), 64):
            xs = px[k : k + 64]
            x, lengths = batch(xs, device)
            probs = torch.softmax(net(x, lengths), -1).cpu().numpy()
            out.extend(probs[j, : len(v)] for j, v in enumerate(xs))
    net.train()
    return out


def dev_scores(
    net: Net, px: list, owner: list[int], gold: list, device: str
) -> tuple[list[numpy.ndarray], dict]:
    """Dev's label probabilities per piece, and its exact-span figures once decoded whole."""
    probs = dev_probabilities(net, px, device)
    per_doc: list[list[numpy.ndarray]] = [[] for _ in gold]
    for p, k in zip(probs, owner):
        per_doc[k].append(p)
    guess = [viterbi(numpy.concatenate(ps)) for ps in per_doc]
    return probs, span_scores(gold, guess)


def weights_of(net: Net, layers: int) -> dict[str, numpy.ndarray]:
    """The network as quotes.attribution_model.BiLSTM reads it (matrices as input x output)."""
    # copies: .numpy() shares memory with the parameters, which later epochs go on updating
    # (a kept epoch before the last would be written with the last epoch's biases)
    sd = {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}
    w = {
        "proj_W": sd["proj.weight"].T, "proj_b": sd["proj.bias"],
        "out_W": sd["out.weight"].T, "out_b": sd["out.bias"],
    }
    for k in range(layers):
        for d, suffix in ((0, ""), (1, "_reverse")):
            w[f"lstm{k}_{d}_Wih"] = sd[f"lstm.weight_ih_l{k}{suffix}"].T
            w[f"lstm{k}_{d}_Whh"] = sd[f"lstm.weight_hh_l{k}{suffix}"].T
            w[f"lstm{k}_{d}_b"] = sd[f"lstm.bias_ih_l{k}{suffix}"] + sd[f"lstm.bias_hh_l{k}{suffix}"]
    return {k: numpy.ascontiguousarray(v, dtype="f") for k, v in w.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--features", type=Path, default=ROOT / "models/attribution/features")
    ap.add_argument("--out", type=Path, default=ROOT / "models/attribution/training/bilstm")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument(
        "--schedule", choices=["constant", "cosine"], default="constant",
        help="the learning rate: constant, or falling along a half cosine to 0 at the last step",
    )
    ap.add_argument(
        "--average", type=int, default=0,
        help="also score the mean of the last N epochs' weights on dev; kept if it beats every epoch",
    )
    ap.add_argument("--batch", type=int, default=8, help="pieces per update")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="PyTorch's CPU threads (0: its default)")
    ap.add_argument("--gpu", action="store_true", help="use a GPU when one is present")
    ap.add_argument("--limit", type=int, default=0, help="train on the first N articles only")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if args.gpu and torch.cuda.is_available() else "cpu"
    print(f"device: {device}, threads: {torch.get_num_threads()}", flush=True)
    t0 = time.time()
    X, Y = load(args.features / "train.npz")
    DX, DY = load(args.features / "dev.npz")
    if args.limit:
        X, Y = X[: args.limit], Y[: args.limit]
    PX, PY, _ = pieces(X, Y)
    DPX, _, downer = pieces(DX, DY)
    n_in = X[0].shape[1]
    net = Net(n_in, args.width, args.hidden, args.layers, args.dropout).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss(ignore_index=-1)
    steps = args.epochs * -(-len(PX) // args.batch)
    # a noisy dev curve (the shipped run: mean exact-span F1 0.716 / 0.727 / 0.732 / 0.724 over
    # epochs 5-8) settles when the steps shrink toward the end, or when the last epochs' weights
    # are averaged (one trajectory, so their mean is a network of the same shape; no run-time cost)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: 0.5 * (1 + numpy.cos(numpy.pi * min(k, steps) / steps))
        if args.schedule == "cosine" else 1.0,
    )
    kept_states: list[dict] = []
    best, history = None, []
    args.out.mkdir(parents=True, exist_ok=True)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(PX))
        total = 0.0
        for k in range(0, len(order), args.batch):
            idx = order[k : k + args.batch]
            x, lengths = batch([PX[i] for i in idx], device)
            y = pad_sequence(
                [torch.from_numpy(PY[i]) for i in idx], batch_first=True, padding_value=-1
            ).to(device)
            logits = net(x, lengths)
            loss = loss_fn(logits.reshape(-1, len(LABELS)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            schedule.step()
            total += loss.item() * len(idx)
        probs, scores = dev_scores(net, DPX, downer, DY, device)
        epoch_done(epoch, total / len(PX), scores, t0, history)
        if best is None or scores["mean"] > best["mean"]:
            best, weights, reference = {"epoch": epoch, **scores}, weights_of(net, args.layers), probs[:200]
        if args.average:
            kept_states.append({k: v.detach().clone() for k, v in net.state_dict().items()})
            kept_states = kept_states[-args.average :]
    if len(kept_states) > 1:
        net.load_state_dict(
            {k: torch.stack([s[k] for s in kept_states]).mean(0) for k in kept_states[0]}
        )
        probs, scores = dev_scores(net, DPX, downer, DY, device)
        label = f"mean of epochs {args.epochs - len(kept_states) + 1}-{args.epochs}"
        print(
            f"{label}: dev exact spans source {scores['SOURCE']:.3f} cue {scores['CUE']:.3f} "
            f"content {scores['CONTENT']:.3f}", flush=True,
        )
        history.append({"epoch": label, "loss": None, **scores})
        if scores["mean"] > best["mean"]:
            best, weights, reference = {"epoch": label, **scores}, weights_of(net, args.layers), probs[:200]
    # the pipeline's numpy forward pass against PyTorch's, on dev pieces, for the kept epoch
    ours = BiLSTM(weights, args.layers).probabilities_of(DPX[:200])
    diff = max(float(numpy.abs(a - b).max()) for a, b in zip(ours, reference))
    print(f"numpy forward vs PyTorch on 200 dev pieces: max abs difference {diff:.2e}")
    if diff > 1e-4:
        raise SystemExit("the numpy BiLSTM does not reproduce PyTorch's; nothing written")
    numpy.savez(args.out / "head.npz", **weights)
    settings = {
        "kind": "bilstm",
        "inputs": n_in,
        "width": args.width,
        "hidden": args.hidden,
        "layers": args.layers,
        "dropout": args.dropout,
        "lr": args.lr,
        "schedule": args.schedule,
        "average": args.average,
        "seed": args.seed,
        "numpy_vs_torch": diff,
    }
    write_meta(args.out, settings, best, history, t0)

if __name__ == "__main__":
    main()
