"""HRM-ACTV1 training step in PyTorch: the speed baseline for `npm run bench:train`.

The model is python/aios_hrm's rendering of docs/MODEL.md (the contract the TF.js trainer
follows; the same code the round-trip tests check against aios), written the way a PyTorch user
would: attention is F.scaled_dot_product_attention(is_causal=True), the
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
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

VOCAB = 50257

# The model is the package's (python/aios_hrm): one PyTorch rendering of docs/MODEL.md.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))
from aios_hrm.model import Architecture, HrmActV1  # noqa: E402


def build_model(a: argparse.Namespace) -> HrmActV1:
    return HrmActV1(
        Architecture(
            hidden_size=a.hidden_size,
            num_heads=a.num_heads,
            expansion=a.expansion,
            h_layers=a.h_layers,
            l_layers=a.l_layers,
            h_cycles=a.h_cycles,
            l_cycles=a.l_cycles,
            pos_encodings=a.pos_encodings,
            max_seq_len=a.max_seq_len,
            vocab_size=VOCAB,
            halt_max_steps=a.halt_max_steps,
        )
    )


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
    model = build_model(a)
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
        z_h, z_l = model.segment(z_h, z_l, x)
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
                nz_h, _ = model.segment(z_h, z_l, x.detach())
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
