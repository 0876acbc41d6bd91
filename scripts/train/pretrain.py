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
HEAD_CHUNK = 256


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
def evaluate(model: BertForMaskedLM, segs: np.ndarray, batch: int = 12, limit: int | None = None):
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


@torch.no_grad()
def sinusoidal_positions(model, std: float = 0.02) -> None:
    """Initialise the learned absolute position embeddings with the Transformer's
    sinusoids, rescaled to the embeddings' N(0, 0.02^2) scale.  Still ordinary,
    trainable BERT position embeddings; the sinusoids only give them relative
    structure from the start (sin/cos of (i - k) are linear maps of those of i)."""
    pe = model.bert.embeddings.position_embeddings.weight
    n, d = pe.shape
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, d, 2, dtype=torch.float64) / d)
    table = torch.zeros(n, d, dtype=torch.float64)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)
    pe.copy_((table / table.std() * std).to(pe.dtype))


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
    ap.add_argument("--steps64", default="3400",
                    help="phase-1 steps on 64-token segments, or 'auto' to size from measured throughput")
    ap.add_argument("--steps128", type=int, default=300, help="phase-2 steps on 128-token segments")
    ap.add_argument("--budget-min", type=float, default=42.0, help="training-time budget for --steps64 auto")
    ap.add_argument("--batch", type=int, default=32, help="sequences per optimizer step (both phases)")
    ap.add_argument("--micro64", type=int, default=32, help="micro-batch in phase 1 (gradient accumulation)")
    ap.add_argument("--micro128", type=int, default=32, help="micro-batch in phase 2")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=60, help="warm-up steps")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--bench", type=int, default=0, help="time this many steps and exit")
    ap.add_argument("--pos-init", choices=["normal", "sinusoidal"], default="sinusoidal",
                    help="initialisation of the (learned) position embeddings")
    ap.add_argument("--linear-std", type=float, default=0.05, help="init std of the Linear layers")
    ap.add_argument("--stop-after", type=int, default=0, help="probe: stop after this many steps (schedule unchanged)")
    ap.add_argument("--out", default=os.path.join(CACHE, "pretrained.pt"))
    args = ap.parse_args()

    train128 = np.load(os.path.join(CACHE, "train_segments.npy"))
    heldout = np.load(os.path.join(CACHE, "heldout_segments.npy"))
    torch.manual_seed(SEED)
    cfg = micro_config(architectures=["BertForMaskedLM"])
    model = BertForMaskedLM(cfg)
    hf_init(model, SEED, linear_std=args.linear_std)
    if args.pos_init == "sinusoidal":
        sinusoidal_positions(model)
    model.train()
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, args.beta2), eps=1e-6)
    gen = torch.Generator().manual_seed(SEED + 1)

    log = Log(os.path.join(LOGS, "pretrain.log" if not (args.bench or args.stop_after) else "pretrain_probe.log"),
              "a" if (args.bench or args.stop_after) else "w")
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, train {len(train128)} segments of 128 "
        f"({train128.size} tokens), held-out {len(heldout)} segments of 128")
    log(f"config: batch {args.batch} sequences/step (phase 1: 64 tokens, micro {args.micro64}; phase 2: 128 tokens, "
        f"micro {args.micro128}), peak lr {args.lr}, warmup {args.warmup} steps then linear decay to 0, "
        f"wd {args.wd}, AdamW(0.9, {args.beta2}, eps 1e-6), grad clip 1.0, dropout 0.1, seed {SEED}, "
        f"position init {args.pos_init}, Linear init std {args.linear_std}, "
        f"params {sum(p.numel() for p in model.parameters())}")

    # The 128-token segments (already shuffled) are consumed in order: phase 1
    # splits each into two 64-token segments ([CLS] 62 tokens [SEP]), phase 2
    # takes the following ones whole (wrapping round once the corpus is used up).
    def phase1_batches():
        per = args.batch // 2
        k = 0
        while True:
            seg = train128[k * per : (k + 1) * per]
            k += 1
            body = seg[:, 1:-1]
            halves = np.concatenate([body[:, :62], body[:, 62:124]], axis=0)
            out = np.empty((len(halves), 64), dtype=np.int64)
            out[:, 0], out[:, 1:-1], out[:, -1] = CLS, halves, SEP
            # interleave so a batch's two halves of one segment sit side by side
            out = out.reshape(2, per, 64).transpose(1, 0, 2).reshape(-1, 64)
            yield torch.from_numpy(np.ascontiguousarray(out)), k * per

    auto = args.steps64 == "auto"
    steps64 = int(args.bench) if args.bench else (10**9 if auto else int(args.steps64))
    steps128 = 0 if args.bench else args.steps128
    total = steps64 + steps128
    t_start = time.time()
    t_calib = None
    win = [0.0, 0.0, 0.0]  # loss sum, correct, count
    used128 = 0
    batches = phase1_batches()
    step = 0
    tokens = 0

    def train_step(ids: torch.Tensor, micro: int) -> None:
        inp, sel, orig = mask_batch(ids, gen)
        n_sel = sel.sum().item()
        opt.zero_grad(set_to_none=True)
        for j in range(0, len(ids), micro):
            x = inp[j : j + micro]
            hidden = model.bert(x, torch.ones_like(x), torch.zeros_like(x), return_dict=True)["last_hidden_state"]
            hs = hidden[sel[j : j + micro]]
            tgt = orig[j : j + micro][sel[j : j + micro]]
            # MLM head in chunks of HEAD_CHUNK rows (keeps [rows, 30522] tensors < 32 MiB),
            # then one backward through the encoder with the gathered gradient.
            hs_d = hs.detach().requires_grad_()
            for c in range(0, len(tgt), HEAD_CHUNK):
                logits = model.cls(hs_d[c : c + HEAD_CHUNK])
                t = tgt[c : c + HEAD_CHUNK]
                loss = F.cross_entropy(logits, t, reduction="sum") / n_sel
                loss.backward()
                with torch.no_grad():
                    win[0] += loss.item() * n_sel
                    win[1] += (logits.argmax(-1) == t).sum().item()
                    win[2] += t.numel()
            hs.backward(hs_d.grad)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    while step < total:
        lr = lr_at(step, total, args.warmup, args.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        if step < steps64:
            ids, used128 = next(batches)
            micro, seq = args.micro64, 64
        else:
            # continues where phase 1 stopped, wrapping round to the start of the
            # (shuffled) segments if the corpus runs out
            idx = np.arange(used128, used128 + args.batch) % len(train128)
            ids = torch.from_numpy(train128[idx].astype(np.int64))
            used128 += args.batch
            micro, seq = args.micro128, 128
        assert len(ids) == args.batch, "ran out of training segments"
        train_step(ids, micro)
        step += 1
        tokens += ids.numel()
        if step == 5:
            t_calib = time.time()
        if auto and step == 45:
            sps = (time.time() - t_calib) / 40
            remaining = args.budget_min * 60 - (time.time() - t_start) - steps128 * sps * 2.05
            steps64 = step + int(remaining / sps)
            total = steps64 + steps128
            log(f"AUTO: measured {sps:.3f} s/step at 64 tokens; sized phase 1 to {steps64} steps")
        if step == 25 or (args.bench and step == total):
            sps = (time.time() - t_calib) / (step - 5)
            log(f"THROUGHPUT (steps 6-{step}, 64-token phase): {sps:.3f} s/step, {args.batch / sps:.1f} seq/s, "
                f"{args.batch * 64 / sps:.0f} tokens/s; planned {steps64} steps x 64 + {steps128} steps x 128 "
                f"-> ~{(steps64 + 2.05 * steps128) * sps / 60:.1f} min (128-token steps assumed 2.05x)")
        if step % args.log_every == 0 or step == total or step == steps64:
            el = time.time() - t_start
            log(f"step {step}/{total} seq {seq} lr {lr:.2e} loss {win[0] / win[2]:.4f} "
                f"masked-acc {win[1] / win[2]:.4f} tokens {tokens} elapsed {el / 60:.1f} min")
            win[:] = [0.0, 0.0, 0.0]
        if args.stop_after and step >= args.stop_after:
            r = evaluate(model, heldout, limit=240)
            log(f"PROBE stop at step {step}: held-out (240 segments) top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.3f}")
            return
        if step % 500 == 0 and step != total:
            r = evaluate(model, heldout, limit=240)
            log(f"  held-out (first 240 segments) top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.3f}")
    if args.bench:
        return
    train_s = time.time() - t_start
    log(f"training done: {steps64} steps x {args.batch} x 64 + {steps128} steps x {args.batch} x 128 = {tokens} tokens "
        f"({used128} 128-token segments of {len(train128)} = {used128 / len(train128):.2f} epochs), "
        f"{train_s / 60:.1f} min")
    r = evaluate(model, heldout)
    log(f"HELD-OUT wikitext2_test: {r['segments']} segments, {r['positions']} masked positions: "
        f"top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.4f}")
    torch.save(
        {
            "state_dict": model.state_dict(),
            "steps64": steps64,
            "steps128": steps128,
            "tokens": tokens,
            "epochs": used128 / len(train128),
            "train_seconds": train_s,
            "heldout": r,
            "args": vars(args),
            "seed": SEED,
            "mask_seed": MASK_SEED,
        },
        args.out,
    )
    log(f"saved {args.out} ({(time.time() - t_start) / 60:.1f} min in all)")


if __name__ == "__main__":
    main()
