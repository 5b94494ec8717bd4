"""Lesson 4: how generation unfolds, as the model's guess of the final image per step.

At each step the scheduler turns the UNet's noise estimate into a guess of the clean image
(x0, "pred_original_sample"). We watch scheduler.step for it, pick it up in
callback_on_step_end, and decode the guesses with the VAE after the run. Multistep solvers
(DPM++, UniPC, PNDM) do not return x0, so it is computed from the noise estimate:
x0 = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t), with a_t the cumulative alpha at timestep t.
"""
from __future__ import annotations

from typing import Any

from playground.exercises.common import make_panel, max_batch, render
from playground.panels import Panel
from playground.params import GenerationParams


def x0_from_output(scheduler, model_output, timestep, sample):
    """The clean-image estimate from a model output, for eps, v or sample prediction."""
    alpha = scheduler.alphas_cumprod[int(timestep)].to(sample.device, sample.dtype)
    kind = scheduler.config.prediction_type
    if kind == "epsilon":
        return (sample - (1 - alpha).sqrt() * model_output) / alpha.sqrt()
    if kind == "v_prediction":
        return alpha.sqrt() * sample - (1 - alpha).sqrt() * model_output
    return model_output  # "sample": the model predicts x0 itself


def watch_x0(pipe, record: list) -> None:
    """Make pipe.scheduler.step leave its x0 estimate in record[-1] (this call's scheduler only)."""
    scheduler = pipe.scheduler
    original = scheduler.step

    def step(model_output, timestep, sample, *args: Any, **kwargs: Any):
        out = original(model_output, timestep, sample, *args, **kwargs)
        x0 = getattr(out, "pred_original_sample", None)
        record.append(x0 if x0 is not None else x0_from_output(scheduler, model_output, timestep, sample))
        return out

    scheduler.step = step  # an instance attribute: the class and other pipelines are untouched


def decode(pipe, latents):
    """Latents to PIL images with the pipeline's own VAE scaling (and SDXL's fp16 upcast)."""
    import torch

    vae = pipe.vae
    upcast = vae.dtype == torch.float16 and getattr(vae.config, "force_upcast", False)
    if upcast:  # SDXL's VAE overflows in fp16; the pipeline does the same round trip
        vae.to(torch.float32)
    try:
        latents = latents.to(vae.dtype)
        mean, std = getattr(vae.config, "latents_mean", None), getattr(vae.config, "latents_std", None)
        if mean is not None and std is not None:
            mean = torch.tensor(mean).view(1, -1, 1, 1).to(latents)
            std = torch.tensor(std).view(1, -1, 1, 1).to(latents)
            latents = latents * std / vae.config.scaling_factor + mean
        else:
            latents = latents / vae.config.scaling_factor + (getattr(vae.config, "shift_factor", None) or 0)
        with torch.inference_mode():
            images = vae.decode(latents, return_dict=False)[0]
    finally:
        if upcast:
            vae.to(torch.float16)
    return pipe.image_processor.postprocess(images, output_type="pil")


def trajectory(manager, params: GenerationParams, every: int = 1) -> list[Panel]:
    """The predicted final image after every `every`-th step (the last step always shown)."""
    import torch

    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= params.num_inference_steps:
        raise ValueError(f"every must be an integer in 1..{params.num_inference_steps}, got {every!r}")
    # 1. run once, collecting (step, timestep, x0) as the steps happen
    seen: list = []
    steps: list[tuple[int, int, Any]] = []

    def on_step_end(pipe, i: int, t, callback_kwargs: dict) -> dict:
        steps.append((i, int(t), seen[-1]))
        return callback_kwargs

    final = render(manager, [params], setup=lambda pipe: watch_x0(pipe, seen),
                   callback_on_step_end=on_step_end)[0]
    # 2. decode the chosen steps in chunks (50 decodes at once would not fit a GPU)
    total = len(steps)
    chosen = [s for s in steps if (s[0] + 1) % every == 0 or s[0] == total - 1]
    pipe = manager.pipeline("text2img")
    images = []
    with manager.lock:
        for start in range(0, len(chosen), max_batch(manager.spec)):
            batch = torch.cat([x0 for _, _, x0 in chosen[start:start + max_batch(manager.spec)]])
            images += decode(pipe, batch)
    # 3. one panel per step; the last is the finished image the pipeline returned
    images[-1] = final
    return [make_panel(manager, params, img, f"step {i + 1}/{total} · t={t}", step=i + 1, timestep=t)
            for (i, t, _), img in zip(chosen, images)]
