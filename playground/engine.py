"""A faster CPU engine for a small UNet and VAE: ONNX Runtime behind each module's forward.

Measured on the 2-core CPU (tools/bench.py --engine): eager PyTorch runs the embedded model's
UNet at about a quarter of what the CPU can do; ONNX Runtime ran one image (batch 2 with
guidance) 1.9x faster and a batch of 16 2.0x faster, same outputs to 3e-6. So a registry entry
with `cpu_engine: onnxruntime` gets its UNet exported once to ONNX (2-3 s; cached by the
weights' hash under ENGINE_DIR, so later starts only open it, 0.3 s) and the UNet's forward is
replaced, on that one module, by a function that runs the ONNX graph whenever the call is a plain
one, and the original forward otherwise. Derived pipelines share the module (pipelines.py), so
every tab gets the engine at once, and the calls the graph cannot serve still work:

- ControlNet residuals, cross-attention kwargs, added conditions (SDXL), masks: torch;
- a lesson that swaps the attention processors (the attention maps) to read the UNet's insides:
  torch, as long as its processors are in place (checked per call, by identity);
- gradients, another device or dtype: torch.

LAB_ENGINE=torch turns it off (the bench's baseline and the equality tests); an export that fails
leaves the model on torch with a warning, never without a model.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
ENGINE_DIR = Path(os.environ.get("LAB_ENGINE_CACHE", ROOT / ".cache" / "engine"))
OPSET = 17
EXPORT = 2  # the export's own version: a changed export (2: any picture size) makes a new file
_export_lock = threading.Lock()


def wanted(spec_engine: str, device: str, dtype) -> bool:
    """Whether this model, on this device and dtype, should run through ONNX Runtime."""
    import torch

    return (spec_engine == "onnxruntime" and str(device) == "cpu" and dtype == torch.float32
            and os.environ.get("LAB_ENGINE", "").lower() != "torch")


def weights_key(module) -> str:
    """A hash of a module's weights and of the tools that export and run them: a retrained
    model or another torch/onnxruntime version gets a fresh export, never a stale graph."""
    import onnxruntime
    import torch

    h = hashlib.sha256(f"{torch.__version__} {onnxruntime.__version__} {OPSET} {EXPORT}".encode())
    for name, tensor in sorted(module.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:24]


def export(unet, path: Path) -> Path:
    """The UNet's plain call (sample, timestep, text states -> noise) as ONNX, batch and text
    length dynamic. Written atomically: two processes starting at once both end with one file."""
    import torch

    class Plain(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, sample, timestep, states):
            return type(self.inner).forward(self.inner, sample, timestep, encoder_hidden_states=states,
                                            return_dict=False)[0]

    cfg = unet.config
    size = cfg.sample_size if isinstance(cfg.sample_size, int) else cfg.sample_size[0]
    args = (torch.randn(2, cfg.in_channels, size, size), torch.tensor([500.0, 500.0]),
            torch.randn(2, 8, cfg.cross_attention_dim))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad():
        torch.onnx.export(Plain(unet).eval(), args, str(tmp), input_names=["sample", "timestep", "states"],
                          output_names=["noise"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "batch"},
                                        "states": {0: "batch", 1: "tokens"},
                                        "noise": {0: "batch", 2: "height", 3: "width"}})
    os.replace(tmp, path)
    return path


def session(path: Path, threads: int, spin: bool = False):
    """spin: the pool's threads spin-wait between the graph's operators inside a run, and stop
    the moment it returns (the UNet: a one-image step ran in 13 against 17 ms). Never between
    runs: the server's other threads (encodes, statistics) need those cycles."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # as many as torch uses: the two engines never run at once
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    if spin:
        options.add_session_config_entry("session.force_spinning_stop", "1")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _open(module, name: str, make, cache: Path | None):
    """(session, path) for `module`'s graph, exported by make(path) the first time its weights are
    seen; None, with a warning, when anything fails: the module then stays on torch."""
    import torch

    try:
        with _export_lock:
            path = Path(cache or ENGINE_DIR) / f"{name}-{weights_key(module)}.onnx"
            if not path.is_file():
                log.info("exporting the %s to %s (once per model)", name, path)
                make(path)
            return session(path, torch.get_num_threads()), path
    except Exception as exc:  # noqa: BLE001 - any failure keeps the module, on torch
        log.warning("ONNX Runtime not used for the %s (%s: %s); it runs on PyTorch", name, type(exc).__name__, exc)
        return None


def attach(unet, cache: Path | None = None) -> bool:
    """Run `unet`'s plain calls through ONNX Runtime (exported or opened from the cache).
    Returns False, leaving the module as it was, when the runtime is missing or export fails."""
    if getattr(unet, "_lab_engine", None) is not None:
        return True
    opened = _open(unet, "unet", lambda path: export(unet, path), cache)
    if opened is None:
        return False
    engine = Engine(opened[0], unet.forward, _processors(unet), opened[1])
    try:  # a second session of the same file for one-image calls (Engine.pick)
        import torch

        engine.quick = session(opened[1], torch.get_num_threads(), spin=True)
    except Exception as exc:  # noqa: BLE001 - the plain session serves every call then
        log.warning("no spinning UNet session (%s); one-image calls use the plain one", exc)

    def forward(sample, timestep, encoder_hidden_states=None, *args, **kwargs):
        return engine(unet, sample, timestep, encoder_hidden_states, args, kwargs)

    unet._lab_engine = engine
    unet.forward = forward
    return True


def detach(module) -> None:
    """Back to plain PyTorch (the bench's baseline, a test's twin): a UNet or a VAE half."""
    if getattr(module, "_lab_engine", None) is not None:
        del module.forward
        module._lab_engine = None


def active(module) -> bool:
    return getattr(module, "_lab_engine", None) is not None


# The VAE's halves: one picture-sized tensor in, one out (the graph's input and output names).
# Measured, one 128 px picture: the decoder 29 against 42 ms eager (the pipeline decodes one
# picture at a time, vae slicing, so the batch stays 1); the encoder (img2img, inpainting) 9.8
# against 18.5 ms alone and 17 against 41 ms beside a busy core, where eager PyTorch's thread team
# waits on the core it shares (in a class, the server's other work).
# name: (graph input, graph output, the VAE config's channel count of the input)
_VAE_PARTS = {"decoder": ("latents", "picture", "latent_channels"), "encoder": ("picture", "moments", "in_channels")}


def export_vae_part(module, name: str, channels: int, path: Path) -> Path:
    """The VAE decoder's or encoder's plain call as ONNX, batch and size dynamic, written atomically."""
    import torch

    source, target, _ = _VAE_PARTS[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    axes = {0: "batch", 2: "height", 3: "width"}
    with torch.no_grad():
        torch.onnx.export(module.eval(), (torch.randn(1, channels, 16, 16),), str(tmp), input_names=[source],
                          output_names=[target], opset_version=OPSET, dynamo=False,
                          dynamic_axes={source: axes, target: axes})
    os.replace(tmp, path)
    return path


def attach_vae_part(vae, name: str, cache: Path | None = None) -> bool:
    """Run the VAE's "decoder" or "encoder" plain calls through ONNX Runtime. Returns False,
    leaving the module on torch, when the runtime is missing or the export fails."""
    module = getattr(vae, name)
    if getattr(module, "_lab_engine", None) is not None:
        return True
    channels = getattr(vae.config, _VAE_PARTS[name][2])
    opened = _open(module, name, lambda path: export_vae_part(module, name, channels, path), cache)
    if opened is None:
        return False
    engine = PlainEngine(opened[0], module.forward, opened[1], _VAE_PARTS[name][0])
    module._lab_engine = module.forward = engine
    return True


class PlainEngine:
    """A VAE half's ONNX session in front of its torch forward (gradients, other dtypes, a
    decoder's latent_embeds: torch)."""

    def __init__(self, runner, original, path: Path, source: str):
        self.runner, self.original, self.path, self.source = runner, original, path, source
        self.calls = {"onnxruntime": 0, "torch": 0}

    def __call__(self, sample, *extra, **named):
        import torch

        # with gradients on, torch: a loss may reach the module's weights, not only its input
        # (the pipelines and the trajectory lesson run under no_grad / inference_mode)
        if (any(e is not None for e in (*extra, *named.values())) or sample.device.type != "cpu"
                or sample.dtype != torch.float32 or torch.is_grad_enabled()):
            self.calls["torch"] += 1
            return self.original(sample, *extra, **named)
        try:
            out = self.runner.run(None, {self.source: sample.contiguous().numpy()})[0]
        except Exception as exc:  # noqa: BLE001 - a shape the graph refuses: this call on torch
            log.warning("ONNX Runtime refused a VAE call (%s); it runs on PyTorch", exc)
            self.calls["torch"] += 1
            return self.original(sample, *extra, **named)
        self.calls["onnxruntime"] += 1
        return torch.from_numpy(out)


def _processors(unet) -> list[tuple[Any, Any]]:
    from diffusers.models.attention_processor import Attention

    return [(m, m.processor) for m in unet.modules() if isinstance(m, Attention)]


# keyword arguments whose default (None / True) a plain call keeps; any other value needs torch
_PLAIN = {"class_labels", "timestep_cond", "attention_mask", "cross_attention_kwargs", "added_cond_kwargs",
          "down_block_additional_residuals", "mid_block_additional_residual",
          "down_intrablock_additional_residuals", "encoder_attention_mask"}


class Engine:
    """The ONNX session and the torch forward it stands in front of; counts calls by engine
    (the bench and the tests read them)."""

    QUICK_BATCH = 2  # one image with guidance

    def __init__(self, runner, original, processors, path: Path):
        self.runner, self.original, self.processors, self.path = runner, original, processors, path
        self.quick = None  # the spinning session (attach opens it)
        self.calls = {"onnxruntime": 0, "torch": 0}

    def plain(self, sample, states, args, kwargs) -> bool:
        import torch

        if args or states is None or set(kwargs) - _PLAIN - {"return_dict"}:
            return False
        if any(kwargs.get(k) is not None for k in _PLAIN):
            return False
        if sample.device.type != "cpu" or sample.dtype != torch.float32 or states.dtype != torch.float32:
            return False
        if torch.is_grad_enabled() and (sample.requires_grad or states.requires_grad):
            return False
        return all(module.processor is proc for module, proc in self.processors)

    def pick(self, batch: int):
        """The session for a call of `batch` samples. A student's one image runs on a pool that
        spins inside the run: 1.7-1.8x eager instead of 1.4-1.7x. A batch runs on one that never
        spins: under a 30-student class, spinning cost 7% of the throughput (9.01 and 9.28
        against 8.42 and 8.58 images/s) by taking the cycles gradio's per-request work needs.
        The two sessions share nothing: the second costs 52 MB."""
        return self.quick if self.quick is not None and batch <= self.QUICK_BATCH else self.runner

    def __call__(self, unet, sample, timestep, states, args, kwargs):
        import torch

        if not self.plain(sample, states, args, kwargs):
            self.calls["torch"] += 1
            return self.original(sample, timestep, states, *args, **kwargs)
        batch = sample.shape[0]
        t = torch.as_tensor(timestep, dtype=torch.float32).reshape(-1).expand(batch).contiguous()
        if states.shape[0] != batch:  # the UNet broadcasts one prompt over the batch; the graph does not
            states = states.expand(batch, *states.shape[1:])
        try:
            out = self.pick(batch).run(None, {"sample": sample.contiguous().numpy(), "timestep": t.numpy(),
                                         "states": states.contiguous().numpy()})[0]
        except Exception as exc:  # noqa: BLE001 - a shape the graph refuses: this call on torch
            log.warning("ONNX Runtime refused a UNet call (%s); it runs on PyTorch", exc)
            self.calls["torch"] += 1
            return self.original(sample, timestep, states, *args, **kwargs)
        self.calls["onnxruntime"] += 1
        noise = torch.from_numpy(out)
        if kwargs.get("return_dict", True):
            from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput

            return UNet2DConditionOutput(sample=noise)
        return (noise,)
