"""Greedy generation with ACT at inference, as `aios hrm-hf generate --temperature 0` does."""

from __future__ import annotations

import torch

from .model import HrmActV1


@torch.no_grad()
def generate_greedy(model: HrmActV1, prompt_ids: list[int], max_new_tokens: int, eot_id: int | None = None) -> tuple[list[int], list[int]]:
    """New ids and the segments each used. Per token the whole context (its last max_seq_len ids)
    runs from a fresh state; generation ends at `eot_id` (not returned) or after max_new_tokens."""
    t = model.arch.max_seq_len
    if not 0 < len(prompt_ids) <= t:
        raise ValueError(f"prompt of {len(prompt_ids)} tokens: must be 1..{t}")
    context = list(prompt_ids)
    ids: list[int] = []
    segments: list[int] = []
    for _ in range(max_new_tokens):
        logits, used = model.next_logits(torch.tensor(context[-t:], dtype=torch.long))
        nxt = int(torch.argmax(logits))
        if nxt == eot_id:
            break
        ids.append(nxt)
        segments.append(used)
        context.append(nxt)
    return ids, segments
