"""The RPNT model: strictly causal transformer over time bins with MRoPE and context-based attention.

Plain PyTorch, exportable to ONNX opset 17 with torch 1.13 (real-valued rotations, no complex numbers, kernels
applied as shifted slices times per-row weights instead of per-sample convolution weights).
"""

from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

# Metadata axes fed through the `context` input, in this order. Time (bin position within the window) is the
# first MRoPE axis and is generated inside the graph.
CONTEXT_NAMES = ["session", "subject", "task", "site_x", "site_y"]
MROPE_AXES = ["time"] + CONTEXT_NAMES
NEG_INF = -1e9  # finite, so a fully masked row can never produce NaN (and fp16 stays finite)


class MRoPE(nn.Module):
    """Multidimensional rotary position embedding, real-valued.

    Each head's dims form head_dim/2 rotation pairs (i, i + head_dim/2). The pairs are split among the axes
    (`pairs[axis]` of them each); a pair owned by axis `a` with frequency f is rotated by the angle f * coord_a.
    Because every pair is rotated by exactly one axis, the score between tokens m and n depends on
    coord_a(m) - coord_a(n) for every axis a: an axis changes scores only between tokens whose coordinate differs.

    Args:
        head_dim: dims per attention head (even).
        pairs: rotation pairs per axis, keys from MROPE_AXES, summing to head_dim // 2.
        bases: per-axis frequency base; pair j of n gets frequency scale * base ** (-j / n).
        scales: per-axis multiplier of the coordinate (e.g. 1 per bin for time, per mm for site coordinates).
    """

    def __init__(self, *, head_dim: int, pairs: dict, bases: dict, scales: dict | None = None):
        super().__init__()
        if head_dim % 2:
            raise ValueError(f"model.d_model / model.heads = {head_dim} must be even for rotary pairs")
        unknown = set(pairs) - set(MROPE_AXES)
        if unknown:
            raise ValueError(f"model.mrope.pairs has unknown axes {sorted(unknown)}; allowed: {MROPE_AXES}")
        if sum(pairs.values()) != head_dim // 2:
            raise ValueError(
                f"model.mrope.pairs sum to {sum(pairs.values())}, must equal head_dim/2 = {head_dim // 2}; "
                "adjust the per-axis counts")
        scales = scales or {}
        freq = torch.zeros(len(MROPE_AXES), head_dim // 2)
        col = 0
        for a, axis in enumerate(MROPE_AXES):
            n = int(pairs.get(axis, 0))
            base = float(bases.get(axis, 10.0))
            scale = float(scales.get(axis, 1.0))
            for j in range(n):
                freq[a, col] = scale * base ** (-j / n)
                col += 1
        # coords @ freq gives every pair's angle: a [A, head_dim/2] matrix with one non-zero per column.
        self.register_buffer("freq", freq)
        self.head_dim = head_dim

    def angles(self, coords: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """coords: [..., L, A] float32 (A = len(MROPE_AXES)) -> (cos, sin), each [..., L, head_dim/2]."""
        theta = coords @ self.freq
        return torch.cos(theta), torch.sin(theta)

    @staticmethod
    def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """x: [..., L, head_dim]; cos, sin broadcastable to [..., L, head_dim/2]."""
        half = x.shape[-1] // 2
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


def causal_future_mask(t: int, device=None) -> torch.Tensor:
    """[T, T] bool, True where key j is later than query i (j > i)."""
    return torch.ones(t, t, dtype=torch.bool, device=device).triu(1)


class ContextAttention(nn.Module):
    """Causal multi-head attention over time with context-generated kernels on the pre-softmax scores.

    Steps, for tokens x: [B, T, D]:
      1. q, k, v projections; MRoPE rotates q and k; scores S = q k^T / sqrt(head_dim): [B, H, T, T].
      2. Causal context: c_t = sum_{j<=t} softmax_{j<=t}(a_j) e_j, with e = GELU(LN(W x)) and a a learned score.
         Row t of the pooling is a masked softmax, so c_t never sees bins after t (the row maximum is over j <= t).
      3. Kernels: kappa_t = softmax(MLP(c_t)) per head, shape [kernel_rows, kernel_cols], one kernel per query row.
      4. Scores with future keys set to 0 are correlated with kappa_t using only query rows t, t-1, ..., t-kr+1
         and key columns j-kc//2..j+kc//2 (future entries are the zeros of step 4's fill):
         S'[t, j] = sum_{a, b} kappa_t[a, b] * S~[t - a, j + b - kc//2].
      5. Causal mask (-1e9), softmax over keys, dropout, weighted sum of v, output projection.
    Without `use_kernel` this is plain causal attention with MRoPE (the ablation).
    """

    def __init__(self, *, d_model: int, heads: int, kernel_size=(3, 3), use_kernel: bool = True,
                 dropout: float = 0.1):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"model.d_model = {d_model} must be divisible by model.heads = {heads}")
        self.heads = heads
        self.head_dim = d_model // heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(dropout)
        self.use_kernel = use_kernel
        self.kr, self.kc = int(kernel_size[0]), int(kernel_size[1])
        if self.kc % 2 == 0:
            raise ValueError(f"model.kernel_size columns = {self.kc} must be odd (centred on the key)")
        if use_kernel:
            self.ctx_embed = nn.Sequential(nn.Linear(d_model, d_model), nn.LayerNorm(d_model), nn.GELU())
            self.ctx_score = nn.Sequential(nn.Linear(d_model, d_model // 2), nn.GELU(), nn.Linear(d_model // 2, 1))
            self.kernel_gen = nn.Sequential(nn.Linear(d_model, d_model), nn.LayerNorm(d_model), nn.GELU(),
                                            nn.Linear(d_model, heads * self.kr * self.kc))
            # Start close to the identity kernel (all weight on the current row and key), so the model first
            # learns ordinary attention and then moves weight to neighbouring taps where that helps.
            last = self.kernel_gen[-1]
            nn.init.normal_(last.weight, std=0.01)
            with torch.no_grad():
                bias = torch.zeros(heads, self.kr, self.kc)
                bias[:, 0, self.kc // 2] = 3.0
                last.bias.copy_(bias.reshape(-1))

    def causal_context(self, x: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
        """x: [B, T, D] -> c: [B, T, D], c_t pooled from bins <= t only."""
        e = self.ctx_embed(x)
        a = self.ctx_score(e).squeeze(-1)                      # [B, T]
        logits = a.unsqueeze(1).expand(-1, x.shape[1], -1)     # row t, column j: a_j
        w = torch.softmax(logits.masked_fill(future, NEG_INF), dim=-1)
        return w @ e

    def convolve_scores(self, scores: torch.Tensor, x: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
        """scores: [B, H, T, T] -> [B, H, T, T] after the per-row causal kernel."""
        b, h, t, _ = scores.shape
        kernels = self.kernel_gen(self.causal_context(x, future))           # [B, T, H*kr*kc]
        kernels = kernels.reshape(b, t, h, self.kr * self.kc).softmax(-1).permute(0, 2, 1, 3)  # [B, H, T, kr*kc]
        s0 = scores.masked_fill(future, 0.0)
        # Pad kr-1 rows on top (rows before the window) and kc//2 columns each side.
        padded = F.pad(s0, (self.kc // 2, self.kc // 2, self.kr - 1, 0))
        out = torch.zeros_like(scores)
        for a in range(self.kr):            # tap from query row t - a (never a later row)
            r0 = self.kr - 1 - a
            for c in range(self.kc):        # tap from key column j + c - kc//2
                k = a * self.kc + c
                out = out + kernels[..., k:k + 1] * padded[:, :, r0:r0 + t, c:c + t]
        return out

    def forward(self, x: torch.Tensor, cos: torch.Tensor | None, sin: torch.Tensor | None) -> torch.Tensor:
        """x: [B, T, D]; cos, sin: [B, 1, T, head_dim/2] or None -> [B, T, D]."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        if cos is not None:
            q, k = MRoPE.rotate(q, cos, sin), MRoPE.rotate(k, cos, sin)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        future = causal_future_mask(t, x.device)
        if self.use_kernel:
            scores = self.convolve_scores(scores, x, future)
        attn = self.drop(torch.softmax(scores.masked_fill(future, NEG_INF), dim=-1))
        y = (attn @ v).transpose(1, 2).reshape(b, t, d)
        return self.out(y)


class SiteAttention(nn.Module):
    """Attention across the S recording sites of one time bin (no mask: sites of one bin are simultaneous).

    Tokens of one call share the bin, so MRoPE's time axis is constant here and the metadata axes (site
    coordinates, session, subject, task) are what rotates the scores.
    """

    def __init__(self, *, d_model: int, heads: int, dropout: float = 0.1):
        super().__init__()
        self.heads = heads
        self.head_dim = d_model // heads
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.out = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, cos: torch.Tensor | None, sin: torch.Tensor | None) -> torch.Tensor:
        """x: [B', S, D] (B' = batch * bins); cos, sin: [B', 1, S, head_dim/2] or None -> [B', S, D]."""
        b, s, d = x.shape
        q, k, v = self.qkv(x).reshape(b, s, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        if cos is not None:
            q, k = MRoPE.rotate(q, cos, sin), MRoPE.rotate(k, cos, sin)
        attn = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1))
        return self.out((attn @ v).transpose(1, 2).reshape(b, s, d))


class FeedForward(nn.Sequential):
    def __init__(self, *, d_model: int, mult: int, dropout: float):
        super().__init__(nn.Linear(d_model, mult * d_model), nn.GELU(), nn.Dropout(dropout),
                         nn.Linear(mult * d_model, d_model), nn.Dropout(dropout))


class Block(nn.Module):
    """Pre-LN block: [site attention if S > 1] -> causal context attention over time -> feed-forward."""

    def __init__(self, *, d_model: int, heads: int, ffn_mult: int, dropout: float, kernel_size, use_kernel: bool):
        super().__init__()
        self.norm_site = nn.LayerNorm(d_model)
        self.site_attn = SiteAttention(d_model=d_model, heads=heads, dropout=dropout)
        self.norm_time = nn.LayerNorm(d_model)
        self.time_attn = ContextAttention(d_model=d_model, heads=heads, kernel_size=kernel_size,
                                          use_kernel=use_kernel, dropout=dropout)
        self.norm_ffn = nn.LayerNorm(d_model)
        self.ffn = FeedForward(d_model=d_model, mult=ffn_mult, dropout=dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, rope_time, rope_site) -> torch.Tensor:
        """x: [B, S, T, D] -> [B, S, T, D]."""
        b, s, t, d = x.shape
        if s > 1:
            xs = x.permute(0, 2, 1, 3).reshape(-1, s, d)                  # [B*T, S, D]
            ys = self.site_attn(self.norm_site(xs), *rope_site)
            x = x + self.drop(ys.reshape(b, t, s, d).permute(0, 2, 1, 3))
        xt = x.reshape(-1, t, d)                                          # [B*S, T, D]
        xt = xt + self.drop(self.time_attn(self.norm_time(xt), *rope_time))
        xt = xt + self.ffn(self.norm_ffn(xt))
        return xt.reshape(b, s, t, d)


class RPNT(nn.Module):
    """RPNT decoder.

    Steps:
      1. Count transform (in the graph): z = (sqrt(counts) - mean) / std per channel, mean and std from the
         training split (buffers); optional `keep` mask zeroes entries (= the channel mean) for masked modelling.
      2. Token per bin (and site): Linear(N -> d_model), plus a learned embedding of the context vector.
      3. `layers` blocks of [site attention (S > 1)] + causal context-based attention + feed-forward, all with
         MRoPE on queries and keys (time and metadata axes).
      4. Final LayerNorm; mean over sites; readout MLP to D outputs per bin, de-standardised to physical units.

    Args:
        n_channels: N, spike-count channels per site.
        n_outputs: D, decoded outputs per bin (e.g. 2 for hand velocity x, y in m/s).
        d_model, layers, heads, ffn_mult, dropout: transformer sizes.
        kernel_size: (rows, cols) of the context kernel on the score matrix; rows reach back in query time.
        use_kernel: context-based attention on (False: plain causal attention, the ablation).
        use_mrope: rotary embedding on (False: no rotation at all, the ablation).
        mrope: dict with `pairs`, `bases`, `scales` per axis (see MRoPE).
        context_embedding: add Linear(C -> d_model)(context) to every token.
        input_dropout: dropout probability on the transformed counts (training only).
    """

    def __init__(self, *, n_channels: int, n_outputs: int, d_model: int = 128, layers: int = 3, heads: int = 4,
                 ffn_mult: int = 4, dropout: float = 0.1, kernel_size=(3, 3), use_kernel: bool = True,
                 use_mrope: bool = True, mrope: dict | None = None, context_embedding: bool = True,
                 input_dropout: float = 0.0):
        super().__init__()
        self.n_channels, self.n_outputs, self.d_model = n_channels, n_outputs, d_model
        self.register_buffer("count_mean", torch.zeros(n_channels))
        self.register_buffer("count_std", torch.ones(n_channels))
        self.register_buffer("target_mean", torch.zeros(n_outputs))
        self.register_buffer("target_std", torch.ones(n_outputs))
        # Dropout on the transformed counts (like the GRU baseline's): robustness to units that drift or vanish.
        self.count_drop = nn.Dropout(input_dropout)
        self.input_proj = nn.Linear(n_channels, d_model)
        self.context_proj = nn.Linear(len(CONTEXT_NAMES), d_model) if context_embedding else None
        self.input_drop = nn.Dropout(dropout)
        self.rope = None
        if use_mrope:
            mrope = mrope or {}
            self.rope = MRoPE(head_dim=d_model // heads, pairs=mrope["pairs"], bases=mrope.get("bases", {}),
                              scales=mrope.get("scales", {}))
        self.blocks = nn.ModuleList(
            Block(d_model=d_model, heads=heads, ffn_mult=ffn_mult, dropout=dropout, kernel_size=kernel_size,
                  use_kernel=use_kernel) for _ in range(layers))
        self.final_norm = nn.LayerNorm(d_model)
        self.readout = nn.Sequential(nn.Linear(d_model, d_model // 2), nn.GELU(), nn.Linear(d_model // 2, n_outputs))

    def set_normalisation(self, *, counts: torch.Tensor, targets: torch.Tensor) -> None:
        """Store the count transform and target scaling from training data: counts [n, N], targets [n, D]."""
        z = torch.sqrt(counts.float())
        self.count_mean.copy_(z.mean(0))
        # Silent channels would divide by ~0; a floor of 0.1 (in sqrt-count units) keeps them near zero.
        self.count_std.copy_(z.std(0).clamp_min(0.1))
        self.target_mean.copy_(targets.float().mean(0))
        self.target_std.copy_(targets.float().std(0).clamp_min(1e-6))

    def _rope_tables(self, b: int, s: int, t: int, context: torch.Tensor):
        if self.rope is None:
            return (None, None), (None, None)
        time = torch.arange(t, dtype=context.dtype, device=context.device)
        # coords[b, s, t] = (time t, context[b, s]): [B, S, T, A]
        meta = context.unsqueeze(2).expand(-1, -1, t, -1)
        tt = time.reshape(1, 1, t, 1).expand(meta.shape[0], meta.shape[1], -1, -1)
        coords = torch.cat([tt, meta], dim=-1)
        cos, sin = self.rope.angles(coords.reshape(-1, t, coords.shape[-1]))        # [B*S, T, h/2]
        rope_time = (cos.unsqueeze(1), sin.unsqueeze(1))
        rope_site = (None, None)
        if s > 1:
            cs = coords.permute(0, 2, 1, 3).reshape(-1, s, coords.shape[-1])          # [B*T, S, A]
            cos_s, sin_s = self.rope.angles(cs)
            rope_site = (cos_s.unsqueeze(1), sin_s.unsqueeze(1))
        return rope_time, rope_site

    def encode(self, counts: torch.Tensor, context: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """counts: [B, S, T, N] raw counts; context: [B, S, C]; keep: [B, S, T, N] of 0/1 or None
        -> representations [B, S, T, d_model] (after the final LayerNorm)."""
        b, s, t, n = counts.shape
        if n != self.n_channels:
            raise ValueError(f"spikes have {n} channels, the model was built for {self.n_channels}")
        z = (torch.sqrt(counts) - self.count_mean) / self.count_std
        if keep is not None:
            z = z * keep
        x = self.input_proj(self.count_drop(z))
        if self.context_proj is not None:
            x = x + self.context_proj(context).unsqueeze(2)
        x = self.input_drop(x)
        rope_time, rope_site = self._rope_tables(b, s, t, context)
        for block in self.blocks:
            x = block(x, rope_time, rope_site)
        return self.final_norm(x)

    def readout_normalised(self, h: torch.Tensor) -> torch.Tensor:
        """h: [B, S, T, d_model] -> standardised outputs [B, T, D] (sites averaged)."""
        return self.readout(h.mean(1))

    def predict_normalised(self, counts: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """counts: [B, T, N] raw counts; context: [B, C] -> standardised outputs [B, T, D] (training loss space)."""
        return self.readout_normalised(self.encode(counts.unsqueeze(1), context.unsqueeze(1)))

    def forward(self, counts: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """counts: [B, T, N] or [B, S, T, N] raw spike counts (float32); context: [B, C] or [B, S, C]
        -> kinematics [B, T, D] in physical units (m/s for hand velocity)."""
        if counts.dim() == 3:
            counts, context = counts.unsqueeze(1), context.unsqueeze(1)
        y = self.readout_normalised(self.encode(counts, context))
        return y * self.target_std + self.target_mean


def build_model(cfg: dict, *, n_channels: int, n_outputs: int) -> RPNT:
    """Build RPNT from the `model` section of a config."""
    m = cfg["model"]
    return RPNT(n_channels=n_channels, n_outputs=n_outputs, d_model=m["d_model"], layers=m["layers"],
                heads=m["heads"], ffn_mult=m.get("ffn_mult", 4), dropout=m.get("dropout", 0.1),
                kernel_size=tuple(m.get("kernel_size", (3, 3))), use_kernel=m.get("context_attention", True),
                use_mrope=m.get("mrope_enabled", True), mrope=m.get("mrope"),
                context_embedding=m.get("context_embedding", True), input_dropout=m.get("input_dropout", 0.0))
