"""Baselines run in the same harness on generated data and learn the generated velocity."""

import json
import os

import pytest

from conftest import tiny_config
from rpnt.baselines import run_baseline
from rpnt.data import REPO_ROOT, sha256_file, synthetic_dataset
from rpnt.train import Data


@pytest.fixture(scope="module")
def data():
    cfg = tiny_config()
    return cfg, Data(synthetic_dataset(n_bins=800, n_units=12), cfg)


@pytest.mark.parametrize("name", ["ridge", "kalman"])
def test_linear_baselines_fit_generated_data(data, name):
    cfg, d = data
    cfg["baselines"]["ridge"]["history"] = [1, 4]
    cfg["baselines"]["kalman"]["lags"] = [0, 1]
    res = run_baseline(name, cfg, d)
    assert res["evaluated_on"] == "last bin of each window"
    assert res["test"]["mean"] > 0.3, res["test"]


def test_gru_baseline_two_epochs(data):
    cfg, d = data
    cfg["baselines"]["gru"].update({"hidden": 16, "epochs": 2, "stride": 8})
    res = run_baseline("gru", cfg, d)
    assert len(res["history"]) == 2 and set(res["test"]) >= {"x", "y", "mean"}


CARD = os.path.join(REPO_ROOT, "models", "rpnt-m1-stevenson2011.json")


@pytest.mark.skipif(not os.path.isfile(CARD), reason="no shipped model in models/ yet (run rpnt export)")
def test_shipped_card_matches_its_onnx():
    card = json.load(open(CARD))
    onnx_path = os.path.join(os.path.dirname(CARD), card["onnx"])
    assert card["onnx_sha256"] == sha256_file(onnx_path)
    assert card["window_bins"] == 20 and card["channels"] == 171 and card["bin_ms"] == 50.0
    assert card["outputs"]["names"] == ["hand_vel_x", "hand_vel_y"] and card["outputs"]["units"] == ["m/s", "m/s"]
    assert card["test_r2"]["evaluated_on"] == "last bin of each window"
    assert os.path.getsize(os.path.join(os.path.dirname(CARD), "rpnt-m1-stevenson2011.golden.json")) < 200_000
