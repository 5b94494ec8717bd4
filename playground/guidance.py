"""The pipeline class for a family and task, with classifier-free guidance as its formula says
for the embedded family.

diffusers' Stable Diffusion pipelines run guidance only when guidance_scale > 1: at 0, 0.5 and
1 they all draw the conditional picture, the prompt at full weight. The formula itself,
uncond + w * (cond - uncond), draws the unconditional picture at w = 0 (the prompt ignored) and
a blend of the two for 0 < w < 1; AUTOMATIC1111 runs it at every w. The triptych teaches that
knob on the embedded model, so the embedded family's pipelines run the formula at every w but 1
(where it is the conditional picture: one UNet pass, as diffusers does).

Hub models keep diffusers' rule: SD-Turbo's and SDXL-Turbo's default guidance of 0 means "no
guidance" there (they were distilled without it; the formula would draw their unconditional
picture), and a student's PNG from SD 1.5 at CFG 1 is the same picture in both readings.
"""
from __future__ import annotations

from functools import cache

from playground.registry import TASK_CLASSES

# Families whose pipelines guide at every scale but 1 (the formula); the others: above 1 only.
TRUE_CFG_FAMILIES = frozenset({"embedded"})


class TrueGuidance:
    """A mixin placed before a diffusers pipeline class: guidance at every scale but 1.

    diffusers reads this property wherever it decides on the unconditional pass (encoding the
    negative prompt, doubling the latents, ControlNet and inpainting inputs, the formula), so
    overriding it is the whole change; __call__ stays diffusers' own. The same classes take
    one guidance scale per image (per_sample_guidance): the formula broadcasts it.
    """

    # Per-sample guidance: a (batch, 1, 1, 1) tensor that the formula's `self.guidance_scale`
    # reads instead of the call's one number, so images at different scales share a batch
    # (exercises.common.per_sample_guidance sets it around one call, under the model's lock).
    per_sample_guidance = None

    @property
    def guidance_scale(self):
        return self._guidance_scale if self.per_sample_guidance is None else self.per_sample_guidance

    def encode_prompt(self, prompt, device, num_images_per_prompt, do_classifier_free_guidance,
                      negative_prompt=None, prompt_embeds=None, negative_prompt_embeds=None, **kw):
        """diffusers' own, per text once: a class sends the same few prompts (and "" as the
        negative) again and again, and the text encoder was 11% of a class's server CPU (py-spy).
        Each text's encoding is its own row (padded to a fixed length), so a cached row is the
        row a fresh batch would give."""
        plain = prompt_embeds is None and negative_prompt_embeds is None and num_images_per_prompt == 1 \
            and not any(kw.values()) and prompt is not None
        if not plain:
            return super().encode_prompt(prompt, device, num_images_per_prompt, do_classifier_free_guidance,
                                         negative_prompt, prompt_embeds, negative_prompt_embeds, **kw)
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        cond = self._encoded(prompts, device)
        if not do_classifier_free_guidance:
            return cond, None
        negatives = negative_prompt if negative_prompt is not None else ""
        negatives = [negatives] * len(prompts) if isinstance(negatives, str) else list(negatives)
        return cond, self._encoded(negatives, device)

    def _encoded(self, texts: list, device):
        import torch

        cache = _text_cache(self.text_encoder)
        rows = {t: cache[t] for t in texts if t in cache}
        missing = [t for t in dict.fromkeys(texts) if t not in rows]
        if missing:
            rows.update(zip(missing, super().encode_prompt(missing, device, 1, False)[0]))
            cache.update((t, rows[t]) for t in missing)
            while len(cache) > TEXT_CACHE:  # oldest first
                cache.pop(next(iter(cache)))
        return torch.stack([rows[t] for t in texts]).to(device)

    @property
    def do_classifier_free_guidance(self) -> bool:
        # time_cond_proj_dim: a guidance-distilled UNet (LCM) takes w as an input, never two passes
        return self._guidance_scale != 1 and self.unet.config.time_cond_proj_dim is None


TEXT_CACHE = 256  # texts whose encoding is kept (32 x 384 floats: 49 KB each)


def _text_cache(encoder) -> dict:
    """The encodings of one text encoder, kept on it: every pipeline derived from the base shares it."""
    if not hasattr(encoder, "_lab_text_cache"):
        encoder._lab_text_cache = {}
    return encoder._lab_text_cache


@cache
def pipeline_class(family: str, task: str) -> type:
    """The pipeline class registry.TASK_CLASSES names for (family, task); for a family in
    TRUE_CFG_FAMILIES, the same class with TrueGuidance before it. Cached: every derive of a
    family gets the one class object."""
    import diffusers

    if family not in TASK_CLASSES:
        raise ValueError(f"family must be one of {', '.join(TASK_CLASSES)}, got {family!r}")
    tasks = TASK_CLASSES[family]
    if task not in tasks:
        raise ValueError(f"task must be one of {', '.join(tasks)}, got {task!r}")
    cls = getattr(diffusers, tasks[task])
    if family not in TRUE_CFG_FAMILIES:
        return cls
    # The diffusers name kept: save_pretrained writes it to model_index.json, and a saved
    # pipeline must load back with plain diffusers (true guidance is the app's choice, not the
    # weights').
    return type(cls.__name__, (TrueGuidance, cls), {"__module__": __name__, "__qualname__": cls.__qualname__,
                                                     "__doc__": f"{cls.__name__} with TrueGuidance."})
