"""Baselines in the same harness and splits: ridge (Wiener filter on a history of bins), Kalman filter, GRU.

All are scored like RPNT: R^2 per output at the last bin of each window (i.e. at every bin of the split, using
only bins up to it)."""

from __future__ import annotations

import os
import time

import numpy as np
import torch
from torch import nn

from .data import evaluation_windows, r2_score, training_windows
from .train import Data, evaluate_split, fit_supervised, log, seed_everything


def _history_features(z: np.ndarray, ends: np.ndarray, history: int) -> np.ndarray:
    """z: [n_bins, N] -> [len(ends), history*N], bins ends-history+1..ends."""
    idx = ends[:, None] + np.arange(-history + 1, 1)[None, :]
    return z[idx].reshape(len(ends), -1)


def _scores(y: np.ndarray, pred: np.ndarray) -> dict:
    r2 = r2_score(y, pred)
    return {"x": float(r2[0]), "y": float(r2[1]), "mean": float(r2.mean()), "windows": int(len(y))}


def ridge(cfg: dict, data: Data) -> dict:
    """Linear decoder on sqrt counts of the last `history` bins; history and penalty chosen on validation."""
    z = np.sqrt(data.counts.numpy().astype(np.float64))
    y = data.targets.numpy().astype(np.float64)
    a, b = data.split.train
    best = None
    for h in cfg["baselines"]["ridge"]["history"]:
        tr = training_windows(a, b, window=h, stride=1)
        X = _history_features(z, tr, h)
        mu, ymu = X.mean(0), y[tr].mean(0)
        Xc = X - mu
        gram, xty = Xc.T @ Xc, Xc.T @ (y[tr] - ymu)
        va = evaluation_windows(*data.split.val, window=h)
        Xv = _history_features(z, va, h) - mu
        for alpha in cfg["baselines"]["ridge"]["alphas"]:
            w = np.linalg.solve(gram + alpha * np.eye(len(gram)), xty)
            r2v = r2_score(y[va], Xv @ w + ymu).mean()
            if best is None or r2v > best[0]:
                best = (r2v, h, alpha, w, mu, ymu)
    r2v, h, alpha, w, mu, ymu = best
    te = evaluation_windows(*data.split.test, window=h)
    pred = (_history_features(z, te, h) - mu) @ w + ymu
    return {"model": "ridge", "history_bins": h, "alpha": alpha, "val_mean": float(r2v),
            "test": _scores(y[te], pred)}


def kalman_filter(z: np.ndarray, A, W, H, Q, x0, P0, c) -> np.ndarray:
    """Run a Kalman filter over all observations z: [n, N] -> filtered states [n, S]."""
    n = len(z)
    x, P = x0.copy(), P0.copy()
    out = np.zeros((n, len(x0)))
    for t in range(n):
        x = A @ x
        P = A @ P @ A.T + W
        S = H @ P @ H.T + Q
        K = np.linalg.solve(S, H @ P).T          # P H^T S^-1, S and P symmetric
        x = x + K @ (z[t] - c - H @ x)
        P = P - K @ H @ P
        out[t] = x
    return out


def _kalman_states(cfg: dict, data: Data) -> tuple[np.ndarray, list[str]]:
    """State trajectory [n_bins, S] for the Kalman filter: the targets (velocity), plus position read from the
    dataset's `baselines.kalman.position_columns` when present, plus acceleration (difference of the targets
    per bin), as in the classic Wu et al. (2003) decoder. The decoded outputs are the target entries."""
    y = data.targets.numpy().astype(np.float64)
    parts, names = [y], list(data.ds.target_names)
    pos_cols = cfg["baselines"]["kalman"].get("position_columns") or []
    if pos_cols and os.path.isdir(data.ds.path):
        from .data import DatasetError, load_dataset
        try:
            pos = load_dataset(data.ds.path, targets=pos_cols, verify_sha256=False).targets.astype(np.float64)
            parts.append(pos)
            names += pos_cols
        except DatasetError as err:
            log(f"kalman: no position in the state ({err}); set baselines.kalman.position_columns to [] to silence")
    if cfg["baselines"]["kalman"].get("acceleration", True):
        acc = np.zeros_like(y)
        acc[1:] = y[1:] - y[:-1]
        parts.append(acc)
        names += [f"d_{n}" for n in data.ds.target_names]
    return np.concatenate(parts, axis=1), names


def kalman(cfg: dict, data: Data) -> dict:
    """Kalman filter: linear dynamics of the state (velocity, position, acceleration) and z-scored sqrt counts as
    observations, the counts taken `lag` bins before the state (M1 leads movement); lag chosen on validation. All
    matrices are least-squares fits on the training split; the filter runs continuously from bin 0, as a daemon
    would, and is scored on the velocity entries of its state."""
    zc = np.sqrt(data.counts.numpy().astype(np.float64))
    a, b = data.split.train
    zc = (zc - zc[a:b].mean(0)) / np.maximum(zc[a:b].std(0), 0.1)
    y = data.targets.numpy().astype(np.float64)
    states_true, state_names = _kalman_states(cfg, data)
    d = y.shape[1]
    best = None
    for lag in cfg["baselines"]["kalman"]["lags"]:
        obs = np.zeros_like(zc)
        obs[lag:] = zc[: len(zc) - lag]          # observation at t = counts at t - lag
        X, Z = states_true[a + lag:b], obs[a + lag:b]
        mu = X.mean(0)
        Xc = X - mu
        A = np.linalg.lstsq(Xc[:-1], Xc[1:], rcond=None)[0].T
        W = np.cov((Xc[1:] - Xc[:-1] @ A.T).T)
        c = Z.mean(0)
        H = np.linalg.lstsq(Xc, Z - c, rcond=None)[0].T
        Q = np.cov((Z - c - Xc @ H.T).T) + 1e-6 * np.eye(Z.shape[1])
        states = kalman_filter(obs, A, W, H, Q, np.zeros(len(mu)), np.cov(Xc.T), c)[:, :d] + mu[:d]
        va = np.arange(*data.split.val)
        r2v = r2_score(y[va], states[va]).mean()
        if best is None or r2v > best[0]:
            best = (r2v, lag, states)
    r2v, lag, states = best
    te = np.arange(*data.split.test)
    return {"model": "kalman", "state": state_names, "lag_bins": lag, "val_mean": float(r2v),
            "test": _scores(y[te], states[te])}


class GRUDecoder(nn.Module):
    """GRU baseline: sqrt + z-scored counts [B, T, N] -> GRU -> linear readout [B, T, D] (m/s)."""

    def __init__(self, *, n_channels: int, n_outputs: int, hidden: int, layers: int, dropout: float):
        super().__init__()
        self.register_buffer("count_mean", torch.zeros(n_channels))
        self.register_buffer("count_std", torch.ones(n_channels))
        self.register_buffer("target_mean", torch.zeros(n_outputs))
        self.register_buffer("target_std", torch.ones(n_outputs))
        self.drop = nn.Dropout(dropout)
        self.gru = nn.GRU(n_channels, hidden, num_layers=layers, batch_first=True,
                          dropout=dropout if layers > 1 else 0.0)
        self.readout = nn.Linear(hidden, n_outputs)

    def predict_normalised(self, counts: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        z = (torch.sqrt(counts) - self.count_mean) / self.count_std
        h, _ = self.gru(self.drop(z))
        return self.readout(self.drop(h))

    def forward(self, counts: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        return self.predict_normalised(counts, context) * self.target_std + self.target_mean


def gru(cfg: dict, data: Data) -> dict:
    g = cfg["baselines"]["gru"]
    seed_everything(cfg["seed"])
    torch.set_num_threads(int(cfg["finetune"].get("threads", 2)))
    model = GRUDecoder(n_channels=data.counts.shape[1], n_outputs=data.targets.shape[1], hidden=g["hidden"],
                       layers=g["layers"], dropout=g["dropout"])
    counts_tr, targets_tr = data.train_stats()
    z = torch.sqrt(counts_tr)
    model.count_mean.copy_(z.mean(0))
    model.count_std.copy_(z.std(0).clamp_min(0.1))
    model.target_mean.copy_(targets_tr.mean(0))
    model.target_std.copy_(targets_tr.std(0))
    ends = training_windows(*data.split.train, window=data.window, stride=int(g["stride"]))
    opt_cfg = {"weight_decay": 0.01, "warmup_epochs": 1, "grad_clip": 1.0, **g}
    fit = fit_supervised(model, data, train_ends=ends, params=list(model.parameters()), opt_cfg=opt_cfg,
                         lr=float(g["lr"]), seed=cfg["seed"], loss_from_bin=int(cfg["finetune"]["loss_from_bin"]),
                         log_prefix="gru ")
    return {"model": "gru", "config": g, "val_mean": fit["best_val_r2"], "test": evaluate_split(model, data, "test"),
            "train_seconds": fit["train_seconds"], "history": fit["history"]}


def run_baseline(name: str, cfg: dict, data: Data) -> dict:
    t0 = time.time()
    res = {"ridge": ridge, "kalman": kalman, "gru": gru}[name](cfg, data)
    res["seconds"] = round(time.time() - t0, 1)
    res["evaluated_on"] = "last bin of each window"
    log(f"{name}: test R2 x {res['test']['x']:.4f} y {res['test']['y']:.4f} mean {res['test']['mean']:.4f}")
    return res
