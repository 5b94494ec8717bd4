"""Train and measure the tiny world's caption model (playground.world.captioner).

    python -m workshop.captioner_train [--quick] [--out DIR] [--seed N] [--max-minutes M]
    python -m workshop.captioner_train --evaluate [--quick] [--out DIR]

Training writes captioner.safetensors + config.json into --out (default: the shipped folder,
models/tiny-world/captioner) and then evaluates; --evaluate only evaluates what is there.
The evaluation writes evaluation.json beside the weights and prints the model card's table:
held-out perplexity (with unigram and bigram baselines), and at each temperature the share of
256 sampled captions that are valid world scenes (playground.exercises.captions.scene_check)
and the distinct captions per 32 samples. --quick is the tests' few-second configuration.
"""
from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from playground.exercises.captions import scene_check
from playground.world.captioner import DEFAULT_DIR, FORMAT, PAD, Captioner, build_net, forward, tokenize
from workshop.captioner_data import (HELD_OUT, TRAIN, batches, build_vocab, distinct_per, encode,
                                     ngram_perplexity, pair_table, world_captions)

# FULL: ~10 minutes on 2 shared CPU cores (the shipped model). Its size is set by the model
# folder's cap (tests/test_model.py: 40 MB for all of models/tiny-world, which the image model
# nearly fills): 146 k parameters, 0.29 MB in fp16. One GRU layer of 160 is enough for a
# grammar of ~165 words; 4,000 steps of 128 see each of the 100,000 captions about 5 times.
FULL = dict(captions=100_000, embed=64, hidden=160, layers=1, dropout=0.0, batch=128, steps=4000,
            lr=5e-3, warmup=100, clip=1.0)
QUICK = dict(captions=3000, embed=32, hidden=64, layers=1, dropout=0.0, batch=64, steps=60,
             lr=1e-2, warmup=5, clip=1.0)
TEMPERATURES = (0.2, 0.5, 0.7, 1.0, 1.2, 1.5, 2.0)  # 2.0: the sampler's limit
# Truncation at the hottest temperature: how much of the lost validity top-k / top-p win back.
TRUNCATED = ((2.0, 10, 1.0), (2.0, 0, 0.9))
EVAL = dict(samples=256, held_out=5000, baseline=50_000)
EVAL_QUICK = dict(samples=64, held_out=500, baseline=3000)


def lr_at(step: int, cfg: dict, time_share: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to 5% of the peak. The decay follows whichever is
    further along, the steps or the time cap (time_share: the share of --max-minutes used), so
    a run cut short on a busy CPU still ends at a low learning rate."""
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    progress = max((step - cfg["warmup"]) / max(1, cfg["steps"] - cfg["warmup"]), time_share)
    return cfg["lr"] * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def per_token(losses: list[tuple[float, int]]) -> float:
    """Mean loss per token (nats) over (summed loss, tokens) pairs."""
    return sum(l for l, _ in losses) / max(1, sum(n for _, n in losses))


def train(cfg: dict, seed: int = 0, max_minutes: float | None = None, workers: int = 1) -> Captioner:
    """Train one caption model: (1) captions, (2) vocabulary and ids, (3) AdamW steps."""
    import torch
    t0 = time.time()
    torch.manual_seed(seed)
    # 1. the training captions, from the training seed stream
    texts = world_captions(cfg["captions"], seed, TRAIN, workers)
    vocab, display = build_vocab(texts)
    rows = encode(texts, vocab)
    print(f"{len(texts)} captions, {len(vocab)} tokens, {time.time() - t0:.0f} s", flush=True)
    # 2. the network and optimiser
    net = build_net(len(vocab), cfg["embed"], cfg["hidden"], cfg["layers"], cfg["dropout"])
    opt = torch.optim.AdamW(net.parameters(), lr=cfg["lr"], weight_decay=0.01)
    rng, step, pending, losses = np.random.default_rng(seed), 0, [], []
    per_caption = float(np.mean([len(r) - 1 for r in rows]))  # predicted tokens per caption
    t_start = time.time()  # the time cap counts training steps only
    # 3. steps over shuffled, length-sorted batches until cfg["steps"] or the time cap
    while step < cfg["steps"]:
        pending = pending or batches(rows, cfg["batch"], rng)
        ids = torch.from_numpy(pending.pop())
        time_share = (time.time() - t_start) / (60 * max_minutes) if max_minutes else 0.0
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg, time_share)
        logits, _ = forward(net, ids[:, :-1])
        total = torch.nn.functional.cross_entropy(logits.transpose(1, 2), ids[:, 1:], ignore_index=PAD,
                                                  reduction="sum")
        # Divided by a constant, not by this batch's token count: batches are length-sorted, and a
        # per-batch mean would weigh each token of a batch of "a cat"s 8x more than one of a
        # batch of long captions (the first run did: it ended 92% of "a cat"s, the world 69%).
        loss = total / (len(ids) * per_caption)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), cfg["clip"])
        opt.step()
        losses.append((total.item(), int((ids[:, 1:] != PAD).sum())))
        step += 1
        if step % 100 == 0 or step == cfg["steps"]:
            print(f"step {step}: loss {per_token(losses[-100:]):.4f}, {time.time() - t0:.0f} s", flush=True)
        if max_minutes is not None and time.time() - t_start > 60 * max_minutes:
            print(f"stopped by --max-minutes {max_minutes} at step {step}", flush=True)
            break
    config = {"format": FORMAT, "vocab": vocab, "display": display,
              **{k: cfg[k] for k in ("embed", "hidden", "layers")},
              "parameters": sum(p.numel() for p in net.parameters()),
              "training": {**cfg, "seed": seed, "steps_done": step,
                           "final_loss": round(per_token(losses[-100:]), 4),
                           "minutes": round((time.time() - t0) / 60, 2),
                           "command": "python -m workshop.captioner_train"}}
    return Captioner(net.eval(), config, pair_table(rows, len(vocab)))


def temperature_row(model: Captioner, temperature: float, top_k: int, top_p: float, samples: int) -> dict:
    """What `samples` captions (seeds 0..samples-1, empty start) at one setting look like."""
    drawn = model.sample("", [temperature] * samples, range(samples), top_k=top_k, top_p=top_p)
    valid = [scene_check(d.text, d.finished, model)[0] for d in drawn]
    known = [not model.unseen_pairs(d.text) for d in drawn]
    texts = [d.text for d in drawn]
    return {"temperature": temperature, "top_k": top_k, "top_p": top_p, "samples": samples,
            "valid_share": round(float(np.mean(valid)), 4),
            "finished_share": round(float(np.mean([d.finished for d in drawn])), 4),
            "known_pairs_share": round(float(np.mean(known)), 4),
            "distinct_per_32": round(distinct_per(texts, 32), 2),
            "mean_words": round(float(np.mean([len(tokenize(t)) for t in texts])), 2),
            "examples": texts[:3]}


def evaluate(model: Captioner, seed: int = 0, quick: bool = False) -> dict:
    """The model card's figures (see the module docstring)."""
    t0 = time.time()
    ev = EVAL_QUICK if quick else EVAL
    # 1. held-out perplexity; captions with a word the model never saw cannot be scored
    held = world_captions(ev["held_out"], seed, HELD_OUT)
    scored = [t for t in held if not model.unknown_words(t)]
    nll, tokens = model.nll(scored)
    train = world_captions(ev["baseline"], seed, TRAIN)  # a prefix of the training captions
    out = {"held_out_captions": len(scored), "held_out_dropped": len(held) - len(scored),
           "held_out_tokens": tokens, "perplexity": round(math.exp(nll / tokens), 3),
           "baseline_unigram": round(ngram_perplexity(train, scored, 1), 3),
           "baseline_bigram": round(ngram_perplexity(train, scored, 2), 3)}
    # 2. the world's caption writer as the reference row (what a perfect model would score)
    truth = held[:ev["samples"]]
    out["reference"] = {"valid_share": round(float(np.mean([scene_check(t, True, model)[0] for t in truth])), 4),
                        "distinct_per_32": round(distinct_per(truth, 32), 2),
                        "mean_words": round(float(np.mean([len(tokenize(t)) for t in truth])), 2),
                        "known_pairs_share": round(float(np.mean([not model.unseen_pairs(t) for t in truth])), 4)}
    # 3. temperatures, then truncation at the hottest one
    rows = [temperature_row(model, t, 0, 1.0, ev["samples"]) for t in TEMPERATURES]
    rows += [temperature_row(model, t, k, p, ev["samples"]) for t, k, p in TRUNCATED]
    out["temperatures"] = rows
    plain = rows[:len(TEMPERATURES)]
    out["valid_falls"] = all(a["valid_share"] >= b["valid_share"] for a, b in zip(plain, plain[1:]))
    out["distinct_rises"] = all(a["distinct_per_32"] <= b["distinct_per_32"] for a, b in zip(plain, plain[1:]))
    out["seconds"] = round(time.time() - t0, 1)
    return out


def table(ev: dict) -> str:
    lines = [f"held-out perplexity {ev['perplexity']} per word ({ev['held_out_captions']} captions, "
             f"{ev['held_out_tokens']} tokens); unigram {ev['baseline_unigram']}, bigram {ev['baseline_bigram']}",
             "", "| temperature | top_k | top_p | valid scenes | finished | known word pairs | distinct / 32 | words |",
             "|---|---|---|---|---|---|---|---|"]
    for r in ev["temperatures"]:
        lines.append(f"| {r['temperature']} | {r['top_k'] or 'off'} | {r['top_p'] if r['top_p'] < 1 else 'off'} "
                     f"| {r['valid_share']:.1%} | {r['finished_share']:.1%} | {r['known_pairs_share']:.1%} "
                     f"| {r['distinct_per_32']} | {r['mean_words']} |")
    ref = ev["reference"]
    lines.append(f"| world's caption writer (held out) | | | {ref['valid_share']:.1%} | 100.0% | "
                 f"{ref['known_pairs_share']:.1%} | {ref['distinct_per_32']} | {ref['mean_words']} |")
    lines.append(f"\nvalid share falls with temperature: {ev['valid_falls']}; "
                 f"distinct per 32 rises: {ev['distinct_rises']}")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few-second configuration (tests)")
    parser.add_argument("--evaluate", action="store_true", help="only evaluate the model in --out")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="the model folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop training after this")
    parser.add_argument("--workers", type=int, default=1, help="processes writing the captions")
    args = parser.parse_args(argv)
    if args.evaluate:
        model = Captioner.load(args.out)
    else:
        model = train(QUICK if args.quick else FULL, args.seed, args.max_minutes, args.workers)
        model.save(args.out)
        print(f"saved to {args.out}", flush=True)
        model = Captioner.load(args.out)  # measure the shipped fp16 weights, not the fp32 ones
    ev = evaluate(model, args.seed, args.quick)
    (Path(args.out) / "evaluation.json").write_text(json.dumps(ev, indent=1) + "\n")
    print(table(ev), flush=True)


if __name__ == "__main__":
    main()
