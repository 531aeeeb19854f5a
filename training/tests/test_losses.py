"""Masking and the pretraining losses."""

import torch

from conftest import tiny_model
from rpnt.losses import PretrainHeads, draw_keep_mask, info_nce, masked_poisson_nll, pretrain_loss


def test_mask_ratios_are_exact_per_sample():
    g = torch.Generator().manual_seed(0)
    keep = draw_keep_mask((4, 20, 10), time_ratio=0.25, channel_ratio=0.3, generator=g)
    for b in range(4):
        masked_bins = (keep[b].sum(1) == 0).sum()        # a bin with every channel masked
        masked_chans = (keep[b].sum(0) == 0).sum()
        assert masked_bins == 5 and masked_chans == 3


def test_mask_keeps_at_least_one_bin_and_channel():
    keep = draw_keep_mask((2, 6, 4), time_ratio=0.99, channel_ratio=0.99, generator=torch.Generator())
    assert (keep.sum((1, 2)) > 0).all()


def test_poisson_loss_only_sees_masked_entries():
    g = torch.Generator().manual_seed(0)
    counts = torch.poisson(torch.full((2, 6, 5), 2.0), generator=g)
    log_rate = torch.randn(2, 6, 5, generator=g)
    keep = draw_keep_mask(counts.shape, time_ratio=0.5, channel_ratio=0.4, generator=g)
    base = masked_poisson_nll(log_rate, counts, keep)
    # Changing kept (visible) entries must not change the loss ...
    changed_kept = masked_poisson_nll(log_rate + 3.0 * keep, counts + 7.0 * keep, keep)
    assert torch.equal(base, changed_kept)
    # ... changing masked entries must.
    assert not torch.allclose(base, masked_poisson_nll(log_rate + (1 - keep), counts, keep))
    # And it is the Poisson NLL (without log y!) averaged over the masked entries.
    m = keep == 0
    expected = (log_rate.exp() - counts * log_rate)[m].mean()
    assert torch.allclose(base, expected)


def test_info_nce_prefers_matching_views():
    torch.manual_seed(0)
    z = torch.randn(8, 16)
    aligned = info_nce(z, z + 0.01 * torch.randn(8, 16), 0.1)
    shuffled = info_nce(z, z[torch.randperm(8)], 0.1)
    assert aligned < shuffled


def test_invariance_gradient_is_reversed_for_the_encoder():
    heads = PretrainHeads(d_model=8, n_channels=4, n_domains=3)
    pooled = torch.randn(5, 8, requires_grad=True)
    labels = torch.tensor([0, 1, 2, 0, 1])
    torch.nn.functional.cross_entropy(heads.domain_logits(pooled), labels).backward()
    g_reversed = pooled.grad.clone()
    pooled.grad = None
    torch.nn.functional.cross_entropy(heads.domain(pooled), labels).backward()
    assert torch.allclose(g_reversed, -pooled.grad)


def test_pretrain_loss_backward_reaches_the_encoder():
    model = tiny_model().train()
    heads = PretrainHeads(d_model=32, n_channels=8, n_domains=2)
    counts = torch.poisson(torch.full((4, 12, 8), 1.5))
    loss, parts = pretrain_loss(model, heads, counts, torch.zeros(4, 5), torch.tensor([0, 1, 0, 1]),
                                time_ratio=0.3, channel_ratio=0.3,
                                weights={"poisson": 1.0, "contrastive": 0.1, "invariance": 0.1},
                                temperature=0.1, generator=torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and set(parts) == {"poisson", "contrastive", "invariance"}
    assert model.input_proj.weight.grad.abs().sum() > 0
    assert model.readout[0].weight.grad is None   # the readout plays no part in pretraining
