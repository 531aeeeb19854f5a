"""Shapes, the in-graph count transform, batch independence."""

import torch

from conftest import tiny_model


def test_output_shapes():
    model = tiny_model(n_channels=8, n_outputs=3)
    assert model(torch.zeros(4, 12, 8), torch.zeros(4, 5)).shape == (4, 12, 3)
    assert model(torch.zeros(2, 3, 12, 8), torch.zeros(2, 3, 5)).shape == (2, 12, 3)   # 3 sites
    assert model.predict_normalised(torch.zeros(4, 12, 8), torch.zeros(4, 5)).shape == (4, 12, 3)


def test_rows_of_a_batch_are_independent():
    model = tiny_model()
    x = torch.poisson(torch.full((3, 12, 8), 2.0))
    ctx = torch.zeros(3, 5)
    with torch.no_grad():
        full = model(x, ctx)
        one = model(x[1:2], ctx[1:2])
    assert torch.allclose(full[1:2], one, atol=1e-6)


def test_count_transform_and_output_scaling_live_in_the_model():
    model = tiny_model()
    counts = torch.poisson(torch.full((500, 8), 3.0))
    targets = torch.randn(500, 2) * 0.1 + 0.05
    model.set_normalisation(counts=counts, targets=targets)
    assert torch.allclose(model.count_mean, counts.sqrt().mean(0))
    x = torch.poisson(torch.full((2, 12, 8), 3.0))
    with torch.no_grad():
        y = model(x, torch.zeros(2, 5))
        yn = model.predict_normalised(x, torch.zeros(2, 5))
    assert torch.allclose(y, yn * model.target_std + model.target_mean)
    # Silent channels get a floor on their std instead of a division by ~0.
    model.set_normalisation(counts=torch.zeros(10, 8), targets=targets[:10])
    assert (model.count_std >= 0.1).all()
