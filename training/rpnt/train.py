"""Pretraining, fine-tuning and evaluation loops (shared by RPNT and the GRU baseline)."""

from __future__ import annotations

import copy
import json
import math
import os
import random
import time

import numpy as np
import torch
from torch import nn

from .data import Dataset, Split, chronological_split, evaluation_windows, gather, r2_score, training_windows
from .losses import PretrainHeads, pretrain_loss
from .model import RPNT, build_model

REGIMES = ("scratch", "few-shot", "full")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Data:
    """A dataset as float32 tensors plus its chronological split and window size."""

    def __init__(self, ds: Dataset, cfg: dict):
        self.ds = ds
        self.counts = torch.from_numpy(ds.counts.astype(np.float32))     # [n_bins, N]
        self.targets = torch.from_numpy(ds.targets)                       # [n_bins, D]
        self.window = int(cfg["data"]["window_bins"])
        self.split: Split = chronological_split(len(ds.counts), train=cfg["data"]["split"]["train"],
                                                val=cfg["data"]["split"]["val"])
        self.context = torch.tensor(cfg["data"]["context"], dtype=torch.float32)

    def windows(self, ends: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """-> counts [B, T, N], context [B, C], targets [B, T, D] for windows ending at `ends`."""
        idx = torch.from_numpy(ends)[:, None] + torch.arange(-self.window + 1, 1)[None, :]
        return self.counts[idx], self.context.expand(len(ends), -1), self.targets[idx]

    def train_stats(self) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = self.split.train
        return self.counts[a:b], self.targets[a:b]


def lr_lambda(total_steps: int, warmup_steps: int):
    def f(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / max(1, warmup_steps)
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return f


@torch.no_grad()
def predict_last_bin(model: nn.Module, data: Data, ends: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Model output (physical units) at the last bin of each window ending at `ends`: [len(ends), D]."""
    model.eval()
    out = []
    for i in range(0, len(ends), batch_size):
        counts, context, _ = data.windows(ends[i:i + batch_size])
        out.append(model(counts, context)[:, -1].numpy())
    return np.concatenate(out)


def evaluate_split(model: nn.Module, data: Data, part: str) -> dict:
    """R^2 per output on the last bin of each window, sliding one bin at a time over the split `part`."""
    start, stop = getattr(data.split, part)
    ends = evaluation_windows(start, stop, window=data.window)
    pred = predict_last_bin(model, data, ends)
    r2 = r2_score(data.targets[ends].numpy(), pred)
    names = ["x", "y"] if len(r2) == 2 else [str(i) for i in range(len(r2))]
    res = {n: float(v) for n, v in zip(names, r2)}
    res["mean"] = float(np.mean(r2))
    res["windows"] = int(len(ends))
    return res


def fit_supervised(model: nn.Module, data: Data, *, train_ends: np.ndarray, params, opt_cfg: dict, lr: float,
                   seed: int, loss_from_bin: int, log_prefix: str = "") -> dict:
    """MSE on standardised targets at bins loss_from_bin..T-1 of each window (every bin's output is a causal
    prediction), AdamW with warm-up + cosine decay, early stopping on validation R^2 (last bin)."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    bs = int(opt_cfg["batch_size"])
    epochs = int(opt_cfg["epochs"])
    steps_per_epoch = math.ceil(len(train_ends) / bs)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=float(opt_cfg["weight_decay"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lr_lambda(epochs * steps_per_epoch, int(opt_cfg.get("warmup_epochs", 1)) * steps_per_epoch))
    t_mean, t_std = model.target_mean, model.target_std
    best, best_state, bad, history = -float("inf"), None, 0, []
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        order = rng.permutation(len(train_ends))
        total = 0.0
        for i in range(0, len(order), bs):
            counts, context, targets = data.windows(train_ends[order[i:i + bs]])
            pred = model.predict_normalised(counts, context)
            y = (targets - t_mean) / t_std
            loss = ((pred[:, loss_from_bin:] - y[:, loss_from_bin:]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, float(opt_cfg.get("grad_clip", 1.0)))
            opt.step()
            sched.step()
            total += float(loss) * len(counts)
        val = evaluate_split(model, data, "val")
        history.append({"epoch": epoch + 1, "train_mse": total / len(order), "val_r2": val["mean"],
                        "elapsed_s": round(time.time() - t0, 1)})
        log(f"{log_prefix}epoch {epoch + 1}/{epochs} train mse {total / len(order):.4f} val R2 {val['mean']:.4f} "
            f"({time.time() - t0:.0f} s)")
        if val["mean"] > best:
            best, best_state, bad = val["mean"], copy.deepcopy(model.state_dict()), 0
        else:
            bad += 1
            if bad >= int(opt_cfg.get("patience", epochs)):
                log(f"{log_prefix}early stop: no better validation R2 for {bad} epochs")
                break
    model.load_state_dict(best_state)
    return {"best_val_r2": best, "history": history, "train_seconds": round(time.time() - t0, 1)}


def dataset_info(data: Data) -> dict:
    return {"name": data.ds.name, "path": data.ds.path, "bin_ms": data.ds.bin_ms,
            "n_bins": int(len(data.ds.counts)), "channels": int(data.ds.counts.shape[1]),
            "sha256": data.ds.sha256, "split_bins": {"train": list(data.split.train), "val": list(data.split.val),
                                                     "test": list(data.split.test)}}


def save_checkpoint(path: str, *, model: RPNT, cfg: dict, data: Data, extra: dict, heads=None) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({"config": cfg, "state_dict": model.state_dict(), "n_channels": model.n_channels,
                "n_outputs": model.n_outputs, "dataset": dataset_info(data), "target_names": data.ds.target_names,
                "heads": heads.state_dict() if heads is not None else None, **extra}, path)


def load_model(path: str) -> tuple[RPNT, dict]:
    ckpt = torch.load(path, map_location="cpu")
    model = build_model(ckpt["config"], n_channels=ckpt["n_channels"], n_outputs=ckpt["n_outputs"])
    model.load_state_dict(ckpt["state_dict"])
    model.eval()
    return model, ckpt


def pretrain(cfg: dict, data: Data, out_dir: str) -> dict:
    """Self-supervised pretraining on the training split's spikes (no kinematics are used)."""
    p = cfg["pretrain"]
    seed_everything(cfg["seed"])
    torch.set_num_threads(int(p.get("threads", 2)))
    n_outputs = data.targets.shape[1]
    model = build_model(cfg, n_channels=data.counts.shape[1], n_outputs=n_outputs)
    counts_tr, targets_tr = data.train_stats()
    model.set_normalisation(counts=counts_tr, targets=targets_tr)
    k = int(cfg["data"]["pseudo_sessions"])
    heads = PretrainHeads(d_model=model.d_model, n_channels=model.n_channels, n_domains=k)
    a, b = data.split.train
    ends = training_windows(a, b, window=data.window, stride=int(p["stride"]))
    # Pseudo-sessions: K equal chronological segments of the training split, labelled by window end.
    domains = torch.from_numpy(np.minimum((ends - a) * k // (b - a), k - 1))
    val_ends = training_windows(*data.split.val, window=data.window, stride=int(p["stride"]))
    val_domains = torch.zeros(len(val_ends), dtype=torch.long)
    params = list(model.parameters()) + list(heads.parameters())
    bs, epochs = int(p["batch_size"]), int(p["epochs"])
    steps = math.ceil(len(ends) / bs)
    opt = torch.optim.AdamW(params, lr=float(p["lr"]), weight_decay=float(p["weight_decay"]))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(epochs * steps, int(p["warmup_epochs"]) * steps))
    gen = torch.Generator().manual_seed(cfg["seed"])
    rng = np.random.default_rng(cfg["seed"])
    lo_t, hi_t = p["mask_time"]
    lo_n, hi_n = p["mask_channels"]
    best, best_state, history, t0 = float("inf"), None, [], time.time()
    for epoch in range(epochs):
        model.train()
        heads.train()
        order = rng.permutation(len(ends))
        sums = {"poisson": 0.0, "contrastive": 0.0, "invariance": 0.0}
        for i in range(0, len(order), bs):
            sel = order[i:i + bs]
            counts, context, _ = data.windows(ends[sel])
            loss, parts = pretrain_loss(model, heads, counts, context, domains[sel],
                                        time_ratio=float(rng.uniform(lo_t, hi_t)),
                                        channel_ratio=float(rng.uniform(lo_n, hi_n)), weights=p["loss_weights"],
                                        temperature=float(p["temperature"]), generator=gen)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, float(p["grad_clip"]))
            opt.step()
            sched.step()
            for key in sums:
                sums[key] += parts[key] * len(sel)
        # Validation: masked Poisson NLL at the middle of the mask ranges, with fixed masks.
        model.eval()
        heads.eval()
        vgen = torch.Generator().manual_seed(0)
        vtot, vn = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(val_ends), 256):
                counts, context, _ = data.windows(val_ends[i:i + 256])
                _, parts = pretrain_loss(model, heads, counts, context, val_domains[i:i + 256],
                                         time_ratio=(lo_t + hi_t) / 2, channel_ratio=(lo_n + hi_n) / 2,
                                         weights=p["loss_weights"], temperature=float(p["temperature"]),
                                         generator=vgen)
                vtot += parts["poisson"] * len(counts)
                vn += len(counts)
        val_nll = vtot / vn
        row = {"epoch": epoch + 1, **{k2: v / len(order) for k2, v in sums.items()}, "val_poisson": val_nll,
               "elapsed_s": round(time.time() - t0, 1)}
        history.append(row)
        log(f"pretrain epoch {epoch + 1}/{epochs} " + " ".join(f"{k2} {v:.4f}" for k2, v in row.items()
                                                                 if k2 not in ("epoch", "elapsed_s"))
            + f" ({time.time() - t0:.0f} s)")
        if val_nll < best:
            best, best_state = val_nll, (copy.deepcopy(model.state_dict()), copy.deepcopy(heads.state_dict()))
    model.load_state_dict(best_state[0])
    heads.load_state_dict(best_state[1])
    result = {"regime": "pretrain", "best_val_poisson": best, "history": history,
              "train_seconds": round(time.time() - t0, 1)}
    save_checkpoint(os.path.join(out_dir, "checkpoint.pt"), model=model, cfg=cfg, data=data,
                    extra={"metrics": result}, heads=heads)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def finetune(cfg: dict, data: Data, out_dir: str, *, regime: str, init: str | None, fraction: float) -> dict:
    """Supervised training in one of the regimes:
      scratch:  random initialisation, all weights, the whole training split (`fraction` may reduce it);
      few-shot: pretrained encoder, the first `fraction` of the training split, readout + last blocks only;
      full:     pretrained encoder, all weights, the whole training split.
    """
    if regime not in REGIMES:
        raise ValueError(f"--regime {regime!r}: use one of {REGIMES}")
    if regime != "scratch" and not init:
        raise ValueError(f"--regime {regime} fine-tunes a pretrained model: pass --init runs/pretrain/checkpoint.pt")
    f = cfg["finetune"]
    seed_everything(cfg["seed"])
    torch.set_num_threads(int(f.get("threads", 2)))
    model = build_model(cfg, n_channels=data.counts.shape[1], n_outputs=data.targets.shape[1])
    counts_tr, targets_tr = data.train_stats()
    model.set_normalisation(counts=counts_tr, targets=targets_tr)
    if init:
        ckpt = torch.load(init, map_location="cpu")
        # Dropout rates may differ between pretraining and fine-tuning; the architecture may not.
        arch = {k: v for k, v in cfg["model"].items() if "dropout" not in k}
        arch_init = {k: v for k, v in ckpt["config"]["model"].items() if "dropout" not in k}
        if arch != arch_init:
            diff = sorted(k for k in set(arch) | set(arch_init) if arch.get(k) != arch_init.get(k))
            raise ValueError(f"--init {init}: model config differs from this run's in {diff}; "
                             "fine-tune with the architecture it was pretrained with")
        model.load_state_dict(ckpt["state_dict"])
        # The readout was never trained in pretraining; start it fresh and seeded like scratch runs.
    a, b = data.split.train
    b_used = a + int(round((b - a) * fraction))
    train_ends = training_windows(a, b_used, window=data.window, stride=int(f["stride"]))
    if regime == "few-shot":
        for prm in model.parameters():
            prm.requires_grad_(False)
        trainable = [model.readout, model.final_norm] + list(model.blocks[-int(f["few_shot_layers"]):])
        for mod in trainable:
            for prm in mod.parameters():
                prm.requires_grad_(True)
    params = [prm for prm in model.parameters() if prm.requires_grad]
    lr = float(f["lr_pretrained"] if regime == "full" else f["lr"])
    log(f"finetune regime {regime}, {len(train_ends)} windows from bins [{a}, {b_used}), "
        f"{sum(p.numel() for p in params)} trainable parameters, lr {lr}")
    fit = fit_supervised(model, data, train_ends=train_ends, params=params, opt_cfg=f, lr=lr, seed=cfg["seed"],
                         loss_from_bin=int(f["loss_from_bin"]))
    result = {"regime": regime, "init": init, "fraction": fraction, "train_bins": [a, b_used],
              "val": evaluate_split(model, data, "val"), "test": evaluate_split(model, data, "test"), **fit}
    log(f"finetune {regime}: val R2 {result['val']['mean']:.4f} test R2 x {result['test']['x']:.4f} "
        f"y {result['test']['y']:.4f} mean {result['test']['mean']:.4f}")
    save_checkpoint(os.path.join(out_dir, "checkpoint.pt"), model=model, cfg=cfg, data=data,
                    extra={"metrics": result})
    with open(os.path.join(out_dir, "metrics.json"), "w") as fh:
        json.dump(result, fh, indent=2)
    return result
