"""The tiny world's caption model at run time: a word-level GRU that writes world captions.

It is trained by `python -m workshop.captioner_train` on captions that workshop.captions
writes for scenes drawn from the world's prior, so it knows the world's grammar and nothing
else: about 165 words (the grammar's whole vocabulary) plus <pad>, <bos> and <eos>. The
temperature lab samples it at several temperatures and renders what it writes.

Saved as captioner.safetensors (fp16 weights, 0.29 MB, plus one bit per word pair seen in
training) + config.json (sizes, vocabulary) in one folder, loaded with safetensors only. torch is imported inside functions so importing stays cheap.

Sampling draws each word by inverse CDF: the next-word probabilities (after temperature,
top-k and top-p) sorted from most to least likely, and one uniform number u from the sample's
own CPU torch.Generator picks the word where their running sum passes u. So a seed fixes the
sequence of u's, and the same seed at two temperatures makes the same "choices" on differently
sharpened distributions, as one image seed does under two guidance scales. Inference runs in
float64, so a caption sampled in a batch is the one sampled alone (rounding that differs with
the batch size cannot move a running sum across u).
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "models" / "tiny-world" / "captioner"
SPECIALS = ("<pad>", "<bos>", "<eos>")
PAD, BOS, EOS = 0, 1, 2
FORMAT = "tiny-world-captioner/1"
PAIRS_KEY = "grammar.pairs"  # packed bits of the seen word pairs, beside the weights
# Limits of the knobs. Below 0.05 the distribution is already argmax (the lab shows that at
# 0.2); above 2.0 every word is nearly equally likely, and nothing new is to be seen.
TEMPERATURE_RANGE = (0.05, 2.0)
MAX_LENGTH_RANGE = (1, 48)  # words written after the start; training captions have <= 26
MAX_START_WORDS = 24
SEED_MAX = 2**32 - 1  # the lab's seeds (playground.params.SEED_MAX); world imports nothing above it
# Words: letters/digits with inner hyphens ("snow-capped", "8-bit"), commas; any other
# non-space run becomes its own token, so "cat." is reported as the unknown word ".".
WORD_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|,|[^\sa-z0-9,]+")


def tokenize(text: str) -> list[str]:
    """Lower-case words and commas (the parser reads lower case too)."""
    return WORD_RE.findall(text.lower())


def detokenize(words: Sequence[str], display: dict[str, str] | None = None) -> str:
    """Words back to a caption: commas attach to the word before; proper nouns re-capitalised."""
    display = display or {}
    return " ".join(display.get(w, w) for w in words).replace(" ,", ",")


# --- the network ------------------------------------------------------------------------

def build_net(vocab_size: int, embed: int, hidden: int, layers: int, dropout: float = 0.0):
    """Embedding -> GRU -> a linear layer over the vocabulary (no class: torch stays lazy)."""
    from torch import nn
    return nn.ModuleDict({"embed": nn.Embedding(vocab_size, embed),
                          "rnn": nn.GRU(embed, hidden, layers, batch_first=True,
                                        dropout=dropout if layers > 1 else 0.0),
                          "out": nn.Linear(hidden, vocab_size)})


def forward(net, ids, state=None):
    """(logits (N, T, V), state) for token ids (N, T), carrying the GRU state across calls."""
    hidden, state = net["rnn"](net["embed"](ids), state)
    return net["out"](hidden), state


@dataclass(frozen=True)
class Sampled:
    text: str  # the whole caption: the start, then the sampled words
    finished: bool  # the model ended it (<eos>) within max_length
    seed: int
    temperature: float


def check_knobs(temperature: float, top_k: int, top_p: float, vocab_size: int) -> None:
    lo, hi = TEMPERATURE_RANGE
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
            or not lo <= temperature <= hi:
        raise ValueError(f"temperature must be a number in {lo}..{hi}, got {temperature!r}")
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or not 0 <= top_k <= vocab_size:
        raise ValueError(f"top_k must be a whole number in 0..{vocab_size} (0 = off), got {top_k!r}")
    if isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0:
        raise ValueError(f"top_p must be a number in (0, 1] (1 = off), got {top_p!r}")


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= SEED_MAX:
        raise ValueError(f"seed must be an integer in 0..{SEED_MAX}, got {seed!r}")
    return int(seed)


def filtered_probs(logits, temperature, top_k: int, top_p: float):
    """Next-word probabilities, sorted high to low, after temperature (one per row), top-k and
    top-p: (probs (N, V) renormalised, order (N, V) word ids). The most likely word always stays."""
    import torch
    probs = torch.softmax(logits / temperature[:, None], dim=-1)
    probs, order = torch.sort(probs, dim=-1, descending=True, stable=True)
    keep = torch.ones_like(probs, dtype=torch.bool)
    if top_k:
        keep[:, top_k:] = False
    if top_p < 1.0:  # the smallest head whose mass reaches top_p: drop words once it is reached
        before = torch.cumsum(probs, dim=-1) - probs
        keep &= before < top_p
    keep[:, 0] = True
    probs = probs * keep
    return probs / probs.sum(dim=-1, keepdim=True), order


class Captioner:
    """A trained caption model: sample(start, temperatures, seeds, ...) -> [Sampled, ...]."""

    def __init__(self, net, config: dict, pairs: np.ndarray | None = None):
        self.net = net.double().eval()  # float64: see the module docstring
        self.config = config
        self.vocab: list[str] = list(config["vocab"])
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.display: dict[str, str] = dict(config.get("display", {}))
        # pairs[a, b]: word b followed word a somewhere in the training captions (<bos>/<eos>
        # included): the grammar's transitions, which the world's parser does not judge
        self.pairs = pairs

    @classmethod
    def load(cls, folder: Path | str = DEFAULT_DIR) -> "Captioner":
        from safetensors.torch import load_file
        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text())
        if config.get("format") != FORMAT:
            raise ValueError(f"{folder / 'config.json'} is not a {FORMAT} config")
        net = build_net(len(config["vocab"]), config["embed"], config["hidden"], config["layers"])
        state = load_file(str(folder / "captioner.safetensors"))
        bits = state.pop(PAIRS_KEY, None)
        net.load_state_dict({k: v.float() for k, v in state.items()})
        size = len(config["vocab"])
        pairs = None if bits is None else \
            np.unpackbits(bits.numpy())[:size * size].reshape(size, size).astype(bool)
        return cls(net, config, pairs)

    def save(self, folder: Path | str = DEFAULT_DIR) -> Path:
        """fp16 weights (half the size; the float64 sampler upcasts them) + config.json."""
        from safetensors.torch import save_file
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        import torch
        state = {k: v.detach().cpu().half().contiguous() for k, v in self.net.state_dict().items()}
        if self.pairs is not None:  # one bit per word pair: 3.5 kB
            state[PAIRS_KEY] = torch.from_numpy(np.packbits(self.pairs.reshape(-1)))
        save_file(state, str(folder / "captioner.safetensors"))
        (folder / "config.json").write_text(json.dumps(self.config, indent=1) + "\n")
        return folder

    def unseen_pairs(self, text: str) -> list[str]:
        """Adjacent words of text (with the start and end) never adjacent in the training
        captions, e.g. ["cat bright"]; [] without a pair table or when all were seen."""
        if self.pairs is None:
            return []
        words = ["<bos>"] + [w for w in tokenize(text) if w in self.index] + ["<eos>"]
        shown = {"<bos>": "[start]", "<eos>": "[end]", **self.display}
        return [f"{shown.get(a, a)} {shown.get(b, b)}" for a, b in zip(words, words[1:])
                if not self.pairs[self.index[a], self.index[b]]]

    def unknown_words(self, text: str) -> list[str]:
        return list(dict.fromkeys(w for w in tokenize(text) if w not in self.index or w in SPECIALS))

    def encode(self, text: str, field: str = "start", limit: int | None = MAX_START_WORDS) -> list[int]:
        """Word ids of text; unknown words are an error that names them (no silent mapping:
        a student who types "kitten" should learn that this model has never seen it)."""
        unknown = self.unknown_words(text)
        if unknown:
            raise ValueError(f"{field} has words the caption model does not know: "
                             f"{', '.join(repr(w) for w in unknown)}; it knows only the world's "
                             f"{len(self.vocab) - len(SPECIALS)} caption words (e.g. a, cat, dog, red, "
                             "in, meadow, at, night)")
        words = tokenize(text)
        if limit is not None and len(words) > limit:
            raise ValueError(f"{field} must have at most {limit} words, got {len(words)}")
        return [self.index[w] for w in words]

    def decode(self, ids: Sequence[int]) -> str:
        return detokenize([self.vocab[i] for i in ids if i >= len(SPECIALS)], self.display)

    def nll(self, texts: Sequence[str], batch_size: int = 512) -> tuple[float, int]:
        """(summed negative log-likelihood in nats, number of predicted tokens) of whole
        captions, <eos> included: exp(nll / tokens) is the perplexity per word."""
        import torch
        total, count = 0.0, 0
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                rows = [[BOS] + self.encode(t, "text", None) + [EOS] for t in texts[i:i + batch_size]]
                ids = torch.full((len(rows), max(map(len, rows))), PAD)
                for r, row in enumerate(rows):
                    ids[r, :len(row)] = torch.tensor(row)
                logits, _ = forward(self.net, ids[:, :-1])
                target = ids[:, 1:]
                loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2), target,
                                                         ignore_index=PAD, reduction="sum")
                total, count = total + float(loss), count + int((target != PAD).sum())
        return total, count

    def sample(self, start: str, temperatures: Sequence[float], seeds: Sequence[int],
               top_k: int = 0, top_p: float = 1.0, max_length: int = 32) -> list[Sampled]:
        """One caption per (temperature, seed) pair, all in one batch; each row draws from its
        own CPU torch.Generator(seed), so any caption can be re-made alone."""
        temperatures, seeds = list(temperatures), [check_seed(s) for s in seeds]
        if len(temperatures) != len(seeds) or not seeds:
            raise ValueError(f"temperatures and seeds must be equally long and not empty, "
                             f"got {len(temperatures)} and {len(seeds)}")
        for t in temperatures:
            check_knobs(t, top_k, top_p, len(self.vocab))
        lo, hi = MAX_LENGTH_RANGE
        if isinstance(max_length, bool) or not isinstance(max_length, int) or not lo <= max_length <= hi:
            raise ValueError(f"max_length must be a whole number in {lo}..{hi}, got {max_length!r}")
        prefix = self.encode(start)
        rows = self._draw(prefix, temperatures, seeds, top_k, top_p, max_length)
        return [Sampled(self.decode(prefix + words), finished, s, float(t))
                for (words, finished), s, t in zip(rows, seeds, temperatures)]

    def _draw(self, prefix, temperatures, seeds, top_k, top_p, max_length):
        """The sampling loop: [(word ids after the prefix, ended by <eos>)] per row."""
        import torch
        n = len(seeds)
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        temps = torch.tensor(temperatures, dtype=torch.float64)
        words, done = [[] for _ in range(n)], [False] * n
        with torch.inference_mode():
            logits, state = forward(self.net, torch.tensor([[BOS] + prefix] * n))
            last = logits[:, -1].clone()
            for step in range(max_length):
                if step == 0 and not prefix:  # a caption has at least one word
                    last[:, EOS] = -torch.inf
                last[:, [PAD, BOS]] = -torch.inf  # never written mid-caption
                probs, order = filtered_probs(last, temps, top_k, top_p)
                cdf = torch.cumsum(probs, dim=-1)
                nxt = torch.full((n,), EOS)
                for r in range(n):
                    if done[r]:
                        continue
                    u = torch.rand((), generator=gens[r], dtype=torch.float64)
                    pick = min(int(torch.searchsorted(cdf[r], u * cdf[r, -1], right=True)), cdf.shape[1] - 1)
                    nxt[r] = order[r, pick]
                    if int(nxt[r]) == EOS:
                        done[r] = True
                    else:
                        words[r].append(int(nxt[r]))
                if all(done):
                    break
                logits, state = forward(self.net, nxt[:, None], state)
                last = logits[:, -1].clone()
        return list(zip(words, done))


_lock = threading.Lock()
_loaded: dict[str, Captioner] = {}


def load_captioner(folder: Path | str | None = None) -> Captioner:
    """The caption model, loaded once per folder (a 0.3 MB GRU on the CPU)."""
    key = str(folder or DEFAULT_DIR)
    with _lock:
        if key not in _loaded:
            if not (Path(key) / "captioner.safetensors").is_file():
                raise ValueError(f"the caption model is missing from {key} "
                                 "(python -m workshop.captioner_train trains it)")
            _loaded[key] = Captioner.load(key)
        return _loaded[key]
