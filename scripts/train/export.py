#!/usr/bin/python3
"""Write the trained models in the Hugging Face Hub layout the app loads:

    public/models/micro-bert/       BertForMaskedLM (pre-trained)
    public/models/micro-bert-sst2/  BertForSequenceClassification (SST-2)

Each folder: config.json, model.safetensors (float32, HF key names; the tied
MLM decoder weight/bias omitted as HF does), onnx/model.onnx (opset 14, output
``logits``, module-scope node names), vocab.txt / tokenizer.json (copied from
bert-base-uncased), tokenizer_config.json, special_tokens_map.json, README.md
(model card); the SST-2 folder also gets metrics.json.

Checks: safetensors read back into modeling.py give the trained model's outputs
(max abs diff < 1e-5), ONNX files pass onnx.checker, files <= 20 MB.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import sys
from collections import OrderedDict
from typing import Dict, List

import numpy as np
import onnx
import torch
from onnx import helper

from common import (
    CACHE,
    CLS_DIR,
    LOGS,
    MASK,
    MLM_DIR,
    TOKENIZER_DIR,
    BertForMaskedLM,
    BertForSequenceClassification,
    exact_tokenizer,
    fx,
    micro_config,
    write_json,
)
from finetune import ID2LABEL, encode, evaluate_dev
from common import SST2_DIR, read_tsv

MAX_BYTES = 20_000_000
TIED = ("cls.predictions.decoder.weight", "cls.predictions.decoder.bias")

FILL_MASK_SENTENCES = [
    "the capital of france is [MASK] .",
    "she opened the [MASK] and walked in .",
    "i [MASK] you very much .",
    "the cat sat on the [MASK] .",
    "he drank a cup of [MASK] .",
    "i do [MASK] know what to do .",
    "there [MASK] many people in the room .",
    "he went to the [MASK] .",
    "she [MASK] the door and went out .",
    "it was a [MASK] day .",
    "the sun rises in the [MASK] .",
    "they [MASK] to the house .",
    "he was born in [MASK] .",
    "this movie is [MASK] .",
]

TOKENIZER_CONFIG = {
    "do_lower_case": True,
    "model_max_length": 128,
    "tokenizer_class": "BertTokenizer",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "mask_token": "[MASK]",
}


# --------------------------------------------------------------------------
# safetensors read-back (independent of the writer)
# --------------------------------------------------------------------------


def read_safetensors(path: str) -> Dict[str, torch.Tensor]:
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        a, b = v["data_offsets"]
        arr = np.frombuffer(data[base + a : base + b], dtype="<f4").reshape(v["shape"])
        out[k] = torch.from_numpy(arr.copy())
    return out


# --------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------


def untie_onnx_decoder(path: str) -> None:
    """torch's exporter constant-folds the tied decoder weight into a second,
    transposed [128, 30522] initializer (15.6 MB).  Replace it by a Transpose
    node on the word-embedding initializer, as the app's own graphs do."""
    model = onnx.load(path)
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    emb = onnx.numpy_helper.to_array(inits["bert.embeddings.word_embeddings.weight"])
    node = next(n for n in g.node if n.name == "/cls/predictions/decoder/MatMul")
    wname = node.input[1]
    if wname not in inits:
        return
    w = onnx.numpy_helper.to_array(inits[wname])
    assert w.shape == emb.T.shape and np.array_equal(w, emb.T), "decoder weight is not the transposed embedding"
    g.initializer.remove(inits[wname])
    new_out = "/cls/predictions/decoder/Transpose_output_0"
    tr = helper.make_node("Transpose", ["bert.embeddings.word_embeddings.weight"], [new_out],
                          name="/cls/predictions/decoder/Transpose", perm=[1, 0])
    node.input[1] = new_out
    idx = list(g.node).index(node)
    g.node.insert(idx, tr)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def export_onnx(model, folder: str, num_layers: int) -> None:
    path = os.path.join(folder, "onnx", "model.onnx")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fx.export_onnx(model, path, "logits")
    if isinstance(model, BertForMaskedLM):
        untie_onnx_decoder(path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    fx.check_onnx_names(proto, "/bert", num_layers)
    assert [o.name for o in proto.graph.output] == ["logits"]
    assert [i.name for i in proto.graph.input] == ["input_ids", "attention_mask", "token_type_ids"]


# --------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------


def write_common(folder: str, cfg) -> None:
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(os.path.join(folder, "onnx"))
    cfg.to_json_file(os.path.join(folder, "config.json"))
    for name in ("vocab.txt", "tokenizer.json"):
        shutil.copyfile(os.path.join(TOKENIZER_DIR, name), os.path.join(folder, name))
    write_json(os.path.join(folder, "tokenizer_config.json"), TOKENIZER_CONFIG)
    write_json(os.path.join(folder, "special_tokens_map.json"), fx.SPECIAL_TOKENS_MAP)


def check_roundtrip(model, cls, cfg, path: str, inputs: List[List[int]]) -> float:
    fresh = cls(cfg)
    fresh.load_hf_state_dict(read_safetensors(path), strict=True)
    fresh.eval()
    model.eval()
    worst = 0.0
    with torch.no_grad():
        for ids in inputs:
            x = torch.tensor([ids])
            a = model(x, torch.ones_like(x), torch.zeros_like(x))["logits"]
            b = fresh(x, torch.ones_like(x), torch.zeros_like(x))["logits"]
            worst = max(worst, (a - b).abs().max().item())
    assert worst < 1e-5, worst
    return worst


@torch.no_grad()
def fill_mask(model, tok, sentences: List[str]):
    model.eval()
    inv = {i: t for t, i in tok.vocab.items()}
    out = []
    for s in sentences:
        _, ids, _ = tok.encode(s)
        x = torch.tensor([ids])
        logits = model(x, torch.ones_like(x), torch.zeros_like(x))["logits"][0]
        pos = ids.index(MASK)
        p = torch.softmax(logits[pos], -1)
        top = torch.topk(p, 5)
        out.append({"text": s, "top5": [inv[int(i)] for i in top.indices],
                    "probs": [round(float(v), 4) for v in top.values]})
    return out


@torch.no_grad()
def attention_uniformity(bert, inputs: List[List[int]]) -> float:
    """Mean row entropy of every head's map divided by ln(length): 1 = uniform attention. Says how
    much structure the heads learned (BERT-base's heads are far below 1)."""
    total, count = 0.0, 0
    for ids in inputs:
        x = torch.tensor([ids])
        probs = bert(x, torch.ones_like(x), torch.zeros_like(x), return_dict=True)["attentions"]
        for p in probs:
            ent = -(p * torch.log(p.clamp_min(1e-30))).sum(-1)  # [1, heads, L]
            total += (ent / math.log(len(ids))).mean().item()
            count += 1
    return total / count


def size(path: str) -> int:
    return os.path.getsize(path)


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB ({n:,} bytes)"


def main() -> None:
    import argparse

    global MLM_DIR, CLS_DIR
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default=os.path.join(CACHE, "pretrained.pt"))
    ap.add_argument("--finetuned", default=os.path.join(CACHE, "finetuned.pt"))
    ap.add_argument("--out-root", default=None, help="write the two folders here instead of public/models (tests)")
    args = ap.parse_args()
    if args.out_root:
        MLM_DIR = os.path.join(args.out_root, "micro-bert")
        CLS_DIR = os.path.join(args.out_root, "micro-bert-sst2")
        model_cards_dirs = (MLM_DIR, CLS_DIR)
    else:
        model_cards_dirs = None
    pre = torch.load(args.pretrained)
    fin = torch.load(args.finetuned)
    with open(os.path.join(CACHE, "data_meta.json")) as f:
        data_meta = json.load(f)
    timings = {}
    tp = os.path.join(CACHE, "timings.json")
    if os.path.exists(tp):
        with open(tp) as f:
            timings = json.load(f)
    tok = exact_tokenizer()
    report = {}

    # ---- micro-bert (MLM) ----
    cfg = micro_config(architectures=["BertForMaskedLM"], extra={"torch_dtype": "float32"})
    mlm = BertForMaskedLM(cfg)
    mlm.load_hf_state_dict(pre["state_dict"], strict=True)
    mlm.eval()
    write_common(MLM_DIR, cfg)
    sd = OrderedDict((k, v.detach().clone()) for k, v in mlm.state_dict().items() if k not in TIED)
    st = os.path.join(MLM_DIR, "model.safetensors")
    fx.write_safetensors(st, sd)
    probe = [tok.encode(s)[1] for s in FILL_MASK_SENTENCES] + [list(range(101, 101 + 128))]
    diff_mlm = check_roundtrip(mlm, BertForMaskedLM, cfg, st, probe)
    export_onnx(mlm, MLM_DIR, cfg.num_hidden_layers)
    fills = fill_mask(mlm, tok, FILL_MASK_SENTENCES)
    n_params_mlm = sum(p.numel() for p in mlm.parameters())
    report["micro-bert"] = {
        "params": n_params_mlm,
        "safetensors_bytes": size(st),
        "onnx_bytes": size(os.path.join(MLM_DIR, "onnx", "model.onnx")),
        "roundtrip_max_abs_diff": diff_mlm,
        "heldout": pre["heldout"],
        "heldout_corpus": pre["heldout_corpus"],
        "fill_mask": fills,
    }

    # ---- micro-bert-sst2 ----
    ccfg = micro_config(
        architectures=["BertForSequenceClassification"],
        id2label=dict(ID2LABEL),
        label2id={v: k for k, v in ID2LABEL.items()},
        problem_type="single_label_classification",
        extra={"torch_dtype": "float32"},
    )
    clf = BertForSequenceClassification(ccfg)
    clf.load_hf_state_dict(fin["state_dict"], strict=True)
    clf.eval()
    write_common(CLS_DIR, ccfg)
    csd = OrderedDict((k, v.detach().clone()) for k, v in clf.state_dict().items())
    cst = os.path.join(CLS_DIR, "model.safetensors")
    fx.write_safetensors(cst, csd)
    dev_rows = read_tsv(os.path.join(SST2_DIR, "dev.tsv"))
    dev_ids = [encode(tok, s, 128) for s, _ in dev_rows]
    dev_y = [y for _, y in dev_rows]
    diff_clf = check_roundtrip(clf, BertForSequenceClassification, ccfg, cst, dev_ids[:20])
    # Re-evaluate from the safetensors just written (what the app loads).
    reloaded = BertForSequenceClassification(ccfg)
    reloaded.load_hf_state_dict(read_safetensors(cst), strict=True)
    correct, preds, logits = evaluate_dev(reloaded, dev_ids, dev_y)
    assert correct == fin["dev_correct"], (correct, fin["dev_correct"])
    assert preds == fin["dev_predictions"]
    # Margin of the closest calls (how sensitive the figure is to float error).
    margins = (logits[:, 1] - logits[:, 0]).abs()
    metrics = {"task": "sst2", "split": "dev", "examples": len(dev_y), "correct": correct,
               "accuracy": correct / len(dev_y)}
    write_json(os.path.join(CLS_DIR, "metrics.json"), metrics)
    export_onnx(clf, CLS_DIR, ccfg.num_hidden_layers)
    report["micro-bert-sst2"] = {
        "params": sum(p.numel() for p in clf.parameters()),
        "safetensors_bytes": size(cst),
        "onnx_bytes": size(os.path.join(CLS_DIR, "onnx", "model.onnx")),
        "roundtrip_max_abs_diff": diff_clf,
        "metrics": metrics,
        "min_logit_margin": float(margins.min()),
        "n_margin_below_1e-3": int((margins < 1e-3).sum()),
    }
    uniformity_inputs = dev_ids[:64]
    report["micro-bert"]["attention_uniformity"] = attention_uniformity(mlm.bert, uniformity_inputs)
    report["micro-bert-sst2"]["attention_uniformity"] = attention_uniformity(clf.bert, uniformity_inputs)
    for name in ("micro-bert", "micro-bert-sst2"):
        r = report[name]
        for k in ("safetensors_bytes", "onnx_bytes"):
            assert r[k] <= MAX_BYTES, f"{name} {k} {r[k]} > {MAX_BYTES}"

    import model_cards

    model_cards.write_cards(report, pre, fin, data_meta, timings, dirs=model_cards_dirs)
    if not args.out_root:
        write_json(os.path.join(LOGS, "export_report.json"), report)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
