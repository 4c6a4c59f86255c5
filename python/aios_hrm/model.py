"""HRM-ACTV1 in PyTorch, exactly as docs/MODEL.md defines it (the contract aios trains to).

Parameter names equal the tensor names of a bundle's `model.safetensors`, so
`model.load_state_dict(safetensors.torch.load_file(path))` loads an aios brain and
`safetensors.torch.save_file(model.state_dict(), path)` writes one aios loads back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import nn

INV_SQRT2 = 0.7071067811865476


@dataclass(frozen=True)
class Architecture:
    """The keys of a bundle's config.json (and of model.safetensors' __metadata__)."""

    hidden_size: int
    num_heads: int
    expansion: float
    h_layers: int
    l_layers: int
    h_cycles: int
    l_cycles: int
    pos_encodings: str
    max_seq_len: int
    vocab_size: int
    halt_max_steps: int

    @classmethod
    def from_dict(cls, raw: dict) -> "Architecture":
        kinds = {"expansion": float, "pos_encodings": str}
        return cls(**{f.name: kinds.get(f.name, int)(raw[f.name]) for f in fields(cls)})

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def trunc_normal_(tensor: torch.Tensor, std: float, lower: float = -2.0, upper: float = 2.0) -> torch.Tensor:
    """Truncated normal cut at +-2 sigma, sigma corrected so the kept values have `std` (HRM's init)."""
    with torch.no_grad():
        if std == 0:
            return tensor.zero_()
        sqrt2 = math.sqrt(2)
        a, b = math.erf(lower / sqrt2), math.erf(upper / sqrt2)
        z = (b - a) / 2
        c = (2 * math.pi) ** -0.5
        pdf_u, pdf_l = c * math.exp(-0.5 * lower**2), c * math.exp(-0.5 * upper**2)
        comp_std = std / math.sqrt(1 - (upper * pdf_u - lower * pdf_l) / z - ((pdf_u - pdf_l) / z) ** 2)
        tensor.uniform_(a, b).erfinv_().mul_(sqrt2 * comp_std).clip_(lower * comp_std, upper * comp_std)
    return tensor


class Linear(nn.Module):
    """Bias-free linear layer, weight `[out, in]` (nn.Linear layout), std 1/sqrt(fan_in)."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(trunc_normal_(torch.empty(d_out, d_in), 1.0 / math.sqrt(d_in)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight)


def rms_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class Attention(nn.Module):
    def __init__(self, d: int, nh: int) -> None:
        super().__init__()
        self.nh, self.hd = nh, d // nh
        self.qkv = Linear(d, 3 * d)
        self.o_proj = Linear(d, d)

    def forward(self, h: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        b, t, d = h.shape
        # rows of W_qkv: q, then k, then v; heads contiguous within each
        q, k, v = self.qkv(h).view(b, t, 3, self.nh, self.hd).permute(2, 0, 3, 1, 4).unbind(0)
        if rope is not None:
            cos, sin = rope[0][:t], rope[1][:t]
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(o.transpose(1, 2).reshape(b, t, d))


class SwiGLU(nn.Module):
    def __init__(self, d: int, expansion: float) -> None:
        super().__init__()
        inner = 256 * math.ceil(round(expansion * d * 2 / 3) / 256)
        self.gate_up = Linear(d, 2 * inner)
        self.down = Linear(inner, d)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        g, u = self.gate_up(h).chunk(2, dim=-1)
        return self.down(F.silu(g) * u)


class Block(nn.Module):
    """Post-norm: h = rms(h + attn(h)); h = rms(h + swiglu(h))."""

    def __init__(self, d: int, nh: int, expansion: float) -> None:
        super().__init__()
        self.attn = Attention(d, nh)
        self.mlp = SwiGLU(d, expansion)

    def forward(self, h: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        h = rms_norm(h + self.attn(h, rope))
        return rms_norm(h + self.mlp(h))


class Reasoner(nn.Module):
    """f(z, injection) = blocks(z + injection); H and L are one each."""

    def __init__(self, n: int, d: int, nh: int, expansion: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(d, nh, expansion) for _ in range(n))

    def forward(self, z: torch.Tensor, injection: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        h = z + injection
        for block in self.blocks:
            h = block(h, rope)
        return h


class HrmActV1(nn.Module):
    """The network; `state_dict()` keys are exactly the tensor names of docs/MODEL.md."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        self.arch = arch
        d, t, v = arch.hidden_size, arch.max_seq_len, arch.vocab_size
        self.embed = nn.Embedding(v, d)
        trunc_normal_(self.embed.weight, 1.0 / math.sqrt(d))
        if arch.pos_encodings == "learned":
            self.pos = nn.Embedding(t, d)
            trunc_normal_(self.pos.weight, 1.0 / math.sqrt(d))
        self.h = Reasoner(arch.h_layers, d, arch.num_heads, arch.expansion)
        self.l = Reasoner(arch.l_layers, d, arch.num_heads, arch.expansion)
        self.lm_head = Linear(d, v)
        self.q_head = nn.Linear(d, 2)
        with torch.no_grad():
            self.q_head.weight.zero_()
            self.q_head.bias.fill_(-5.0)
        # fixed, untrained start states: saved with the weights
        self.register_buffer("h_init", trunc_normal_(torch.empty(d), 1.0))
        self.register_buffer("l_init", trunc_normal_(torch.empty(d), 1.0))
        hd = d // arch.num_heads
        pos = torch.arange(t, dtype=torch.float32)
        if arch.pos_encodings == "rope":
            inv_freq = 10000.0 ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
            emb = torch.outer(pos, inv_freq).repeat(1, 2)
            self.register_buffer("cos", emb.cos(), persistent=False)
            self.register_buffer("sin", emb.sin(), persistent=False)
        elif arch.pos_encodings == "sinusoidal":
            i = torch.arange(0, d, 2, dtype=torch.float32)
            angle = pos[:, None] / (10000.0 ** (i / d))[None, :]
            table = torch.zeros(t, d)
            table[:, 0::2] = angle.sin()
            table[:, 1::2] = angle.cos()[:, : table[:, 1::2].shape[1]]
            self.register_buffer("sinusoid", table, persistent=False)

    def rope(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        return (self.cos, self.sin) if self.arch.pos_encodings == "rope" else None

    def input(self, ids: torch.Tensor) -> torch.Tensor:
        """Token ids `[B, n]` (n <= max_seq_len) -> `[B, n, d]`."""
        n = ids.shape[1]
        scale = math.sqrt(self.arch.hidden_size)
        e = self.embed(ids)
        if self.arch.pos_encodings == "learned":
            return scale * INV_SQRT2 * (e + self.pos.weight[:n])
        if self.arch.pos_encodings == "sinusoidal":
            return INV_SQRT2 * (scale * e + self.sinusoid[:n])
        return scale * e

    def initial_carry(self, b: int, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        d = self.arch.hidden_size
        return self.h_init.expand(b, n, d), self.l_init.expand(b, n, d)

    def segment(self, z_h: torch.Tensor, z_l: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One segment with HRM's one-step gradient: only the last L and H updates are taped."""
        rope = self.rope()
        hc, lc = self.arch.h_cycles, self.arch.l_cycles
        with torch.no_grad():
            for i in range(hc):
                for j in range(lc):
                    if i == hc - 1 and j == lc - 1:
                        continue
                    z_l = self.l(z_l, z_h + x, rope)
                if i < hc - 1:
                    z_h = self.h(z_h, z_l, rope)
        z_l = self.l(z_l, z_h + x, rope)
        z_h = self.h(z_h, z_l, rope)
        return z_h, z_l

    def q(self, z_h: torch.Tensor) -> torch.Tensor:
        """`[B, 2]` (q_halt, q_continue) from the last position, which has seen the whole sequence."""
        return self.q_head(z_h[:, -1])

    def forward(self, ids: torch.Tensor, segments: int | None = None) -> torch.Tensor:
        """Logits `[B, n, V]` after `segments` (default halt_max_steps) segments from a fresh state:
        what aios's evaluation computes."""
        x = self.input(ids)
        z_h, z_l = self.initial_carry(*ids.shape)
        for _ in range(self.arch.halt_max_steps if segments is None else segments):
            z_h, z_l = self.segment(z_h, z_l, x)
        return self.lm_head(z_h)

    @torch.no_grad()
    def next_logits(self, ids: torch.Tensor) -> tuple[torch.Tensor, int]:
        """ACT at inference (docs/MODEL.md "Inference"): `[V]` logits of the last position of
        `ids` `[n]` and the segments used: stop after the first segment whose q_halt > q_continue,
        at most halt_max_steps."""
        ids = ids.view(1, -1)
        x = self.input(ids)
        z_h, z_l = self.initial_carry(*ids.shape)
        used = 0
        while used < self.arch.halt_max_steps:
            z_h, z_l = self.segment(z_h, z_l, x)
            used += 1
            q = self.q(z_h)[0]
            if q[0] > q[1]:
                break
        return self.lm_head(z_h[0, -1]), used
