#!/usr/bin/python3
"""Fine-tune the pre-trained micro-bert on SST-2 (GLUE train, 67,349 phrases).

BertForSequenceClassification initialised from the MLM checkpoint's encoder
(``bert.*``); the pooler and the classifier are new (HF initialisation, seeded).
Inputs: [CLS] + WordPiece(sentence) + [SEP], truncated to ``--max-len`` tokens;
batches are length-bucketed (shuffled, then sorted by length inside pools of
50 batches, then the batches shuffled) and padded to their longest sentence.
AdamW, linear warm-up then linear decay to 0, weight decay 0.01 (not on biases /
LayerNorm), dropout 0.1.

Evaluation on SST-2 dev (872) exactly as the app does it: the eval-mode float32
model run on each sentence on its own (no padding), [CLS] + WordPiece + [SEP]
truncated to 128 tokens, prediction = argmax of the logits.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import (
    CACHE,
    CLS,
    LOGS,
    SEP,
    SST2_DIR,
    BertForSequenceClassification,
    Log,
    exact_tokenizer,
    hf_init,
    micro_config,
    read_tsv,
)

SEED = 4242
ID2LABEL = {0: "negative", 1: "positive"}


def encode(tok, sentence: str, max_len: int):
    ids = tok.convert_tokens_to_ids(tok.tokenize(sentence))[: max_len - 2]
    return [CLS] + ids + [SEP]


@torch.no_grad()
def evaluate_dev(model, dev_ids, labels):
    """Per-sentence float32 eval (batch 1, no padding); returns (correct, predictions, logits)."""
    was = model.training
    model.eval()
    preds, all_logits = [], []
    for ids in dev_ids:
        x = torch.tensor([ids], dtype=torch.long)
        logits = model(x, torch.ones_like(x), torch.zeros_like(x))["logits"][0]
        all_logits.append(logits)
        preds.append(int(torch.argmax(logits)))
    model.train(was)
    correct = sum(int(p == y) for p, y in zip(preds, labels))
    return correct, preds, torch.stack(all_logits)


def make_batches(lengths: np.ndarray, batch: int, rng: np.random.Generator):
    order = rng.permutation(len(lengths))
    pool = batch * 50
    batches = []
    for i in range(0, len(order), pool):
        chunk = order[i : i + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[j : j + batch] for j in range(0, len(chunk), batch)]
    return [batches[k] for k in rng.permutation(len(batches))]


def param_groups(model, wd):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if (name.endswith("bias") or "LayerNorm" in name) else decay).append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default=os.path.join(CACHE, "pretrained.pt"))
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--warmup", type=float, default=0.1, help="fraction of steps")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--max-len", type=int, default=64)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=os.path.join(CACHE, "finetuned.pt"))
    ap.add_argument("--log", default=os.path.join(LOGS, "finetune.log"))
    args = ap.parse_args()

    log = Log(args.log)
    t_start = time.time()
    tok = exact_tokenizer()
    train_rows = read_tsv(os.path.join(SST2_DIR, "train.tsv"))
    dev_rows = read_tsv(os.path.join(SST2_DIR, "dev.tsv"))
    train_ids = [encode(tok, s, args.max_len) for s, _ in train_rows]
    train_y = np.array([y for _, y in train_rows], dtype=np.int64)
    dev_ids = [encode(tok, s, 128) for s, _ in dev_rows]  # app tokenization: truncation at 128
    dev_y = [y for _, y in dev_rows]
    lengths = np.array([len(x) for x in train_ids])
    log(f"SST-2 train {len(train_rows)} phrases (mean {lengths.mean():.1f} tokens, max {lengths.max()} after "
        f"truncation to {args.max_len}), dev {len(dev_rows)}; tokenized in {time.time() - t_start:.1f} s")

    ckpt = torch.load(args.pretrained)
    torch.manual_seed(args.seed)
    cfg = micro_config(
        architectures=["BertForSequenceClassification"],
        id2label=dict(ID2LABEL),
        label2id={v: k for k, v in ID2LABEL.items()},
        problem_type="single_label_classification",
    )
    model = BertForSequenceClassification(cfg)
    hf_init(model, args.seed)  # pooler + classifier keep this init; the encoder is overwritten below
    enc = {k: v for k, v in ckpt["state_dict"].items() if k.startswith("bert.")}
    missing, unexpected = model.load_state_dict(enc, strict=False)
    assert sorted(missing) == sorted(["bert.pooler.dense.weight", "bert.pooler.dense.bias",
                                      "classifier.weight", "classifier.bias"]), missing
    assert not unexpected, unexpected
    log(f"initialised from {os.path.relpath(args.pretrained)} ({len(enc)} encoder tensors); new: {sorted(missing)}")

    rng = np.random.default_rng(args.seed)
    steps_per_epoch = (len(train_ids) + args.batch - 1) // args.batch
    total = int(round(args.epochs * steps_per_epoch))
    warmup = max(1, int(round(args.warmup * total)))
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, 0.999), eps=1e-6)
    log(f"config: epochs {args.epochs} ({total} steps of batch {args.batch}), peak lr {args.lr}, warmup {warmup} "
        f"steps then linear decay to 0, wd {args.wd}, dropout 0.1, grad clip 1.0, max len {args.max_len}, "
        f"seed {args.seed}, threads {torch.get_num_threads()}")

    model.train()
    step, epoch = 0, 0
    win = [0.0, 0, 0]
    t_train = time.time()
    history = []
    while step < total:
        for b in make_batches(lengths, args.batch, rng):
            if step >= total:
                break
            lr = args.lr * ((step + 1) / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup)))
            for g in opt.param_groups:
                g["lr"] = lr
            L = int(lengths[b].max())
            x = torch.zeros((len(b), L), dtype=torch.long)
            m = torch.zeros((len(b), L), dtype=torch.long)
            for r, i in enumerate(b):
                x[r, : lengths[i]] = torch.tensor(train_ids[i])
                m[r, : lengths[i]] = 1
            y = torch.from_numpy(train_y[b])
            logits = model(x, m, torch.zeros_like(x))["logits"]
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            win[0] += loss.item() * len(b)
            win[1] += int((logits.argmax(-1) == y).sum())
            win[2] += len(b)
            if step == 50:
                sps = (time.time() - t_train) / 50
                log(f"THROUGHPUT: {sps:.3f} s/step over the first 50 steps -> ~{total * sps / 60:.1f} min for {total} steps")
            if step % 100 == 0 or step == total:
                log(f"step {step}/{total} lr {lr:.2e} train loss {win[0] / win[2]:.4f} acc {win[1] / win[2]:.4f} "
                    f"elapsed {(time.time() - t_train) / 60:.1f} min")
                win = [0.0, 0, 0]
        epoch += 1
        if step < total:  # (the final evaluation follows the loop)
            correct, _, _ = evaluate_dev(model, dev_ids, dev_y)
            history.append({"epoch": epoch, "step": step, "dev_correct": correct})
            log(f"end of epoch {epoch} (step {step}): SST-2 dev {correct}/{len(dev_y)} = {correct / len(dev_y):.4f}")
    train_s = time.time() - t_train
    correct, preds, dev_logits = evaluate_dev(model, dev_ids, dev_y)
    history.append({"epoch": args.epochs, "step": step, "dev_correct": correct})
    log(f"FINAL SST-2 dev accuracy (per-sentence, float32): {correct}/{len(dev_y)} = {correct / len(dev_y):.4f}; "
        f"training {train_s / 60:.1f} min, {(time.time() - t_start) / 60:.1f} min in all")
    torch.save(
        {
            "state_dict": model.state_dict(),
            "steps": total,
            "epochs": args.epochs,
            "train_seconds": train_s,
            "dev_correct": correct,
            "dev_examples": len(dev_y),
            "dev_predictions": preds,
            "dev_logits": dev_logits,
            "history": history,
            "args": vars(args),
        },
        args.out,
    )
    log(f"saved {args.out}")


if __name__ == "__main__":
    main()
