"""Two-step training smoke runs through the command line on generated data, then export and ONNX parity."""

import json
import os
import shutil
import subprocess

import numpy as np
import onnx
import pytest
import torch

from rpnt.__main__ import main
from rpnt.data import REPO_ROOT, sha256_file, synthetic_dataset, write_dataset

TARGETS = ["hand_vel_x_m_per_s", "hand_vel_y_m_per_s"]
TINY = ["--set", "model.d_model=32", "--set", "model.layers=2", "--set", "model.heads=2", "--set",
        "model.mrope.pairs={time: 3, session: 1, subject: 1, task: 1, site_x: 1, site_y: 1}",
        "--set", "data.window_bins=12", "--set", "data.pseudo_sessions=2"]
# 600 bins -> 420 training bins; stride 40 gives 11 windows; batch 6 -> two optimiser steps per epoch.
STEPS = ["--set", "pretrain.epochs=1", "--set", "pretrain.stride=40", "--set", "pretrain.batch_size=6",
         "--set", "finetune.epochs=1", "--set", "finetune.stride=40", "--set", "finetune.batch_size=6",
         "--set", "pretrain.threads=1", "--set", "finetune.threads=1"]
ORT = os.path.join(REPO_ROOT, "node_modules", "onnxruntime-node")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    data_dir = str(root / "data")
    write_dataset(data_dir, synthetic_dataset(n_bins=600, n_units=10), columns=TARGETS)
    common = ["--dataset", data_dir] + TINY + STEPS
    assert main(["pretrain", "--out", str(root / "pre")] + common) == 0
    assert main(["finetune", "--regime", "full", "--init", str(root / "pre" / "checkpoint.pt"),
                 "--out", str(root / "full")] + common) == 0
    assert main(["export", "--checkpoint", str(root / "full" / "checkpoint.pt"), "--out-dir", str(root / "models"),
                 "--name", "tiny", "--dataset", data_dir]) == 0
    return root


def test_two_step_training_changes_weights_and_records_metrics(runs):
    pre = torch.load(runs / "pre" / "checkpoint.pt")
    full = torch.load(runs / "full" / "checkpoint.pt")
    assert full["metrics"]["regime"] == "full" and len(full["metrics"]["history"]) == 1
    changed = [k for k in full["state_dict"]
               if k.startswith("blocks") and not torch.equal(full["state_dict"][k], pre["state_dict"][k])]
    assert changed, "fine-tuning did not change any encoder weight"
    assert np.isfinite(full["metrics"]["test"]["mean"])


def test_few_shot_trains_only_the_head_and_last_block(runs):
    data_dir = str(runs / "data")
    out = runs / "fs"
    assert main(["finetune", "--regime", "few-shot", "--fraction", "0.5", "--init",
                 str(runs / "pre" / "checkpoint.pt"), "--out", str(out), "--dataset", data_dir] + TINY + STEPS) == 0
    pre = torch.load(runs / "pre" / "checkpoint.pt")["state_dict"]
    fs = torch.load(out / "checkpoint.pt")
    assert fs["metrics"]["train_bins"] == [0, 210]
    for k, v in fs["state_dict"].items():
        frozen = k.startswith("blocks.0.") or k.startswith("input_proj") or k.startswith("context_proj")
        if frozen:
            assert torch.equal(v, pre[k]), f"{k} changed in few-shot fine-tuning"
    assert not torch.equal(fs["state_dict"]["blocks.1.ffn.0.weight"], pre["blocks.1.ffn.0.weight"])


def test_evaluate_prints_last_bin_r2_json(runs, capsys):
    main(["evaluate", "--checkpoint", str(runs / "full" / "checkpoint.pt"), "--dataset", str(runs / "data")])
    res = json.loads(capsys.readouterr().out)
    assert res["evaluated_on"] == "last bin of each window"
    assert set(res["test"]) >= {"x", "y", "mean"} and res["test"]["windows"] == 120


def test_export_contract(runs):
    models = runs / "models"
    card = json.load(open(models / "tiny.json"))
    assert card["onnx_sha256"] == sha256_file(str(models / "tiny.onnx"))
    for key in ("name", "version", "bin_ms", "window_bins", "channels", "context", "outputs", "onnx_sha256",
                "training", "test_r2", "architecture"):
        assert key in card, key
    assert card["window_bins"] == 12 and card["channels"] == 10 and card["opset"] == 17
    assert len(card["context"]["values"]) == len(card["context"]["names"]) == 5
    m = onnx.load(str(models / "tiny.onnx"))
    assert m.opset_import[0].version == 17
    ins = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in m.graph.input}
    assert ins == {"spikes": ["batch", 12, 10], "context": ["batch", 5]}
    out = m.graph.output[0]
    assert out.name == "kinematics"
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch", 12, 2]
    golden = json.load(open(models / "tiny.golden.json"))
    assert golden["spikes_shape"] == [2, 12, 10] and golden["kinematics_shape"] == [2, 12, 2]


@pytest.mark.skipif(shutil.which("node") is None or not os.path.isdir(ORT),
                    reason="node or node_modules/onnxruntime-node not installed (npm ci at the repo root)")
def test_onnxruntime_matches_torch(runs):
    script = (
        "const ort=require(process.argv[1]);const fs=require('fs');"
        "(async()=>{const g=JSON.parse(fs.readFileSync(process.argv[3]));"
        "const s=await ort.InferenceSession.create(process.argv[2]);"
        "const o=(await s.run({spikes:new ort.Tensor('float32',Float32Array.from(g.spikes),g.spikes_shape),"
        "context:new ort.Tensor('float32',Float32Array.from(g.context),g.context_shape)})).kinematics;"
        "let m=0;for(let i=0;i<o.data.length;i++)m=Math.max(m,Math.abs(o.data[i]-g.kinematics[i]));"
        "console.log(m);})().catch(e=>{console.error(e);process.exit(1)});")
    res = subprocess.run(["node", "-e", script, ORT, str(runs / "models" / "tiny.onnx"),
                          str(runs / "models" / "tiny.golden.json")], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert float(res.stdout.strip()) <= 1e-4


def test_seeded_runs_reproduce_exactly(runs, tmp_path):
    """The same command twice gives identical weights (seeded data order, masks, initialisation)."""
    data_dir = str(runs / "data")
    for name in ("a", "b"):
        assert main(["finetune", "--regime", "scratch", "--out", str(tmp_path / name), "--dataset", data_dir]
                    + TINY + STEPS) == 0
    a = torch.load(tmp_path / "a" / "checkpoint.pt")["state_dict"]
    b = torch.load(tmp_path / "b" / "checkpoint.pt")["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)
