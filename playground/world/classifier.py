"""The tiny world's attribute classifier at run time: one small CNN, one head per EVAL_ATTRIBUTE.

It reads what an image shows (subject, colour, setting, light, style, placement, bird
count): the seed grid's prior check (playground.prior) and the evaluation
(workshop.evaluate) both use it. It is trained by `python -m workshop.classifier_train
[--quick]` on freshly rendered world images, whose attributes are known exactly.

Saved as classifier.safetensors (fp16, < 2 MB) + config.json in one folder. torch is
imported inside functions so that importing this module stays cheap.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from playground.world.vocab import EVAL_ATTRIBUTES, VALUES

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models" / "tiny-world" / "classifier"
SIZE = 128
BASE_CHANNELS = (24, 48, 96, 128, 128)
EMBED = 192


# --- the network ------------------------------------------------------------------------

def build_net(width: float = 1.0, pool: int = 1):
    """Five conv stages (128 -> 8 px), a 4x4 spatial summary (placement and counts need
    where things are, which a global average would lose), a shared embedding, one head each.
    pool=2 halves the input first (4x cheaper; the CPU quick config)."""
    from torch import nn
    if not 0.1 <= width <= 2.0:
        raise ValueError(f"width must be in 0.1..2.0, got {width}")
    if pool not in (1, 2, 4):
        raise ValueError(f"pool must be 1, 2 or 4, got {pool}")
    ch = [max(8, int(round(c * width / 8)) * 8) for c in BASE_CHANNELS]

    def conv(cin, cout, stride):
        return [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True)]
    layers = ([nn.AvgPool2d(pool)] if pool > 1 else []) + conv(3, ch[0], 2)  # 64 px
    for cin, cout in zip(ch[:3], ch[1:4]):  # 32, 16, 8 px
        layers += conv(cin, cout, 1) + conv(cout, cout, 2)
    layers += conv(ch[3], ch[4], 1)
    layers += [nn.AdaptiveAvgPool2d(4), nn.Conv2d(ch[-1], 64, 1), nn.ReLU(inplace=True),
               nn.Flatten(), nn.Linear(64 * 16, EMBED), nn.ReLU(inplace=True), nn.Dropout(0.1)]
    heads = {a: nn.Linear(EMBED, len(VALUES[a])) for a in EVAL_ATTRIBUTES}
    return nn.ModuleDict({"trunk": nn.Sequential(*layers), "heads": nn.ModuleDict(heads)})


def _prepare(x):
    """uint8 NHWC -> normalised float NCHW."""
    return (x.permute(0, 3, 1, 2).float() / 255.0 - 0.5) / 0.25


class AttributeClassifier:
    """A trained classifier: predict(images) -> [{"subject": "cat", ...}, ...]."""

    def __init__(self, net, config: dict, device: str = "cpu"):
        self.net = net.to(device).eval()
        self.config = config
        self.device = device

    @classmethod
    def load(cls, folder: Path | str = DEFAULT_DIR, device: str | None = None):
        import torch
        from safetensors.torch import load_file
        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text())
        net = build_net(config["width"], config.get("pool", 1))
        net.load_state_dict({k: v.float() for k, v in
                             load_file(str(folder / "classifier.safetensors")).items()})
        return cls(net, config, device or ("cuda" if torch.cuda.is_available() else "cpu"))

    def save(self, folder: Path | str = DEFAULT_DIR) -> Path:
        from safetensors.torch import save_file
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().to("cpu").half().contiguous()
                 for k, v in self.net.state_dict().items() if v.is_floating_point()}
        save_file(state, str(folder / "classifier.safetensors"))
        (folder / "config.json").write_text(json.dumps(self.config, indent=2) + "\n")
        return folder

    def _batches(self, images, batch_size: int):
        import torch
        from PIL import Image
        if isinstance(images, np.ndarray) and images.ndim == 3:
            images = images[None]
        for start in range(0, len(images), batch_size):
            chunk = images[start:start + batch_size]
            arrays = []
            for im in chunk:
                if isinstance(im, Image.Image):
                    im = np.asarray(im.convert("RGB"))
                im = np.asarray(im)
                if im.dtype != np.uint8:  # floats in [0, 1], as diffusers returns them
                    im = (np.clip(im, 0, 1) * 255).round().astype(np.uint8)
                if im.shape[:2] != (SIZE, SIZE):
                    im = np.asarray(Image.fromarray(im).resize((SIZE, SIZE), Image.BILINEAR))
                arrays.append(im[:, :, :3])
            yield _prepare(torch.from_numpy(np.stack(arrays)).to(self.device))

    def logits(self, images, batch_size: int = 256) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """({attribute: logits (N, classes)}, penultimate features (N, EMBED))."""
        import torch
        out, feats = {a: [] for a in EVAL_ATTRIBUTES}, []
        with torch.inference_mode():
            for x in self._batches(images, batch_size):
                f = self.net["trunk"](x)
                feats.append(f.float().cpu().numpy())
                for a in EVAL_ATTRIBUTES:
                    out[a].append(self.net["heads"][a](f).float().cpu().numpy())
        if not feats:
            return {a: np.zeros((0, len(VALUES[a]))) for a in EVAL_ATTRIBUTES}, np.zeros((0, EMBED))
        return {a: np.concatenate(v) for a, v in out.items()}, np.concatenate(feats)

    def features(self, images) -> np.ndarray:
        return self.logits(images)[1]

    def predict(self, images) -> list[dict[str, str]]:
        logits, _ = self.logits(images)
        n = len(next(iter(logits.values())))
        idx = {a: logits[a].argmax(1) for a in EVAL_ATTRIBUTES}
        return [{a: VALUES[a][int(idx[a][i])] for a in EVAL_ATTRIBUTES} for i in range(n)]

    def accuracy(self, images, labels: np.ndarray) -> dict[str, float]:
        """Share correct per head; labels as workshop.classifier_train.encode_labels gives them."""
        logits, _ = self.logits(images)
        return {a: float((logits[a].argmax(1) == labels[:, j]).mean())
                for j, a in enumerate(EVAL_ATTRIBUTES)}
