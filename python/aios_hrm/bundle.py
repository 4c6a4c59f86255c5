"""Read and write an aios brain bundle: `config.json`, `model.safetensors`, `metadata.json`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .model import Architecture, HrmActV1


def load_bundle(bundle: str | os.PathLike, map_location: str = "cpu") -> HrmActV1:
    """The model of `<bundle>` (a brain directory) with its trained weights, in eval mode.

    Raises FileNotFoundError for a missing file and RuntimeError (from load_state_dict) when the
    weights do not match config.json."""
    path = Path(bundle)
    arch = Architecture.from_dict(json.loads((path / "config.json").read_text()))
    model = HrmActV1(arch)
    model.load_state_dict(load_file(path / "model.safetensors", device=map_location), strict=True)
    return model.eval()


def tokenizer_name(bundle: str | os.PathLike) -> str:
    """metadata.json's tokenizer (the `--model` aios trained with), `gpt2` when absent."""
    meta = Path(bundle) / "metadata.json"
    return json.loads(meta.read_text()).get("tokenizer", "gpt2") if meta.exists() else "gpt2"


def save_bundle(model: HrmActV1, bundle: str | os.PathLike) -> Path:
    """Writes the weights as `<bundle>/model.safetensors` (written aside, then renamed) and
    `config.json`; aios loads the brain back with `--brain-name`. Other files are kept."""
    path = Path(bundle)
    path.mkdir(parents=True, exist_ok=True)
    arch = model.arch.to_dict()
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}
    tmp = path / "model.safetensors.tmp"
    save_file(tensors, str(tmp), metadata={"format": "pt", **{k: str(v) for k, v in arch.items()}})
    os.replace(tmp, path / "model.safetensors")
    (path / "config.json").write_text(json.dumps({"model_type": "hrm_actv1", **arch}, indent=2) + "\n")
    return path
