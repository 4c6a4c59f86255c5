"""Train an aios brain on in PyTorch, on one machine or many GPUs with torch.distributed.

    torchrun --nproc-per-node 8 -m aios_hrm.train --bundle artifacts/brains/actv1/default \\
        --tokens tokens.npy --steps 1000 --batch-size 32

One optimizer step = one segment per row with the ACT carry, losses and AdamW of docs/MODEL.md
(the schedule aios uses). `--tokens` is a flat int array of token ids (numpy .npy) in the brain's
tokenizer. Rank 0 writes the weights back into the bundle, which `aios hrm-hf generate` and
`train-actv1 --resume`-free runs read (the optimizer state of aios's checkpoint is not carried)."""

from __future__ import annotations

import argparse
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from .bundle import load_bundle, save_bundle
from .model import HrmActV1


def act_step(model: HrmActV1, carry: dict, batch_next, gen: torch.Generator, explore: float) -> tuple[torch.Tensor, dict]:
    """Loss of one segment per row (docs/MODEL.md: one segment, ACT across steps, losses) and the
    next carry. `batch_next(r)` gives a fresh `[T + 1]` sequence for a halted row."""
    m = model.arch.halt_max_steps
    seqs, z_h, z_l, steps, halted = carry["seqs"], carry["z_h"], carry["z_l"], carry["steps"], carry["halted"]
    for r in torch.nonzero(halted).flatten().tolist():
        seqs[r] = batch_next(r)
    reset = halted.view(-1, 1, 1)
    z_h = torch.where(reset, model.h_init, z_h)
    z_l = torch.where(reset, model.l_init, z_l)
    steps = torch.where(halted, 0, steps)
    ids, labels = seqs[:, :-1], seqs[:, 1:]
    x = model.input(ids)
    z_h, z_l = model.segment(z_h, z_l, x)
    logits = model.lm_head(z_h)
    q = model.q(z_h)
    lm_loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    with torch.no_grad():
        z_h, z_l = z_h.detach(), z_l.detach()
        row_acc = (logits.argmax(-1) == labels).float().mean(-1)
        steps = steps + 1
        last = steps >= m
        halted = last
        target = None
        if m > 1:
            b = ids.shape[0]
            min_steps = (torch.rand(b, generator=gen) < explore) * torch.randint(2, m + 1, (b,), generator=gen)
            halted = (halted | (q[:, 0] > q[:, 1])) & (steps >= min_steps.to(steps.device))
            nq = model.q(model.segment(z_h, z_l, x.detach())[0])
            target = torch.sigmoid(torch.where(last, nq[:, 0], torch.maximum(nq[:, 0], nq[:, 1])))
    loss_h = F.binary_cross_entropy_with_logits(q[:, 0], (row_acc >= 0.5).float())
    loss_c = F.binary_cross_entropy_with_logits(q[:, 1], target) if target is not None else torch.zeros((), device=q.device)
    loss = lm_loss + 0.5 * (loss_h + loss_c)
    return loss, {"seqs": seqs, "z_h": z_h, "z_l": z_l, "steps": steps, "halted": halted}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", required=True, help="the brain directory (config.json, model.safetensors)")
    p.add_argument("--tokens", required=True, help=".npy of token ids")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=8, help="rows per process")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    p.add_argument("--halt-exploration-prob", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    distributed = "WORLD_SIZE" in os.environ
    rank = 0
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        rank = dist.get_rank()
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
    model = load_bundle(a.bundle).to(device).train()
    if distributed:
        # every rank starts from rank 0's weights (they are the same file, but be exact)
        for tensor in model.state_dict().values():
            dist.broadcast(tensor, 0)
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    tokens = torch.from_numpy(np.load(a.tokens).astype(np.int64))
    t, b, d = model.arch.max_seq_len, a.batch_size, model.arch.hidden_size
    gen = torch.Generator().manual_seed(a.seed + rank)
    world = dist.get_world_size() if distributed else 1
    cursor = [rank * (t + 1)]

    def next_seq(_row: int) -> torch.Tensor:
        if cursor[0] + t + 1 > len(tokens):
            cursor[0] = rank * (t + 1) % max(1, len(tokens) - t - 1)
        seq = tokens[cursor[0] : cursor[0] + t + 1]
        cursor[0] += world * (t + 1)
        return seq.to(device)

    carry = {
        "seqs": torch.zeros(b, t + 1, dtype=torch.long, device=device),
        "z_h": torch.zeros(b, t, d, device=device),
        "z_l": torch.zeros(b, t, d, device=device),
        "steps": torch.zeros(b, dtype=torch.long, device=device),
        "halted": torch.ones(b, dtype=torch.bool, device=device),
    }
    for step in range(a.steps):
        loss, carry = act_step(model, carry, next_seq, gen, a.halt_exploration_prob)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if distributed:
            # data parallel: each rank's rows, gradients averaged (what DDP's all-reduce does)
            for prm in model.parameters():
                if prm.grad is not None:
                    dist.all_reduce(prm.grad)
                    prm.grad /= world
        if a.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.grad_clip)
        opt.step()
        if rank == 0 and (step % 10 == 0 or step == a.steps - 1):
            print(f"step {step + 1} loss {loss.item():.4f}", flush=True)
    if rank == 0:
        save_bundle(model, a.bundle)
        print(f"weights written to {a.bundle}/model.safetensors", flush=True)
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
