"""Shared pieces of the micro-bert training pipeline (paths, model shape,
corpus cleaning, a cached tokenizer, file writers).

The model is ``scripts/bert/modeling.py`` and the tokenizer
``scripts/bert/tokenization.py``; the safetensors / ONNX writers are imported
from ``scripts/fixtures/make_fixtures.py`` (neither file is modified).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from typing import Dict, Iterable, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "scripts", "bert"))
sys.path.insert(0, os.path.join(REPO, "scripts", "fixtures"))

import ctypes  # noqa: E402

# This VM makes fresh pages very expensive (~10 us per 4 KiB page fault), so keep
# freed memory in the process: every allocation up to 32 MiB (glibc's maximum
# mmap threshold) is served from the heap and the heap is never trimmed.  The
# training code keeps its tensors under 32 MiB (micro-batches, chunked MLM head).
try:
    _libc = ctypes.CDLL("libc.so.6")
    _libc.mallopt(-3, 32 * 1024 * 1024)  # M_MMAP_THRESHOLD
    _libc.mallopt(-1, 2**31 - 1)  # M_TRIM_THRESHOLD
    _libc.mallopt(-2, 64 * 1024 * 1024)  # M_TOP_PAD
except OSError:  # not glibc
    pass

import numpy as np  # noqa: E402
import torch  # noqa: E402

# make_fixtures sets torch.set_num_threads(1) and deterministic algorithms at
# import time; we re-set the thread count right after importing it.
import make_fixtures as fx  # noqa: E402
from modeling import BertConfig, BertForMaskedLM, BertForSequenceClassification  # noqa: E402
from tokenization import BertTokenizer  # noqa: E402

NUM_THREADS = int(os.environ.get("MICRO_BERT_THREADS", "2"))
torch.set_num_threads(NUM_THREADS)


def _data_dir() -> str:
    for cand in (os.path.join(REPO, "..", "shared", "data"), "/work/shared/data"):
        if os.path.isdir(os.path.join(cand, "corpus")):
            return os.path.abspath(cand)
    raise FileNotFoundError("shared/data not found (expected ../shared/data next to the repo)")


DATA = _data_dir()
CORPUS_DIR = os.path.join(DATA, "corpus")
SST2_DIR = os.path.join(DATA, "sst2")
TOKENIZER_DIR = os.path.join(DATA, "bert-base-uncased")
HELD_OUT = "wikitext2_test.txt"

CACHE = os.path.join(HERE, "cache")  # ignored by scripts/train/.gitignore
LOGS = os.path.join(HERE, "logs")
MODELS = os.path.join(REPO, "public", "models")
MLM_DIR = os.path.join(MODELS, "micro-bert")
CLS_DIR = os.path.join(MODELS, "micro-bert-sst2")

PAD, UNK, CLS, SEP, MASK = 0, 100, 101, 102, 103
VOCAB_SIZE = 30522


def micro_config(**kw) -> BertConfig:
    return BertConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=128,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=512,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=128,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-12,
        pad_token_id=0,
        **kw,
    )


@torch.no_grad()
def hf_init(model: torch.nn.Module, seed: int, std: float = 0.02, linear_std: Optional[float] = None) -> None:
    """Hugging Face's BertPreTrainedModel._init_weights, with a seeded generator:
    Linear/Embedding weights ~ N(0, std^2), biases 0, padding row 0, LayerNorm 1/0.
    ``linear_std`` overrides the std of the Linear layers only."""
    g = torch.Generator().manual_seed(seed)
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear):
            mod.weight.copy_(torch.randn(mod.weight.shape, generator=g) * (linear_std or std))
            if mod.bias is not None:
                mod.bias.zero_()
        elif isinstance(mod, torch.nn.Embedding):
            mod.weight.copy_(torch.randn(mod.weight.shape, generator=g) * std)
            if mod.padding_idx is not None:
                mod.weight[mod.padding_idx].zero_()
        elif isinstance(mod, torch.nn.LayerNorm):
            mod.weight.fill_(1.0)
            mod.bias.zero_()


# --------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------


def exact_tokenizer() -> BertTokenizer:
    """The reference (HF-faithful) tokenizer: used for every evaluation."""
    return BertTokenizer.from_vocab_file(os.path.join(TOKENIZER_DIR, "vocab.txt"))


class CachedTokenizer:
    """``BertTokenizer`` memoised per whitespace-separated chunk (for bulk corpus
    text only).  BERT's basic tokenizer never merges across whitespace, so
    tokenizing chunk by chunk gives the same ids (up to exotic Unicode
    whitespace, irrelevant for training data) at a fraction of the cost."""

    def __init__(self, tok: Optional[BertTokenizer] = None):
        self.tok = tok or exact_tokenizer()
        self.cache: Dict[str, List[int]] = {}

    def ids(self, text: str) -> List[int]:
        out: List[int] = []
        cache = self.cache
        for chunk in text.split():
            r = cache.get(chunk)
            if r is None:
                r = self.tok.convert_tokens_to_ids(self.tok.tokenize(chunk))
                if len(cache) < 2_000_000:
                    cache[chunk] = r
            out.extend(r)
        return out


# --------------------------------------------------------------------------
# Corpus cleaning (as shared/data/README.md "Preparing the corpus" says)
# --------------------------------------------------------------------------

_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG", re.I)
_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG", re.I)
_WT_HEADING = re.compile(r"^\s*(= )+.*( =)+\s*$")


def decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Latin-1 / Windows-1252 files
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_gutenberg(text: str) -> str:
    lines = text.split("\n")
    start, end = 0, len(lines)
    for i, line in enumerate(lines):
        if _START.match(line):
            start = i + 1
            break
    for i in range(len(lines) - 1, start - 1, -1):
        if _END.match(lines[i]):
            end = i
            break
    return "\n".join(lines[start:end])


def normalise_wikitext(text: str) -> str:
    """Drop ``= heading =`` lines; undo WikiText's ``@-@``/``@,@``/``@.@`` number
    splitting; map ``<unk>`` to BERT's ``[UNK]`` (same for training and eval)."""
    out = []
    for line in text.split("\n"):
        if not line.strip() or _WT_HEADING.match(line):
            continue
        line = line.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
        line = line.replace("<unk>", "[UNK]")
        out.append(line.strip())
    return "\n".join(out)


def paragraphs(name: str, raw: bytes) -> List[str]:
    """Cleaned text of one corpus file split into paragraphs (blank-line separated)."""
    text = decode(raw)
    if name.startswith("wikitext"):
        return [p for p in normalise_wikitext(text).split("\n") if p]
    if name.startswith("pg"):
        text = strip_gutenberg(text)
    paras = re.split(r"\n\s*\n", text)
    return [" ".join(p.split()) for p in paras if p.strip()]


def read_tsv(path: str) -> List[tuple]:
    """sentence<TAB>label rows (header skipped), split on TAB only."""
    rows = []
    with open(path, "r", encoding="utf-8") as f:
        header = f.readline()
        assert header.rstrip("\n").split("\t")[:2] == ["sentence", "label"], header
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            sent, label = line.split("\t")
            rows.append((sent, int(label)))
    return rows


# --------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------


class Log:
    def __init__(self, path: str, mode: str = "w"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, mode, encoding="utf-8")
        self.t0 = time.time()

    def __call__(self, msg: str) -> None:
        line = f"[{time.time() - self.t0:8.1f}s] {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def write_json(path: str, obj) -> None:
    fx.write_json(path, obj)
