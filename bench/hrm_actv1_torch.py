"""HRM-ACTV1 training step in PyTorch: the speed baseline for `npm run bench:train`.

A straight PyTorch rendering of docs/MODEL.md (the contract the TF.js trainer follows), written
the way a PyTorch user would: attention is F.scaled_dot_product_attention(is_causal=True), the
optimiser torch.optim.AdamW, clipping torch.nn.utils.clip_grad_norm_, float32 throughout.

Prints one JSON line. Timing covers the whole optimizer step (batch assembly, segment forward,
backward, bootstrap Q forward, clipping, AdamW) and skips the first --warmup-steps-to-skip steps.

Data: by default random GPT-2 ids in [0, 50257) (the step time does not depend on the text);
`--data repeat` cycles a short fixed token pattern (the loss must fall fast: a sanity check);
`--data-file PATH` tokenizes a text file with tiktoken's gpt2 encoding when tiktoken can load it.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

VOCAB = 50257


def trunc_normal_(tensor: torch.Tensor, std: float, lower: float = -2.0, upper: float = 2.0) -> torch.Tensor:
    """JAX-style truncated normal: cut at +-2 sigma, sigma corrected so the kept values have `std`
    (the reference HRM's trunc_normal_init_; torch's own trunc_normal_ does not correct sigma)."""
    with torch.no_grad():
        if std == 0:
            return tensor.zero_()
        sqrt2 = math.sqrt(2)
        a = math.erf(lower / sqrt2)
        b = math.erf(upper / sqrt2)
        z = (b - a) / 2
        c = (2 * math.pi) ** -0.5
        pdf_u = c * math.exp(-0.5 * lower**2)
        pdf_l = c * math.exp(-0.5 * upper**2)
        comp_std = std / math.sqrt(1 - (upper * pdf_u - lower * pdf_l) / z - ((pdf_u - pdf_l) / z) ** 2)
        tensor.uniform_(a, b)
        tensor.erfinv_()
        tensor.mul_(sqrt2 * comp_std)
        tensor.clip_(lower * comp_std, upper * comp_std)
    return tensor


class Linear(nn.Module):
    """Bias-free linear layer, weight `[out, in]` (nn.Linear layout), std 1/sqrt(fan_in)."""

    def __init__(self, d_in: int, d_out: int, std: float | None = None) -> None:
        super().__init__()
        self.weight = nn.Parameter(trunc_normal_(torch.empty(d_out, d_in), 1.0 / math.sqrt(d_in) if std is None else std))

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
            cos, sin = rope
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


class Module(nn.Module):
    """f(z, injection) = blocks(z + injection)."""

    def __init__(self, n: int, d: int, nh: int, expansion: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(d, nh, expansion) for _ in range(n))

    def forward(self, z: torch.Tensor, injection: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor] | None) -> torch.Tensor:
        h = z + injection
        for block in self.blocks:
            h = block(h, rope)
        return h


class HRM(nn.Module):
    def __init__(self, a: argparse.Namespace) -> None:
        super().__init__()
        d, t = a.hidden_size, a.max_seq_len
        self.d, self.h_cycles, self.l_cycles, self.pos = d, a.h_cycles, a.l_cycles, a.pos_encodings
        self.embed = nn.Embedding(VOCAB, d)
        trunc_normal_(self.embed.weight, 1.0 / math.sqrt(d))
        if self.pos == "learned":
            self.pos_emb = nn.Embedding(t, d)
            trunc_normal_(self.pos_emb.weight, 1.0 / math.sqrt(d))
        self.h = Module(a.h_layers, d, a.num_heads, a.expansion)
        self.l = Module(a.l_layers, d, a.num_heads, a.expansion)
        self.lm_head = Linear(d, VOCAB, std=1.0 / math.sqrt(d))
        self.q_head = nn.Linear(d, 2)
        with torch.no_grad():
            self.q_head.weight.zero_()
            self.q_head.bias.fill_(-5.0)
        # fixed, untrained start states
        self.register_buffer("h_init", trunc_normal_(torch.empty(d), 1.0))
        self.register_buffer("l_init", trunc_normal_(torch.empty(d), 1.0))
        hd = d // a.num_heads
        pos = torch.arange(t, dtype=torch.float32)
        if self.pos == "rope":
            inv_freq = 10000.0 ** (-torch.arange(0, hd, 2, dtype=torch.float32) / hd)
            freqs = torch.outer(pos, inv_freq)
            emb = torch.cat((freqs, freqs), dim=-1)
            self.register_buffer("cos", emb.cos())
            self.register_buffer("sin", emb.sin())
        elif self.pos == "sinusoidal":
            i = torch.arange(0, d, 2, dtype=torch.float32)
            angle = pos[:, None] / (10000.0 ** (i / d))[None, :]
            table = torch.zeros(t, d)
            table[:, 0::2] = angle.sin()
            table[:, 1::2] = angle.cos()
            self.register_buffer("sinusoid", table)

    def rope(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        return (self.cos, self.sin) if self.pos == "rope" else None

    def input(self, ids: torch.Tensor) -> torch.Tensor:
        scale = math.sqrt(self.d)
        e = self.embed(ids)
        if self.pos == "learned":
            return scale * 0.7071067811865476 * (e + self.pos_emb.weight[: ids.shape[1]])
        if self.pos == "sinusoidal":
            return 0.7071067811865476 * (scale * e + self.sinusoid[: ids.shape[1]])
        return scale * e

    def cycles(self, z_h: torch.Tensor, z_l: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One segment with the one-step gradient: all but the last L and H update without grad."""
        rope = self.rope()
        with torch.no_grad():
            for i in range(self.h_cycles):
                for j in range(self.l_cycles):
                    if i == self.h_cycles - 1 and j == self.l_cycles - 1:
                        continue
                    z_l = self.l(z_l, z_h + x, rope)
                if i < self.h_cycles - 1:
                    z_h = self.h(z_h, z_l, rope)
        z_l = self.l(z_l, z_h + x, rope)
        z_h = self.h(z_h, z_l, rope)
        return z_h, z_l

    def q(self, z_h: torch.Tensor) -> torch.Tensor:
        # the last position: under the causal mask it has seen the whole sequence
        return self.q_head(z_h[:, -1]).float()


class Stream:
    """Sequences of T+1 GPT-2 ids (inputs = [:T], labels = [1:])."""

    def __init__(self, a: argparse.Namespace, gen: torch.Generator) -> None:
        self.t, self.gen, self.kind, self.pos = a.max_seq_len, gen, a.data, 0
        self.tokens: torch.Tensor | None = None
        if a.data_file:
            import tiktoken  # noqa: PLC0415 - optional

            with open(a.data_file, encoding="utf-8") as f:
                text = f.read()
            self.tokens = torch.tensor(tiktoken.get_encoding("gpt2").encode_ordinary(text), dtype=torch.long)
            self.kind = f"file:{a.data_file} ({len(self.tokens)} tiktoken gpt2 tokens)"
        elif a.data == "repeat":
            # a short periodic pattern, so the next token is predictable from the previous ones
            self.tokens = torch.randint(0, VOCAB, (16,), generator=gen).repeat((self.t + 1) // 16 + 64)

    def next(self) -> torch.Tensor:
        n = self.t + 1
        if self.tokens is None:
            return torch.randint(0, VOCAB, (n,), generator=self.gen)
        if self.kind == "repeat":
            off = int(torch.randint(0, 16, (1,), generator=self.gen))
            return self.tokens[off : off + n]
        if self.pos + n > len(self.tokens):
            self.pos = 0
        seq = self.tokens[self.pos : self.pos + n]
        self.pos += self.t
        return seq


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--num-heads", type=int, default=4)
    p.add_argument("--expansion", type=float, default=2.0)
    p.add_argument("--h-layers", type=int, default=1)
    p.add_argument("--l-layers", type=int, default=1)
    p.add_argument("--h-cycles", type=int, default=2)
    p.add_argument("--l-cycles", type=int, default=2)
    p.add_argument("--halt-max-steps", type=int, default=2)
    p.add_argument("--halt-exploration-prob", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-seq-len", type=int, default=64)
    p.add_argument("--pos-encodings", choices=["rope", "learned", "sinusoidal"], default="rope")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup-steps", type=int, default=10, help="linear LR warm-up (training schedule)")
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--warmup-steps-to-skip", type=int, default=2, help="steps left out of the timing")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data", choices=["random", "repeat"], default="random")
    p.add_argument("--data-file", default=None, help="text file tokenized with tiktoken (gpt2)")
    p.add_argument("--log-every", type=int, default=0, help="print loss to stderr every N steps")
    a = p.parse_args()
    if a.hidden_size % a.num_heads:
        sys.exit("--num-heads must divide --hidden-size")
    if a.steps <= a.warmup_steps_to_skip:
        sys.exit("--steps must exceed --warmup-steps-to-skip")

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    model = HRM(a)
    params = sum(p.numel() for p in model.parameters())
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=a.lr,
        betas=(0.9, 0.95),
        eps=1e-8,
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / a.warmup_steps) if a.warmup_steps > 0 else 1.0)
    stream = Stream(a, gen)

    b, t, d, m = a.batch_size, a.max_seq_len, a.hidden_size, a.halt_max_steps
    # ACT carry across optimizer steps; every row starts halted so it takes a fresh sequence
    seqs = torch.zeros(b, t + 1, dtype=torch.long)
    z_h = torch.zeros(b, t, d)
    z_l = torch.zeros(b, t, d)
    steps = torch.zeros(b, dtype=torch.long)
    halted = torch.ones(b, dtype=torch.bool)
    times: list[float] = []
    losses: list[float] = []
    lm_losses: list[float] = []
    seg_counts: list[float] = []

    model.train()
    for step in range(a.steps):
        t0 = time.perf_counter()
        for r in torch.nonzero(halted).flatten().tolist():
            seqs[r] = stream.next()
        reset = halted.view(b, 1, 1)
        z_h = torch.where(reset, model.h_init, z_h)
        z_l = torch.where(reset, model.l_init, z_l)
        steps = torch.where(halted, 0, steps)
        ids, labels = seqs[:, :t], seqs[:, 1:]

        x = model.input(ids)
        z_h, z_l = model.cycles(z_h, z_l, x)
        logits = model.lm_head(z_h)
        q = model.q(z_h)
        q_halt, q_cont = q[:, 0], q[:, 1]
        lm_loss = F.cross_entropy(logits.reshape(-1, VOCAB).float(), labels.reshape(-1), ignore_index=-100)

        with torch.no_grad():
            z_h, z_l = z_h.detach(), z_l.detach()
            valid = labels != -100
            correct = (logits.argmax(-1) == labels) & valid
            row_acc = correct.sum(-1).float() / valid.sum(-1).clamp_min(1).float()
            steps = steps + 1
            last = steps >= m
            halted = last
            target_cont = None
            if m > 1:
                halted = halted | (q_halt > q_cont)
                explore = torch.rand(b, generator=gen) < a.halt_exploration_prob
                min_steps = explore * torch.randint(2, m + 1, (b,), generator=gen)
                halted = halted & (steps >= min_steps)
                # bootstrap target: a second segment from the new carry, no gradient, only the Q head
                nz_h, _ = model.cycles(z_h, z_l, x.detach())
                nq = model.q(nz_h)
                target_cont = torch.sigmoid(torch.where(last, nq[:, 0], torch.maximum(nq[:, 0], nq[:, 1])))

        q_halt_loss = F.binary_cross_entropy_with_logits(q_halt, (row_acc >= 0.5).float())
        q_cont_loss = F.binary_cross_entropy_with_logits(q_cont, target_cont) if target_cont is not None else torch.zeros(())
        loss = lm_loss + 0.5 * (q_halt_loss + q_cont_loss)

        opt.zero_grad(set_to_none=True)
        loss.backward()
        if a.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        opt.step()
        sched.step()
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        lm_losses.append(lm_loss.item())
        seg_counts.append(steps.float().mean().item())
        if step >= a.warmup_steps_to_skip:
            times.append(dt)
        if a.log_every and (step % a.log_every == 0 or step == a.steps - 1):
            print(f"step {step} loss {loss.item():.4f} lm {lm_loss.item():.4f} {dt:.3f}s", file=sys.stderr)

    mean = statistics.fmean(times)
    print(
        json.dumps(
            {
                "s_per_step_mean": round(mean, 5),
                "s_per_step_median": round(statistics.median(times), 5),
                "tokens_per_s": round(b * t / mean, 1),
                "steps_timed": len(times),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
                "params": params,
                "data": stream.kind,
                "loss_first": round(losses[0], 4),
                "lm_loss_first": round(lm_losses[0], 4),
                "lm_loss_last": round(lm_losses[-1], 4),
                "avg_halt_steps": round(statistics.fmean(seg_counts), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
