#!/usr/bin/python3
"""Masked-language-model pre-training of micro-bert (4 layers, 4 heads, hidden
128) on the packed segments made by prepare_data.py.

MLM only (no NSP).  Per segment, each token other than [CLS]/[SEP]/[PAD]/[UNK]
is selected with probability 0.15; a selected token becomes [MASK] (80%), a
random vocabulary token (10%) or stays (10%).  The decoder (tied to the word
embeddings) runs only at selected positions.  AdamW, linear warm-up then
linear decay to 0, weight decay 0.01 (not on biases / LayerNorm), dropout 0.1.

``--steps`` is fixed by default so that a rerun is reproducible; it was sized
from the throughput measured on the 2-core machine (see logs/pretrain.log).
``--steps auto`` instead measures throughput over the first steps and sizes the
run to ``--budget-min`` minutes.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import CACHE, CLS, LOGS, MASK, PAD, SEP, UNK, VOCAB_SIZE, BertForMaskedLM, Log, hf_init, micro_config

SEED = 20250101
MASK_SEED = 777  # held-out masking


def mask_batch(ids: torch.Tensor, gen: torch.Generator, prob: float = 0.15):
    """Returns (masked input ids, selected bool mask, original ids)."""
    eligible = (ids != CLS) & (ids != SEP) & (ids != PAD) & (ids != UNK)
    sel = (torch.rand(ids.shape, generator=gen) < prob) & eligible
    r = torch.rand(ids.shape, generator=gen)
    rnd = torch.randint(999, VOCAB_SIZE, ids.shape, generator=gen)  # ordinary tokens (skip [unused*] / specials)
    inp = ids.clone()
    inp[sel & (r < 0.8)] = MASK
    swap = sel & (r >= 0.8) & (r < 0.9)
    inp[swap] = rnd[swap]
    return inp, sel, ids


def mlm_logits_at(model: BertForMaskedLM, inp: torch.Tensor, sel: torch.Tensor) -> torch.Tensor:
    hidden = model.bert(inp, torch.ones_like(inp), torch.zeros_like(inp), return_dict=True)["last_hidden_state"]
    return model.cls(hidden[sel])


@torch.no_grad()
def evaluate(model: BertForMaskedLM, segs: np.ndarray, batch: int = 64, limit: int | None = None):
    """Masked-token top-1 / top-5 accuracy over selected positions, fixed-seed masking."""
    was = model.training
    model.eval()
    gen = torch.Generator().manual_seed(MASK_SEED)
    n = len(segs) if limit is None else min(limit, len(segs))
    top1 = top5 = total = 0
    loss_sum = 0.0
    for i in range(0, n, batch):
        ids = torch.from_numpy(segs[i : min(i + batch, n)].astype(np.int64))
        inp, sel, orig = mask_batch(ids, gen)
        logits = mlm_logits_at(model, inp, sel)
        tgt = orig[sel]
        loss_sum += F.cross_entropy(logits, tgt, reduction="sum").item()
        t5 = logits.topk(5, dim=-1).indices
        top1 += (t5[:, 0] == tgt).sum().item()
        top5 += (t5 == tgt[:, None]).any(-1).sum().item()
        total += tgt.numel()
    model.train(was)
    return {"top1": top1 / total, "top5": top5 / total, "loss": loss_sum / total, "positions": total, "segments": n}


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if (name.endswith("bias") or "LayerNorm" in name) else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", default="1400", help="optimizer steps, or 'auto' to size from measured throughput")
    ap.add_argument("--budget-min", type=float, default=42.0, help="training-time budget for --steps auto")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--micro", type=int, default=64, help="micro-batch (gradient accumulation)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=float, default=0.06)
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--bench", type=int, default=0, help="time this many steps and exit")
    ap.add_argument("--out", default=os.path.join(CACHE, "pretrained.pt"))
    args = ap.parse_args()

    train = np.load(os.path.join(CACHE, "train_segments.npy"))
    heldout = np.load(os.path.join(CACHE, "heldout_segments.npy"))
    torch.manual_seed(SEED)
    cfg = micro_config(architectures=["BertForMaskedLM"])
    model = BertForMaskedLM(cfg)
    hf_init(model, SEED)
    model.train()
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, 0.999), eps=1e-6)
    gen = torch.Generator().manual_seed(SEED + 1)
    order_rng = np.random.default_rng(SEED + 2)
    order = order_rng.permutation(len(train))
    cursor = 0
    epoch = 0
    accum = args.batch // args.micro
    assert accum * args.micro == args.batch

    log = Log(os.path.join(LOGS, "pretrain.log" if not args.bench else "pretrain_bench.log"))
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, train {len(train)} segments "
        f"({train.size} tokens), held-out {len(heldout)} segments")
    log(f"config: batch {args.batch} x {train.shape[1]} (micro {args.micro}, accum {accum}), peak lr {args.lr}, "
        f"warmup {args.warmup}, wd {args.wd}, seed {SEED}, params {sum(p.numel() for p in model.parameters())}")

    def next_batch():
        nonlocal cursor, epoch, order
        if cursor + args.batch > len(order):
            epoch += 1
            order = order_rng.permutation(len(train))
            cursor = 0
        idx = order[cursor : cursor + args.batch]
        cursor += args.batch
        return torch.from_numpy(train[idx].astype(np.int64))

    auto = args.steps == "auto"
    total = int(args.bench or (10**9 if auto else int(args.steps)))
    warmup = max(1, int(round(args.warmup * (400 if auto else total))))
    t_start = time.time()
    t_calib = None
    win_loss = win_correct = win_n = 0.0
    step = 0
    while step < total:
        lr = lr_at(step, total, warmup, args.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        ids = next_batch()
        inp, sel, orig = mask_batch(ids, gen)
        n_sel = sel.sum().item()
        opt.zero_grad(set_to_none=True)
        for j in range(accum):
            s = slice(j * args.micro, (j + 1) * args.micro)
            logits = mlm_logits_at(model, inp[s], sel[s])
            tgt = orig[s][sel[s]]
            loss = F.cross_entropy(logits, tgt, reduction="sum") / n_sel
            loss.backward()
            with torch.no_grad():
                win_loss += loss.item() * n_sel
                win_correct += (logits.argmax(-1) == tgt).sum().item()
                win_n += tgt.numel()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step == 5:
            t_calib = time.time()
        if auto and step == 45:
            sps = (time.time() - t_calib) / 40
            remaining = args.budget_min * 60 - (time.time() - t_start)
            total = step + int(remaining / sps)
            warmup = max(1, int(round(args.warmup * total)))
            log(f"AUTO: measured {sps:.3f} s/step = {args.batch * train.shape[1] / sps:.0f} tokens/s; "
                f"sized the run to {total} steps")
        if step == 25 or (args.bench and step == total):
            sps = (time.time() - t_calib) / (step - 5)
            log(f"THROUGHPUT (steps 6-{step}): {sps:.3f} s/step, {args.batch / sps:.1f} seq/s, "
                f"{args.batch * train.shape[1] / sps:.0f} tokens/s; {total} steps planned "
                f"-> ~{total * sps / 60:.1f} min")
        if step % args.log_every == 0 or step == total:
            el = time.time() - t_start
            log(f"step {step}/{total} epoch {epoch} lr {lr:.2e} loss {win_loss / win_n:.4f} "
                f"masked-acc {win_correct / win_n:.4f} tokens {step * args.batch * train.shape[1]} "
                f"elapsed {el / 60:.1f} min ({el / step:.2f} s/step)")
            win_loss = win_correct = win_n = 0.0
        if step % 500 == 0 and step != total:
            r = evaluate(model, heldout, limit=256)
            log(f"  held-out (first 256 segments) top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.3f}")
    if args.bench:
        return
    train_s = time.time() - t_start
    log(f"training done: {total} steps, {total * args.batch} segments, {total * args.batch * train.shape[1]} tokens "
        f"({total * args.batch / len(train):.2f} epochs), {train_s / 60:.1f} min")
    r = evaluate(model, heldout)
    log(f"HELD-OUT wikitext2_test: {r['segments']} segments, {r['positions']} masked positions: "
        f"top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.4f}")
    torch.save(
        {
            "state_dict": model.state_dict(),
            "steps": total,
            "tokens": total * args.batch * train.shape[1],
            "epochs": total * args.batch / len(train),
            "train_seconds": train_s,
            "heldout": r,
            "args": vars(args),
            "seed": SEED,
            "mask_seed": MASK_SEED,
        },
        args.out,
    )
    log(f"saved {args.out}")


if __name__ == "__main__":
    main()
