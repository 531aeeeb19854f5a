"""Strict causality: perturbing bin t leaves every output before t unchanged, bit for bit."""

import pytest
import torch

from conftest import tiny_model
from rpnt.model import ContextAttention


def _perturbed(x: torch.Tensor, t: int, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    y = x.clone()
    y[..., t:t + 1, :] = torch.poisson(torch.full_like(y[..., t:t + 1, :], 3.0), generator=g)
    y[..., t, 0] += 5.0  # make sure the bin really differs
    return y


@pytest.mark.parametrize("t", [1, 5, 11])
@pytest.mark.parametrize("variant", [{}, {"context_attention": False}, {"mrope_enabled": False}])
def test_outputs_before_t_unchanged_bit_for_bit(t, variant):
    model = tiny_model(**variant)
    g = torch.Generator().manual_seed(0)
    x = torch.poisson(torch.full((3, 12, 8), 1.5), generator=g)
    ctx = torch.zeros(3, 5)
    with torch.no_grad():
        y0 = model(x, ctx)
        y1 = model(_perturbed(x, t), ctx)
    assert torch.equal(y0[:, :t], y1[:, :t]), "an output before the perturbed bin changed"
    assert not torch.equal(y0[:, t:], y1[:, t:]), "the perturbation had no effect at all (test would be vacuous)"


def test_causal_with_several_sites():
    model = tiny_model()
    g = torch.Generator().manual_seed(0)
    x = torch.poisson(torch.full((2, 3, 12, 8), 1.5), generator=g)      # [B, S, T, N]
    ctx = torch.tensor([[[0, 0, 0, 0.0, 0.0], [0, 0, 0, 1.0, 0.5], [0, 0, 0, -2.0, 1.0]]]).expand(2, -1, -1)
    t = 6
    y = x.clone()
    y[:, 1, t:] += 4.0   # one site only
    with torch.no_grad():
        y0, y1 = model(x, ctx), model(y, ctx)
    assert torch.equal(y0[:, :t], y1[:, :t])
    assert not torch.equal(y0[:, t:], y1[:, t:])


def test_context_pooling_and_kernel_are_causal_per_row():
    attn = ContextAttention(d_model=16, heads=2, kernel_size=(3, 3)).eval()
    torch.manual_seed(0)
    # Kernel logits spread over all taps so that every tap matters.
    torch.nn.init.normal_(attn.kernel_gen[-1].weight, std=1.0)
    x = torch.randn(2, 10, 16)
    x2 = x.clone()
    x2[:, 7:] = torch.randn(2, 3, 16)
    with torch.no_grad():
        a, b = attn(x, None, None), attn(x2, None, None)
    assert torch.equal(a[:, :7], b[:, :7])


def test_the_check_catches_a_leak(monkeypatch):
    """Pool the context over the whole window, as the reference code did: the same check must fail."""
    def leaky(self, x, future):
        e = self.ctx_embed(x)
        w = torch.softmax(self.ctx_score(e).squeeze(-1), dim=-1)             # over all bins, future included
        return (w.unsqueeze(-1) * e).sum(1, keepdim=True).expand_as(e)

    monkeypatch.setattr(ContextAttention, "causal_context", leaky)
    model = tiny_model()
    x = torch.poisson(torch.full((2, 12, 8), 1.5), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        y0, y1 = model(x, torch.zeros(2, 5)), model(_perturbed(x, 8), torch.zeros(2, 5))
    assert not torch.equal(y0[:, :8], y1[:, :8])
