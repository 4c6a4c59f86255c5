"""aios brains in PyTorch: load a bundle, run it, train it on, write it back (docs/MODEL.md)."""

from .bundle import load_bundle, save_bundle, tokenizer_name
from .generate import generate_greedy
from .model import Architecture, HrmActV1

__all__ = ["Architecture", "HrmActV1", "generate_greedy", "load_bundle", "save_bundle", "tokenizer_name"]
