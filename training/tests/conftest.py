import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
torch.set_num_threads(1)

from rpnt.config import load_config  # noqa: E402
from rpnt.model import build_model  # noqa: E402


def tiny_config(**model_overrides) -> dict:
    """The shipped config shrunk to a model that runs in milliseconds."""
    cfg = load_config(None, [])
    cfg["model"].update({"d_model": 32, "layers": 2, "heads": 2, "ffn_mult": 2, "dropout": 0.0,
                         "mrope": {"pairs": {"time": 3, "session": 1, "subject": 1, "task": 1, "site_x": 1,
                                             "site_y": 1},
                                   "bases": cfg["model"]["mrope"]["bases"],
                                   "scales": cfg["model"]["mrope"]["scales"]}})
    cfg["model"].update(model_overrides)
    cfg["data"]["window_bins"] = 12
    return cfg


def tiny_model(n_channels=8, n_outputs=2, seed=0, **model_overrides):
    torch.manual_seed(seed)
    return build_model(tiny_config(**model_overrides), n_channels=n_channels, n_outputs=n_outputs).eval()


@pytest.fixture
def cfg():
    return tiny_config()
