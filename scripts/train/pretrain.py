#!/usr/bin/python3
"""Masked-language-model pre-training of micro-bert (4 layers, 4 heads, hidden
128) on the packed segments made by prepare_data.py.

MLM only (no NSP).  Per segment, each token other than [CLS]/[SEP]/[PAD]/[UNK]
is selected with probability 0.15; a selected token becomes [MASK] (80%), a
random vocabulary token (10%) or stays (10%).  The decoder (tied to the word
embeddings) runs only at selected positions.  AdamW, linear warm-up then
linear decay to 0, weight decay 0.01 (not on biases / LayerNorm), no dropout.

Default: 16,000 steps of 16 x 128 tokens (2,048 tokens per step), run by two
data-parallel worker processes of one thread each (``--workers``), which on this
2-core VM do ~1.5x the work of one 2-thread process.  The heads start out looking
at a neighbour (``local_attention_init``): from uniform maps this model stayed on
the bag-of-words plateau (loss ~6, held-out top-1 ~15%) for 10,000 steps
(logs/pretrain_10000steps.log); with the local start it left it within 500 steps
(logs/pretrain_probe.log).  ``--stop-after N`` runs a short probe.

The last CORPUS_HELD_OUT shuffled segments are never trained on; the held-out
accuracy is reported on them and on WikiText-2 test.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from common import CACHE, CLS, LOGS, MASK, PAD, SEP, UNK, VOCAB_SIZE, BertForMaskedLM, Log, hf_init, micro_config

SEED = 20250101
MASK_SEED = 777  # held-out masking
HEAD_CHUNK = 256
DEFAULT_PHASES = "128x16:16000"
# The last segments of the shuffled corpus are never trained on: a held-out sample of
# the training distribution (books, WikiText-2 valid, SST-2 train sentences), next to the
# WikiText-2 test file (Wikipedia only, 2% of the training text is Wikipedia).
CORPUS_HELD_OUT = 1000


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
def attention_uniformity(model: BertForMaskedLM, segs: np.ndarray, n: int = 16) -> float:
    """Mean row entropy of every head's map / ln(length) on n held-out segments: 1 = uniform.
    Early top-1 mostly tracks unigram learning; this says whether the heads learn structure."""
    was = model.training
    model.eval()
    x = torch.from_numpy(segs[:n].astype(np.int64))
    probs = model.bert(x, torch.ones_like(x), torch.zeros_like(x), return_dict=True)["attentions"]
    ent = [(-(p * torch.log(p.clamp_min(1e-30))).sum(-1) / math.log(x.shape[1])).mean().item() for p in probs]
    model.train(was)
    return sum(ent) / len(ent)


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


LOCAL_OFFSETS = (-1, 1, -2, 2)  # head h of an initialised layer looks at token i + LOCAL_OFFSETS[h]


@torch.no_grad()
def local_attention_init(model, layers: int, gain: float, pairs: int = 16, amp: float = 0.14, rest_std: float = 0.02) -> None:
    """Start past the bag-of-words plateau: the heads of the first ``layers`` layers
    attend to a neighbour (offsets LOCAL_OFFSETS, the "diagonal" heads Kovaleva et al.
    find in BERT's lower layers) instead of uniformly.

    The first 2 * pairs dims of the (learned, trainable) position embeddings hold
    sinusoids of frequencies pi (m + 1/2) / pairs, whose dot products vanish for every
    offset 0 < |d| < 2 * pairs; the other dims hold ordinary sinusoids at std rest_std.
    Each head's key reads those dims and its query reads them rotated by the head's
    offset, so the score peaks at j = i + offset.  Everything stays trainable."""
    pe = model.bert.embeddings.position_embeddings.weight
    n, d = pe.shape
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    omega = math.pi * (torch.arange(pairs, dtype=torch.float64) + 0.5) / pairs
    table = torch.zeros(n, d, dtype=torch.float64)
    table[:, 0 : 2 * pairs : 2] = amp * torch.sin(pos * omega)
    table[:, 1 : 2 * pairs : 2] = amp * torch.cos(pos * omega)
    rd = d - 2 * pairs
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, rd, 2, dtype=torch.float64) / rd)
    rest = torch.zeros(n, rd, dtype=torch.float64)
    rest[:, 0::2], rest[:, 1::2] = torch.sin(pos * freq), torch.cos(pos * freq)
    table[:, 2 * pairs :] = rest / rest.std() * rest_std
    pe.copy_(table.to(pe.dtype))
    hd = model.config.hidden_size // model.config.num_attention_heads
    assert 2 * pairs <= hd
    for layer in model.bert.encoder.layer[:layers]:
        att = layer.attention.self
        for h, offset in enumerate(LOCAL_OFFSETS[: model.config.num_attention_heads]):
            wq, wk = torch.zeros(hd, d), torch.zeros(hd, d)
            for m in range(pairs):
                c, s = math.cos(omega[m] * offset), math.sin(omega[m] * offset)
                wk[2 * m, 2 * m] = wk[2 * m + 1, 2 * m + 1] = 1.0
                # (sin, cos) at i rotated by the offset = (sin, cos) at i + offset
                wq[2 * m, 2 * m], wq[2 * m, 2 * m + 1] = c, s
                wq[2 * m + 1, 2 * m], wq[2 * m + 1, 2 * m + 1] = -s, c
            att.query.weight[h * hd : (h + 1) * hd] = wq * gain
            att.key.weight[h * hd : (h + 1) * hd] = wk * gain
            att.query.bias[h * hd : (h + 1) * hd] = 0.0
            att.key.bias[h * hd : (h + 1) * hd] = 0.0


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if (name.endswith("bias") or "LayerNorm" in name) else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def parse_phases(spec: str):
    """"32x64:1000,64x32:2000" -> [(seq, batch, steps), ...]"""
    out = []
    for part in spec.split(","):
        shape, steps = part.split(":")
        seq, batch = shape.split("x")
        out.append((int(seq), int(batch), int(steps)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--phases", default=DEFAULT_PHASES,
                    help="sequence-length schedule: SEQxBATCH:STEPS,... (batch in sequences per optimizer step)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=60, help="warm-up steps")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--beta2", type=float, default=0.999)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--pos-init", choices=["normal", "sinusoidal"], default="sinusoidal",
                    help="initialisation of the (learned) position embeddings")
    ap.add_argument("--linear-std", type=float, default=0.05, help="init std of the Linear layers")
    ap.add_argument("--qk-std", type=float, default=0.0,
                    help="init std of the attention query/key Linear layers (0: as --linear-std); "
                         "larger values give the heads non-uniform maps from the first step")
    ap.add_argument("--pos-std", type=float, default=0.02, help="std of the sinusoidal position init")
    ap.add_argument("--local-layers", type=int, default=4,
                    help="initialise the heads of the first N layers to attend to a neighbour (local_attention_init; "
                         "its position table replaces --pos-init's)")
    ap.add_argument("--local-gain", type=float, default=0.85, help="query/key scale of the local init (sharpness)")
    ap.add_argument("--dropout", type=float, default=0.0, help="hidden and attention dropout during pre-training")
    ap.add_argument("--stop-after", type=int, default=0, help="probe: stop after this many steps (schedule unchanged)")
    ap.add_argument("--out", default=os.path.join(CACHE, "pretrained.pt"))
    ap.add_argument("--log", default=None, help="log file (default logs/pretrain.log, or logs/pretrain_probe.log for a probe)")
    ap.add_argument("--workers", type=int, default=2,
                    help="data-parallel processes of one thread each (gloo); each takes 1/N of every batch")
    ap.add_argument("--port", type=int, default=29533, help="local port for the workers' rendezvous")
    args = ap.parse_args()
    if args.workers > 1:
        torch.multiprocessing.spawn(train, args=(args,), nprocs=args.workers)
    else:
        train(0, args)


def train(rank: int, args) -> None:
    """One worker.  With N workers, every worker builds the same batch, runs its
    1/N slice (its own masking generator) and the gradients are summed, so an
    update sees the whole batch; parameters stay identical on all workers."""
    workers = args.workers
    if workers > 1:
        # One BLAS thread per worker: on this 2-core VM two 1-thread processes do ~1.5x
        # the work of one 2-thread process (THROUGHPUT in logs/pretrain.log, 0.240 s/step,
        # against logs/pretrain_10000steps.log, 0.368 s/step).
        torch.set_num_threads(1)
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ["MASTER_PORT"] = str(args.port)
        dist.init_process_group("gloo", rank=rank, world_size=workers)
    phases = parse_phases(args.phases)
    probe = bool(args.stop_after)

    train128 = np.load(os.path.join(CACHE, "train_segments.npy"))
    held_in = train128[-CORPUS_HELD_OUT:]
    train128 = train128[:-CORPUS_HELD_OUT]
    heldout = np.load(os.path.join(CACHE, "heldout_segments.npy"))
    torch.manual_seed(SEED)
    cfg = micro_config(architectures=["BertForMaskedLM"])
    cfg.hidden_dropout_prob = cfg.attention_probs_dropout_prob = args.dropout
    model = BertForMaskedLM(cfg)
    hf_init(model, SEED, linear_std=args.linear_std)
    if args.pos_init == "sinusoidal" and not args.local_layers:  # the local start writes its own table
        sinusoidal_positions(model, args.pos_std)
    if args.qk_std:
        g = torch.Generator().manual_seed(SEED + 2)
        with torch.no_grad():
            for layer in model.bert.encoder.layer:
                for lin in (layer.attention.self.query, layer.attention.self.key):
                    lin.weight.copy_(torch.randn(lin.weight.shape, generator=g) * args.qk_std)
    if args.local_layers:
        local_attention_init(model, args.local_layers, args.local_gain)
    model.train()
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, args.beta2), eps=1e-6)
    gen = torch.Generator().manual_seed(SEED + 1 + rank)
    params = list(model.parameters())

    if rank == 0:
        log = Log(args.log or os.path.join(LOGS, "pretrain_probe.log" if probe else "pretrain.log"), "a" if probe else "w")
    else:
        def log(msg: str) -> None:
            pass
    log(f"torch {torch.__version__}, workers {workers} x threads {torch.get_num_threads()}, train {len(train128)} segments of 128 "
        f"({train128.size} tokens), held-out {len(heldout)} WikiText-2 test segments and {len(held_in)} corpus "
        f"segments of 128")
    log(f"config: phases (seq x batch : steps) {args.phases}, peak lr {args.lr}, warmup {args.warmup} steps then "
        f"linear decay to 0, wd {args.wd}, AdamW(0.9, {args.beta2}, eps 1e-6), grad clip 1.0, dropout {args.dropout}, "
        f"seed {SEED}, position init {'local' if args.local_layers else args.pos_init}, Linear init std {args.linear_std}, "
        f"query/key init std {args.qk_std or args.linear_std}, position std {args.pos_std}, "
        f"local init layers {args.local_layers} gain {args.local_gain}, "
        f"params {sum(p.numel() for p in model.parameters())}")

    # The 128-token segments (already shuffled) are consumed in order, without
    # repetition while they last: a phase with sequence length L cuts each one into
    # 126 // (L - 2) pieces [CLS] + (L - 2) tokens + [SEP].
    cursor = 0

    def get_batch(seq: int, batch: int) -> torch.Tensor:
        nonlocal cursor
        body = seq - 2
        k = 126 // body
        assert batch % k == 0, (seq, batch)
        n = batch // k
        idx = np.arange(cursor, cursor + n) % len(train128)
        cursor += n
        src = train128[idx, 1:-1][:, : k * body].reshape(n * k, body)
        out = np.empty((n * k, seq), dtype=np.int64)
        out[:, 0], out[:, 1:-1], out[:, -1] = CLS, src, SEP
        return torch.from_numpy(out)

    win = [0.0, 0.0, 0.0]  # loss sum, correct, count

    def train_step(ids: torch.Tensor, micro: int) -> None:
        ids = ids[rank * len(ids) // workers : (rank + 1) * len(ids) // workers]
        inp, sel, orig = mask_batch(ids, gen)
        n_sel = sel.sum().item()
        if workers > 1:  # the loss is a mean over the whole batch's selected tokens
            n = torch.tensor([float(n_sel)])
            dist.all_reduce(n)
            n_sel = int(n.item())
        opt.zero_grad(set_to_none=True)
        st = [0.0, 0.0, 0.0]  # this worker's loss sum, correct, count
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
                    st[0] += loss.item() * n_sel
                    st[1] += (logits.argmax(-1) == t).sum().item()
                    st[2] += t.numel()
            hs.backward(hs_d.grad)
        if workers > 1:
            grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
            flat = torch.cat([g.reshape(-1) for g in grads] + [torch.tensor(st, dtype=grads[0].dtype)])
            dist.all_reduce(flat)
            off = 0
            for p, g in zip(params, grads):
                p.grad = flat[off : off + g.numel()].view_as(g)
                off += g.numel()
            st = flat[-3:].tolist()
        for i in range(3):
            win[i] += st[i]
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    total = sum(st for _, _, st in phases)
    t_start = time.time()
    step = 0
    tokens = 0
    timing = {}
    for seq, batch, steps in phases:
        micro = min(batch, 8192 // seq)  # attention / FFN activations stay < 32 MiB
        t_phase = time.time()
        for k in range(steps):
            lr = lr_at(step, total, args.warmup, args.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            ids = get_batch(seq, batch)
            train_step(ids, micro)
            step += 1
            tokens += ids.numel()
            if k == 4:
                t_calib = time.time()
            if k == 24 and step >= 25:
                sps = (time.time() - t_calib) / 20
                timing[seq] = sps
                est = sum(st * sps * (sq * bt) / (seq * batch) for sq, bt, st in phases)
                log(f"THROUGHPUT (seq {seq}, steps {step - 19}-{step}): {sps:.3f} s/step, {batch / sps:.1f} seq/s, "
                    f"{seq * batch / sps:.0f} tokens/s; planned {total} steps ({args.phases}) -> ~{est / 60:.1f} min "
                    f"at this rate")
            if step % args.log_every == 0 or step == total or k == steps - 1:
                el = time.time() - t_start
                log(f"step {step}/{total} seq {seq} lr {lr:.2e} loss {win[0] / win[2]:.4f} "
                    f"masked-acc {win[1] / win[2]:.4f} tokens {tokens} elapsed {el / 60:.1f} min")
                win[:] = [0.0, 0.0, 0.0]
            if probe and step >= args.stop_after:
                if rank != 0:
                    return
                r = evaluate(model, heldout, limit=240)
                log(f"PROBE stop at step {step}: held-out (240 segments) top1 {r['top1']:.4f} top5 {r['top5']:.4f} "
                    f"loss {r['loss']:.3f}, attention uniformity {attention_uniformity(model, heldout):.3f}")
                return
            if rank == 0 and step % args.eval_every == 0 and step != total:
                r = evaluate(model, heldout, limit=240)
                rc = evaluate(model, held_in, limit=240)
                log(f"  held-out (first 240 segments) top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.3f}, "
                    f"corpus top1 {rc['top1']:.4f} loss {rc['loss']:.3f}, "
                    f"attention uniformity {attention_uniformity(model, heldout):.3f}")
        log(f"phase seq {seq} x batch {batch}: {steps} steps in {(time.time() - t_phase) / 60:.1f} min")
    train_s = time.time() - t_start
    if rank != 0:
        return
    log(f"training done: {total} steps, {tokens} tokens ({cursor} 128-token segments of {len(train128)} = "
        f"{cursor / len(train128):.2f} epochs), {train_s / 60:.1f} min")
    r = evaluate(model, heldout)
    log(f"HELD-OUT wikitext2_test: {r['segments']} segments, {r['positions']} masked positions: "
        f"top1 {r['top1']:.4f} top5 {r['top5']:.4f} loss {r['loss']:.4f}")
    rc = evaluate(model, held_in)
    log(f"HELD-OUT corpus (last {len(held_in)} shuffled segments, never trained on): {rc['positions']} masked "
        f"positions: top1 {rc['top1']:.4f} top5 {rc['top5']:.4f} loss {rc['loss']:.4f}")
    torch.save(
        {
            "state_dict": model.state_dict(),
            "phases": phases,
            "steps": total,
            "tokens": tokens,
            "epochs": cursor / len(train128),
            "train_seconds": train_s,
            "heldout": r,
            "heldout_corpus": rc,
            "args": vars(args),
            "seed": SEED,
            "mask_seed": MASK_SEED,
        },
        args.out,
    )
    log(f"saved {args.out} ({(time.time() - t_start) / 60:.1f} min in all)")


if __name__ == "__main__":
    main()
