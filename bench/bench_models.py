"""Untrained RPNT models for the benches, built from training/ and exported to ONNX with a model card.

Weights do not change the timing, so random initialisation is fine; the architecture comes from
training/configs/rpnt-m1.yaml with d_model / layers / heads overridden. Also used by python_peer.py to build the
same architecture in PyTorch eager.

    python3 bench/bench_models.py --out bench/models name:N:T:bin_ms:d_model:layers:heads ...
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "training"))

import torch  # noqa: E402

from rpnt.config import load_config  # noqa: E402
from rpnt.model import CONTEXT_NAMES, build_model  # noqa: E402

OPSET = 17


def model_config(d_model: int, layers: int, heads: int) -> dict:
    """The shipped config's `model` section with the requested sizes. MRoPE pairs must sum to head_dim / 2: the
    time axis takes what the metadata axes leave."""
    cfg = copy.deepcopy(load_config())
    m = cfg["model"]
    m["d_model"], m["layers"], m["heads"] = d_model, layers, heads
    pairs = dict(m["mrope"]["pairs"])
    meta = sum(v for k, v in pairs.items() if k != "time")
    pairs["time"] = d_model // heads // 2 - meta
    if pairs["time"] < 1:
        raise ValueError(f"d_model {d_model} / heads {heads} leaves no rotary pairs for time")
    m["mrope"]["pairs"] = pairs
    return cfg


def build(channels: int, d_model: int, layers: int, heads: int, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_model(model_config(d_model, layers, heads), n_channels=channels, n_outputs=2)
    return model.eval()


def export(name: str, channels: int, window: int, bin_ms: float, d_model: int, layers: int, heads: int, out: str) -> str:
    from rpnt.export import export_onnx

    os.makedirs(out, exist_ok=True)
    onnx_path = os.path.join(out, f"{name}.onnx")
    model = build(channels, d_model, layers, heads)
    export_onnx(model, onnx_path, window=window)
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": name, "version": "0.0.0-bench", "created": "bench", "onnx": os.path.basename(onnx_path),
        "onnx_sha256": sha, "opset": OPSET, "bin_ms": bin_ms, "window_bins": window, "channels": channels,
        "inputs": {"spikes": {"shape": ["batch", window, channels], "dtype": "float32"},
                   "context": {"shape": ["batch", len(CONTEXT_NAMES)], "dtype": "float32"}},
        "context": {"names": CONTEXT_NAMES, "values": [0.0] * len(CONTEXT_NAMES)},
        "outputs": {"name": "kinematics", "shape": ["batch", window, 2], "names": ["hand_vel_x", "hand_vel_y"],
                    "units": ["m/s", "m/s"]},
        "training": {"note": "UNTRAINED: random weights, for timing benches only (bench/bench_models.py)"},
        "test_r2": {"x": 0.0, "y": 0.0, "mean": 0.0, "evaluated_on": "not evaluated: untrained bench model"},
        "architecture": {"d_model": d_model, "layers": layers, "heads": heads,
                         "parameters": int(sum(p.numel() for p in model.parameters()))},
    }
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(card, f, indent=2)
    return onnx_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("specs", nargs="+", help="name:N:T:bin_ms:d_model:layers:heads")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for spec in args.specs:
        name, n, t, b, d, l, h = spec.split(":")
        path = export(name, int(n), int(t), float(b), int(d), int(l), int(h), args.out)
        print(f"exported {path}", flush=True)


if __name__ == "__main__":
    main()
