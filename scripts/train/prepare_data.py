#!/usr/bin/python3
"""Tokenize the MLM corpus into packed 128-token segments (cached under
scripts/train/cache/).

Training text: every ``shared/data/corpus/*.txt`` except ``wikitext2_test.txt``,
cleaned as the data README says (PG header/footer stripped, BOM removed,
Latin-1/Windows-1252 decoded, CRLF -> LF, WikiText headings dropped), plus the
sentences (text only) of ``sst2/train.tsv``.  Held-out evaluation text:
``wikitext2_test.txt``, cleaned the same way.

Each file is one token stream (its paragraphs in order); streams are cut into
segments ``[CLS] + 126 tokens + [SEP]``; the last partial segment of a stream is
dropped.  Training segments are shuffled with a fixed seed.  No dev-set text
of any task is read.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import time

import numpy as np

from common import CACHE, CLS, CORPUS_DIR, HELD_OUT, SEP, SST2_DIR, CachedTokenizer, Log, LOGS, paragraphs, read_tsv

SEQ = 128
SEED = 1234


def pack(ids: np.ndarray, seq: int = SEQ) -> np.ndarray:
    body = seq - 2
    n = len(ids) // body
    if n == 0:
        return np.zeros((0, seq), dtype=np.int32)
    out = np.empty((n, seq), dtype=np.int32)
    out[:, 0] = CLS
    out[:, 1:-1] = ids[: n * body].reshape(n, body)
    out[:, -1] = SEP
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    train_path = os.path.join(CACHE, "train_segments.npy")
    eval_path = os.path.join(CACHE, "heldout_segments.npy")
    meta_path = os.path.join(CACHE, "data_meta.json")
    if not args.force and all(os.path.exists(p) for p in (train_path, eval_path, meta_path)):
        print("cached data found:", meta_path)
        return
    os.makedirs(CACHE, exist_ok=True)
    log = Log(os.path.join(LOGS, "prepare_data.log"))
    tok = CachedTokenizer()
    t0 = time.time()
    files = sorted(glob.glob(os.path.join(CORPUS_DIR, "*.txt")))
    train_parts, per_file = [], {}
    total_bytes = 0
    heldout = None
    for path in files:
        name = os.path.basename(path)
        with open(path, "rb") as f:
            raw = f.read()
        ids = []
        for p in paragraphs(name, raw):
            ids.extend(tok.ids(p))
        ids = np.asarray(ids, dtype=np.int32)
        segs = pack(ids)
        per_file[name] = {"bytes": len(raw), "tokens": int(len(ids)), "segments": int(len(segs))}
        if name == HELD_OUT:
            heldout = segs
        else:
            total_bytes += len(raw)
            train_parts.append(segs)
    rows = read_tsv(os.path.join(SST2_DIR, "train.tsv"))
    sst_ids = []
    for sent, _label in rows:  # text only; labels unused here
        sst_ids.extend(tok.ids(sent))
    sst_segs = pack(np.asarray(sst_ids, dtype=np.int32))
    per_file["sst2/train.tsv (sentences)"] = {"rows": len(rows), "tokens": len(sst_ids), "segments": int(len(sst_segs))}
    train_parts.append(sst_segs)
    train = np.concatenate(train_parts)
    rng = np.random.default_rng(SEED)
    train = train[rng.permutation(len(train))]
    np.save(train_path, train)
    np.save(eval_path, heldout)
    meta = {
        "seq_len": SEQ,
        "shuffle_seed": SEED,
        "train_segments": int(len(train)),
        "train_tokens": int(train.size),
        "heldout_file": HELD_OUT,
        "heldout_segments": int(len(heldout)),
        "corpus_bytes_used": total_bytes,
        "tokenize_seconds": round(time.time() - t0, 1),
        "sha256_train": hashlib.sha256(train.tobytes()).hexdigest(),
        "sha256_heldout": hashlib.sha256(heldout.tobytes()).hexdigest(),
        "files": per_file,
    }
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    log(f"tokenized {len(files)} corpus files + SST-2 train sentences in {meta['tokenize_seconds']} s")
    log(f"train: {len(train)} segments x {SEQ} = {train.size} tokens; held-out ({HELD_OUT}): {len(heldout)} segments")
    log(f"sha256 train {meta['sha256_train'][:16]}..., heldout {meta['sha256_heldout'][:16]}...")


if __name__ == "__main__":
    main()
