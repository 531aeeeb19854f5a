"""Export a fine-tuned checkpoint: ONNX (opset 17), model card JSON and golden input/output for parity tests."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
from torch import nn

from . import __version__
from .data import evaluation_windows, sha256_file
from .model import CONTEXT_NAMES, RPNT
from .train import Data, evaluate_split, load_model

OPSET = 17


class ExportWrapper(nn.Module):
    """The daemon's contract: spikes [B, T, N] raw counts, context [B, C] -> kinematics [B, T, D]."""

    def __init__(self, model: RPNT):
        super().__init__()
        self.model = model

    def forward(self, spikes: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.model(spikes, context)


def export_onnx(model: RPNT, path: str, *, window: int, context_dim: int = len(CONTEXT_NAMES)) -> None:
    model.eval()
    spikes = torch.zeros(2, window, model.n_channels)
    context = torch.zeros(2, context_dim)
    # The wrapper must be in eval mode too, or dropout is traced into the graph.
    wrapper = ExportWrapper(model).eval()
    torch.onnx.export(wrapper, (spikes, context), path, opset_version=OPSET,
                      input_names=["spikes", "context"], output_names=["kinematics"],
                      dynamic_axes={"spikes": {0: "batch"}, "context": {0: "batch"}, "kinematics": {0: "batch"}},
                      do_constant_folding=True)
    import onnx
    onnx.checker.check_model(onnx.load(path))


def _pretrain_seconds(init: str | None):
    """Pretraining time of the checkpoint a fine-tuned model started from (None when unknown)."""
    if not init or not os.path.isfile(init):
        return None
    return torch.load(init, map_location="cpu").get("metrics", {}).get("train_seconds")


def _round(a: np.ndarray) -> list:
    return [float(v) for v in a.reshape(-1)]


def export_model(checkpoint: str, data: Data, *, out_dir: str, name: str | None = None, command: str = "") -> dict:
    """Write <name>.onnx, <name>.json (model card) and <name>.golden.json into out_dir."""
    torch.set_num_threads(2)
    model, ckpt = load_model(checkpoint)
    cfg = ckpt["config"]
    name = name or cfg["name"]
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    window = int(cfg["data"]["window_bins"])
    export_onnx(model, onnx_path, window=window)

    # Golden: two real test-split windows (the first and one from the middle), PyTorch's output as expected.
    test_ends = evaluation_windows(*data.split.test, window=window)
    ends = np.array([test_ends[window], test_ends[len(test_ends) // 2]])
    spikes, context, _ = data.windows(ends)
    with torch.no_grad():
        kin = model(spikes, context)
    golden = {"spikes_shape": list(spikes.shape), "spikes": _round(spikes.numpy()),
              "context_shape": list(context.shape), "context": _round(context.numpy()),
              "kinematics_shape": list(kin.shape), "kinematics": _round(kin.numpy()),
              "window_end_bins": [int(e) for e in ends]}
    with open(os.path.join(out_dir, f"{name}.golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))

    test = evaluate_split(model, data, "test")
    val = evaluate_split(model, data, "val")
    metrics = ckpt.get("metrics", {})
    m = cfg["model"]
    card = {
        "name": name,
        "version": __version__,
        "created": time.strftime("%Y-%m-%d"),
        "onnx": os.path.basename(onnx_path),
        "onnx_sha256": sha256_file(onnx_path),
        "opset": OPSET,
        "bin_ms": data.ds.bin_ms,
        "window_bins": window,
        "channels": int(model.n_channels),
        "inputs": {
            "spikes": {"shape": ["batch", window, int(model.n_channels)], "dtype": "float32",
                       "meaning": "raw spike counts per bin and channel, oldest bin first, last bin = newest; "
                                  "the count transform (sqrt, per-channel z-score) is inside the graph"},
            "context": {"shape": ["batch", len(CONTEXT_NAMES)], "dtype": "float32",
                        "meaning": "MRoPE metadata, in the order of context.names; feed context.values"},
        },
        "context": {"names": CONTEXT_NAMES, "values": [float(v) for v in cfg["data"]["context"]]},
        "outputs": {"name": "kinematics", "shape": ["batch", window, len(cfg["data"]["output_names"])],
                    "names": cfg["data"]["output_names"], "units": cfg["data"]["output_units"],
                    "serve": "the last bin (index window_bins - 1) is the causal estimate for the newest bin"},
        "training": {
            "dataset": data.ds.name,
            "dataset_files_sha256": data.ds.sha256,
            "targets": cfg["data"]["targets"],
            "split": {"kind": "chronological", "train": cfg["data"]["split"]["train"],
                      "val": cfg["data"]["split"]["val"],
                      "test": round(1.0 - cfg["data"]["split"]["train"] - cfg["data"]["split"]["val"], 6),
                      "bins": {"train": list(data.split.train), "val": list(data.split.val),
                               "test": list(data.split.test)}},
            "regime": metrics.get("regime"),
            "pretrained_from": metrics.get("init"),
            "seed": cfg["seed"],
            "command": command,
            "train_seconds": metrics.get("train_seconds"),
            "pretrain_seconds": _pretrain_seconds(metrics.get("init")),
        },
        "test_r2": {"x": test["x"], "y": test["y"], "mean": test["mean"], "windows": test["windows"],
                    "evaluated_on": "last bin of each window"},
        "val_r2": {"x": val["x"], "y": val["y"], "mean": val["mean"]},
        "architecture": {"d_model": m["d_model"], "layers": m["layers"], "heads": m["heads"],
                         "ffn_mult": m["ffn_mult"], "kernel_size": m["kernel_size"],
                         "context_attention": m["context_attention"], "mrope": m["mrope_enabled"],
                         "mrope_pairs": m["mrope"]["pairs"], "context_embedding": m["context_embedding"],
                         "parameters": int(sum(p.numel() for p in model.parameters())),
                         "causal": "strict: output at bin t depends only on bins <= t"},
        "count_transform": "z = (sqrt(counts) - mean) / std per channel, training-split statistics, in the graph",
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return {"onnx": onnx_path, "onnx_sha256": card["onnx_sha256"], "test_r2": card["test_r2"],
            "golden": os.path.join(out_dir, f"{name}.golden.json")}
