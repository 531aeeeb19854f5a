"""Self-supervised pretraining: masking, masked Poisson NLL, contrastive and invariance terms."""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def draw_keep_mask(shape, *, time_ratio: float, channel_ratio: float, generator: torch.Generator) -> torch.Tensor:
    """keep mask [B, T, N] of 0/1: per sample, round(T*time_ratio) random bins and round(N*channel_ratio) random
    channels are masked (0). The ratios are drawn once per batch by the caller; at least one bin and one channel
    stay visible."""
    b, t, n = shape
    k_t = min(max(int(round(t * time_ratio)), 0), t - 1)
    k_n = min(max(int(round(n * channel_ratio)), 0), n - 1)
    bins_masked = torch.rand(b, t, generator=generator).argsort(-1).argsort(-1) < k_t      # [B, T]
    chans_masked = torch.rand(b, n, generator=generator).argsort(-1).argsort(-1) < k_n     # [B, N]
    masked = bins_masked.unsqueeze(2) | chans_masked.unsqueeze(1)
    return (~masked).float()


def masked_poisson_nll(log_rate: torch.Tensor, counts: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Mean Poisson NLL (rate - y log rate, constant log y! dropped) over the masked entries (keep == 0) only.

    log_rate, counts, keep: [B, T, N]."""
    nll = torch.exp(log_rate) - counts * log_rate
    masked = 1.0 - keep
    return (nll * masked).sum() / masked.sum().clamp_min(1.0)


def info_nce(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric InfoNCE between two views; positives are the same window (row i of z1 and of z2). z: [B, E]."""
    z1, z2 = F.normalize(z1, dim=-1), F.normalize(z2, dim=-1)
    logits = z1 @ z2.t() / temperature
    labels = torch.arange(z1.shape[0], device=z1.device)
    return 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels))


class _GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class PretrainHeads(nn.Module):
    """Training-only heads on top of the encoder (not exported).

    recon: Linear(d_model -> N) log firing rate per channel and bin (Poisson NLL on masked entries).
    project: MLP to a contrastive embedding of the time-averaged representation.
    domain: session/site classifier behind a gradient-reversal layer. The classifier learns to tell sessions
        apart, the reversed gradient trains the encoder to make them indistinguishable: invariance, not
        discrimination.
    """

    def __init__(self, *, d_model: int, n_channels: int, n_domains: int, embed_dim: int = 64):
        super().__init__()
        self.recon = nn.Linear(d_model, n_channels)
        self.project = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, embed_dim))
        self.domain = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, n_domains))

    def domain_logits(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.domain(_GradReverse.apply(pooled))


def pretrain_loss(model, heads: PretrainHeads, counts: torch.Tensor, context: torch.Tensor, domains: torch.Tensor,
                  *, time_ratio: float, channel_ratio: float, weights: dict, temperature: float,
                  generator: torch.Generator) -> tuple[torch.Tensor, dict]:
    """counts: [B, T, N] raw; context: [B, C]; domains: [B] long (pseudo-session of each window).

    Two independently masked views of every window: Poisson NLL on each view's masked entries, InfoNCE between
    the views, and the reversed-gradient domain loss on both."""
    shape = counts.shape
    keep1 = draw_keep_mask(shape, time_ratio=time_ratio, channel_ratio=channel_ratio, generator=generator)
    keep2 = draw_keep_mask(shape, time_ratio=time_ratio, channel_ratio=channel_ratio, generator=generator)
    both = torch.cat([counts, counts]).unsqueeze(1)
    keep = torch.cat([keep1, keep2]).unsqueeze(1)
    h = model.encode(both, torch.cat([context, context]).unsqueeze(1), keep)[:, 0]      # [2B, T, D]
    rec = masked_poisson_nll(heads.recon(h), both[:, 0], keep[:, 0])
    pooled = h.mean(1)
    z = heads.project(pooled)
    con = info_nce(z[: shape[0]], z[shape[0]:], temperature)
    inv = F.cross_entropy(heads.domain_logits(pooled), torch.cat([domains, domains]))
    total = weights["poisson"] * rec + weights["contrastive"] * con + weights["invariance"] * inv
    return total, {"poisson": float(rec), "contrastive": float(con), "invariance": float(inv)}
