"""Where the words land (lesson 12: a prompt acts through cross-attention at every step).

The DAAM method (Tang et al. 2022): every cross-attention layer of the UNet gives, for each
image position, a softmax over the prompt's tokens. Summed over layers, heads and steps and
upsampled to the image, a token's weights form a heatmap of where that word acted. Word pieces
are merged back into words (BERT's "##" pieces, CLIP's "</w>" word ends). Only the conditional
half of classifier-free guidance is recorded: the unconditional half attends to an empty prompt.
"""
from __future__ import annotations

import re

import numpy as np
from PIL import Image

from playground.exercises.common import make_panel, render
from playground.panels import Panel
from playground.params import GenerationParams

# Words that carry little of the picture; their maps are shown faded, not hidden.
STOP_WORDS = frozenset("a an the of on in at to with and or by for from over under near into onto is are "
                       "its it this that some few as".split())
SPECIAL = re.compile(r"^(\[(CLS|SEP|PAD)\]|<\|(startoftext|endoftext)\|>|!)$")
# A perceptual colour map (dark blue -> red -> yellow), interpolated: no matplotlib on this path.
_HEAT = np.array([(10, 7, 60), (87, 16, 110), (188, 55, 84), (249, 142, 9), (252, 255, 164)], np.float32)


class AttentionStore:
    """Sums each cross-attention layer's conditional attention, per token, at one resolution."""

    def __init__(self, batch: int, size: tuple[int, int]):
        self.batch, self.size, self.total, self.calls = batch, size, None, 0

    def add(self, probs, heads: int) -> None:
        import torch.nn.functional as F

        tokens, positions = probs.shape[-1], probs.shape[-2]
        probs = probs.reshape(-1, heads, positions, tokens)[-self.batch:]  # the conditional half
        side = int(round((positions * self.size[1] / self.size[0]) ** 0.5))
        maps = probs.sum(1).transpose(1, 2).reshape(self.batch, tokens, positions // side, side).float()
        maps = F.interpolate(maps, size=self.size, mode="bilinear", align_corners=False)
        self.total = maps if self.total is None else self.total + maps
        self.calls += 1


def recording_processors(unet, store: AttentionStore) -> dict:
    """The UNet's processors with every cross-attention one (attn2) replaced by a recorder."""
    from diffusers.models.attention_processor import AttnProcessor

    class Recorder(AttnProcessor):
        # The classic processor computes the softmax explicitly (get_attention_scores); we
        # watch that call instead of copying the processor's code.
        def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None,
                     *args, **kwargs):
            original = attn.get_attention_scores

            def scores(query, key, mask=None):
                probs = original(query, key, mask)
                store.add(probs, attn.heads)
                return probs
            attn.get_attention_scores = scores
            try:
                return super().__call__(attn, hidden_states, encoder_hidden_states, attention_mask, temb)
            finally:
                del attn.get_attention_scores

    return {name: Recorder() if name.endswith("attn2.processor") else proc
            for name, proc in unet.attn_processors.items()}


def words_of(tokenizer, prompt: str) -> list[tuple[str, list[int]]]:
    """(word, token positions) in prompt order: pieces merged, specials and punctuation dropped.
    BERT marks a piece that continues a word with "##"; CLIP marks the piece that ends one
    with "</w>"."""
    ids = tokenizer(prompt, truncation=True, max_length=tokenizer.model_max_length).input_ids
    pieces = tokenizer.convert_ids_to_tokens(ids)
    clip = any(p.endswith("</w>") for p in pieces)
    words: list[tuple[str, list[int]]] = []
    continuing = False
    for pos, piece in enumerate(pieces):
        if SPECIAL.match(piece):
            continuing = False
            continue
        merge = bool(words) and (continuing if clip else piece.startswith("##"))
        text = piece.removesuffix("</w>") if clip else piece.removeprefix("##")
        if merge:
            words[-1] = (words[-1][0] + text, words[-1][1] + [pos])
        else:
            words.append((text, [pos]))
        continuing = clip and not piece.endswith("</w>")
    return [(w, p) for w, p in words if re.search(r"\w", w)]


def heatmap(image: Image.Image, weights: np.ndarray, faded: bool = False) -> Image.Image:
    """The word's normalised map in colour over a grey copy of the image."""
    w = weights / weights.max() if weights.max() > 0 else weights
    colour = np.stack([np.interp(w, np.linspace(0, 1, len(_HEAT)), _HEAT[:, c]) for c in range(3)], axis=-1)
    grey = np.asarray(image.convert("L").convert("RGB"), np.float32)
    alpha = 0.3 if faded else 0.65
    mixed = (1 - alpha) * grey + alpha * colour
    if faded:
        mixed = 0.5 * mixed + 0.5 * 255  # washed towards white: this word steers little
    return Image.fromarray(mixed.clip(0, 255).astype(np.uint8))


def attention_maps(manager, params: GenerationParams) -> list[Panel]:
    """The image, then one heatmap panel per word of the prompt (caption: the word)."""
    # 1. record every cross-attention layer at every step, the shared UNet restored after
    pipe = manager.base
    scale = pipe.vae_scale_factor  # maps add up at the latent size; upsampled once at the end
    store = AttentionStore(1, (params.height // scale, params.width // scale))
    with manager.lock:
        original = pipe.unet.attn_processors
        pipe.unet.set_attn_processor(recording_processors(pipe.unet, store))
        try:
            image = render(manager, [params])[0]
        finally:
            pipe.unet.set_attn_processor(original)
    # 2. one map per word: its pieces' maps summed (DAAM), at the image's size
    import torch.nn.functional as F

    total = F.interpolate(store.total, size=(params.height, params.width), mode="bicubic",
                          align_corners=False)[0].clamp(min=0).cpu().numpy()
    words = words_of(pipe.tokenizer, params.prompt)
    everything = max(sum(float(total[p].sum()) for _, p in words), 1e-9)
    panels = [make_panel(manager, params, image, "image")]
    for word, positions in words:
        weights = total[positions].sum(0)
        stop = word.lower() in STOP_WORDS
        panels.append(make_panel(manager, params, heatmap(image, weights, faded=stop),
                                 f"{word} (stop word)" if stop else word, word=word,
                                 share=round(float(weights.sum()) / everything, 4),
                                 centre=[round(c, 4) for c in centre_of_mass(weights)]))
    return panels


def centre_of_mass(weights: np.ndarray) -> tuple[float, float]:
    """(x, y) of a map's centre of mass, each in 0..1 (0 = left / top)."""
    w = np.clip(weights, 0, None)
    h, wd = w.shape
    mass = max(float(w.sum()), 1e-12)
    return float((w.sum(0) * np.arange(wd)).sum() / mass / (wd - 1)), float((w.sum(1) * np.arange(h)).sum() / mass / (h - 1))
