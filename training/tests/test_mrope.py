"""MRoPE: every axis rotates queries and keys, only differences of coordinates matter."""

import pytest
import torch

from conftest import tiny_model
from rpnt.model import MROPE_AXES, MRoPE

PAIRS = {"time": 6, "session": 2, "subject": 2, "task": 2, "site_x": 2, "site_y": 2}


def _rope():
    return MRoPE(head_dim=32, pairs=PAIRS, bases={"time": 100.0}, scales={})


def _scores(rope, q, k, coords):
    """q, k: [L, h]; coords: [L, A] -> [L, L] scores after rotation."""
    cos, sin = rope.angles(coords)
    return MRoPE.rotate(q, cos, sin) @ MRoPE.rotate(k, cos, sin).t()


@pytest.mark.parametrize("axis", MROPE_AXES)
def test_each_axis_changes_scores_when_its_value_differs(axis):
    rope = _rope()
    torch.manual_seed(0)
    q, k = torch.randn(2, 32), torch.randn(2, 32)
    base = torch.tensor([[3.0, 1, 2, 0, 0.5, -0.5], [3.0, 1, 2, 0, 0.5, -0.5]])
    same = _scores(rope, q, k, base)
    diff = base.clone()
    diff[1, MROPE_AXES.index(axis)] += 1.0           # token 1 differs from token 0 on this axis only
    changed = _scores(rope, q, k, diff)
    assert (changed[0, 1] - same[0, 1]).abs() > 1e-3, f"axis {axis} does not change the cross-token score"
    # Identical coordinates everywhere: the rotation is invisible (scores equal the unrotated ones).
    assert torch.allclose(same, q @ k.t(), atol=1e-5)


def test_only_relative_time_matters():
    rope = _rope()
    torch.manual_seed(1)
    q, k = torch.randn(7, 32), torch.randn(7, 32)
    coords = torch.zeros(7, len(MROPE_AXES))
    coords[:, 0] = torch.arange(7.0)
    shifted = coords.clone()
    shifted[:, 0] += 13.0
    a, b = _scores(rope, q, k, coords), _scores(rope, q, k, shifted)
    assert torch.allclose(a, b, atol=1e-4)
    assert not torch.allclose(a, q @ k.t(), atol=1e-3)   # time does rotate


def test_pairs_must_fill_the_head():
    with pytest.raises(ValueError, match="head_dim/2"):
        MRoPE(head_dim=32, pairs={"time": 4}, bases={})


def test_metadata_invisible_in_single_site_temporal_attention():
    """With one site, every token of the temporal attention shares its metadata, so changing it moves nothing
    (context embedding off, so MRoPE is the only path)."""
    model = tiny_model(context_embedding=False)
    x = torch.poisson(torch.full((2, 12, 8), 1.5), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a = model(x, torch.zeros(2, 5))
        b = model(x, torch.tensor([[3.0, 1.0, 2.0, 4.0, -1.0]]).expand(2, -1))
    assert torch.allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("axis", ["session", "subject", "task", "site_x", "site_y"])
def test_metadata_axes_act_across_sites(axis):
    """Several sites in one bin attend to each other: an axis whose value differs between sites changes the
    output, through MRoPE alone (context embedding off)."""
    model = tiny_model(context_embedding=False)
    x = torch.poisson(torch.full((1, 3, 12, 8), 1.5), generator=torch.Generator().manual_seed(0))
    ctx = torch.zeros(1, 3, 5)
    ctx2 = ctx.clone()
    ctx2[0, 1, MROPE_AXES.index(axis) - 1] = 2.0          # site 1 differs from sites 0 and 2 on this axis
    with torch.no_grad():
        a, b = model(x, ctx), model(x, ctx2)
    assert (a - b).abs().max() > 1e-5, f"axis {axis} has no effect across sites"
    # Shifting the axis for all sites at once is invisible: only differences between tokens matter.
    ctx3 = ctx.clone()
    ctx3[0, :, MROPE_AXES.index(axis) - 1] = 2.0
    with torch.no_grad():
        c = model(x, ctx3)
    assert torch.allclose(a, c, atol=1e-5)
