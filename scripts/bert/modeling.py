"""From-scratch PyTorch BERT whose module and parameter names match Hugging Face
``transformers`` (``BertModel``, ``BertForSequenceClassification``,
``BertForMaskedLM``), so that state dicts load into either implementation
unchanged.

The forward pass follows Hugging Face's *eager* BERT attention step by step:

    extended_mask = (1.0 - attention_mask[:, None, None, :]) * finfo(dtype).min
    scores        = (q @ k^T) / sqrt(head_dim)   # a division, as HF does
    probs         = softmax(scores + extended_mask)
    probs         = dropout(probs)
    probs         = <head masking, see below>
    context       = probs @ v

(``dtype`` is the dtype the model runs in, as in HF, so float32 for a float32
model: ``torch.finfo(torch.float32).min``.)

Beyond HF, ``forward`` supports two kinds of ablation:

* ``head_mask`` ``[num_layers, num_heads]`` with ``disable_mode``:
    - ``"zero"``: HF semantics, ``probs = probs * head_mask[l][None, :, None, None]``
      after the softmax (and attention dropout), before ``@ V``.
    - ``"uniform"`` (Kovaleva et al., 2019): a head whose mask entry is 0 gets,
      on every row, the uniform distribution ``1/L`` over the unpadded key
      positions of that example (``L`` = number of unpadded tokens) and 0 on
      padded keys.  Heads whose entry is non-zero are multiplied by it as in
      ``"zero"`` mode (so 1 keeps them unchanged).
* ``layer_mask`` ``[num_layers]``: a layer whose entry is 0 is skipped (its
  input hidden state passes through unchanged) and the attention map returned
  for it is all zeros.  Non-zero entries keep the layer.

``forward`` returns a dict with ``attentions`` (a tuple with one
``[batch, heads, seq, seq]`` tensor per layer: the maps actually used, i.e.
after head/layer masking), ``last_hidden_state``, ``pooler_output`` (``None``
without a pooler) and, for the task models, ``logits``.  With
``return_dict=False`` it instead returns the plain tuple an ONNX export wants:
``(last_hidden_state,)`` for ``BertModel`` and ``(logits,)`` for the task
models.

Only what Head Atlas needs is implemented: absolute position embeddings, no
KV cache / cross-attention / decoder mode.  Dropout is honoured in train mode.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BertConfig",
    "BertModel",
    "BertForSequenceClassification",
    "BertForMaskedLM",
    "rename_legacy_layernorm_keys",
]


# --------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------


@dataclass
class BertConfig:
    """The subset of Hugging Face's ``BertConfig`` that this implementation uses.

    ``from_dict`` / ``from_json_file`` read an HF ``config.json`` (unknown keys are
    kept in ``extra`` and written back); ``to_dict`` / ``to_json_file`` write one.
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_embedding_type: str = "absolute"
    classifier_dropout: Optional[float] = None
    model_type: str = "bert"
    architectures: Optional[List[str]] = None
    id2label: Optional[Dict[int, str]] = None
    label2id: Optional[Dict[str, int]] = None
    problem_type: Optional[str] = None
    # Runtime switch, not written to config.json unless False (as HF's
    # PretrainedConfig.return_dict): forward() returns a plain tuple when False,
    # which is what torch.onnx.export wants.
    return_dict: bool = True
    extra: Dict[str, Any] = field(default_factory=dict)

    # Keys always written to config.json (HF writes these even when default).
    _ALWAYS = (
        "vocab_size",
        "hidden_size",
        "num_hidden_layers",
        "num_attention_heads",
        "intermediate_size",
        "hidden_act",
        "hidden_dropout_prob",
        "attention_probs_dropout_prob",
        "max_position_embeddings",
        "type_vocab_size",
        "initializer_range",
        "layer_norm_eps",
        "pad_token_id",
        "position_embedding_type",
        "classifier_dropout",
        "model_type",
    )

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of "
                f"num_attention_heads {self.num_attention_heads}"
            )
        if self.position_embedding_type != "absolute":
            raise NotImplementedError("only absolute position embeddings are supported")
        if self.id2label is not None:
            self.id2label = {int(k): str(v) for k, v in self.id2label.items()}
            if self.label2id is None:
                self.label2id = {v: k for k, v in self.id2label.items()}
        if self.label2id is not None:
            self.label2id = {str(k): int(v) for k, v in self.label2id.items()}

    @property
    def num_labels(self) -> int:
        return len(self.id2label) if self.id2label else 2

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "BertConfig":
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        known = {k: v for k, v in d.items() if k in names}
        extra = {k: v for k, v in d.items() if k not in names}
        if "num_labels" in extra and "id2label" not in known:
            n = int(extra.pop("num_labels"))
            known["id2label"] = {i: f"LABEL_{i}" for i in range(n)}
        return cls(**known, extra=extra)

    @classmethod
    def from_json_file(cls, path: str) -> "BertConfig":
        with open(path, "r", encoding="utf-8") as f:
            return cls.from_dict(json.load(f))

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        if self.architectures is not None:
            out["architectures"] = list(self.architectures)
        for k in self._ALWAYS:
            out[k] = getattr(self, k)
        if self.id2label is not None:
            out["id2label"] = {str(k): v for k, v in sorted(self.id2label.items())}
            out["label2id"] = dict(sorted((self.label2id or {}).items(), key=lambda kv: kv[1]))
        if self.problem_type is not None:
            out["problem_type"] = self.problem_type
        if not self.return_dict:
            out["return_dict"] = False
        out.update(self.extra)
        return out

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_json_file(self, path: str) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.to_json_string())


def _activation(name: str):
    if name == "gelu":  # exact, erf-based GELU (HF "gelu")
        return F.gelu
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    if name == "tanh":
        return torch.tanh
    raise ValueError(f"unsupported hidden_act {name!r}")


# --------------------------------------------------------------------------
# Modules (names mirror transformers.models.bert.modeling_bert)
# --------------------------------------------------------------------------


class BertEmbeddings(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        # Not part of the state dict (persistent=False), as in current HF.
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor) -> torch.Tensor:
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.head_dim
        self.all_head_size = config.hidden_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def transpose_for_scores(self, x: torch.Tensor) -> torch.Tensor:
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(
        self,
        hidden_states: torch.Tensor,
        extended_attention_mask: Optional[torch.Tensor],
        head_mask: Optional[torch.Tensor] = None,
        uniform_probs: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``head_mask``: ``[heads]`` for this layer or None.  ``uniform_probs``:
        ``[batch, 1, 1, seq]`` replacement map for heads whose mask is 0 ("uniform"
        mode), or None for HF ("zero") semantics."""
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))

        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if extended_attention_mask is not None:
            attention_scores = attention_scores + extended_attention_mask

        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)

        if head_mask is not None:
            hm = head_mask.to(attention_probs.dtype)[None, :, None, None]
            if uniform_probs is None:
                attention_probs = attention_probs * hm
            else:
                uniform = uniform_probs.to(attention_probs.dtype).expand_as(attention_probs)
                attention_probs = torch.where(hm == 0, uniform, attention_probs * hm)

        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        context_layer = context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))
        return context_layer, attention_probs


class BertSelfOutput(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, extended_attention_mask, head_mask=None, uniform_probs=None):
        context, probs = self.self(hidden_states, extended_attention_mask, head_mask, uniform_probs)
        return self.output(context, hidden_states), probs


class BertIntermediate(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = _activation(config.hidden_act)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, extended_attention_mask, head_mask=None, uniform_probs=None):
        attention_output, probs = self.attention(hidden_states, extended_attention_mask, head_mask, uniform_probs)
        layer_output = self.output(self.intermediate(attention_output), attention_output)
        return layer_output, probs


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(
        self,
        hidden_states: torch.Tensor,
        extended_attention_mask: Optional[torch.Tensor],
        head_mask: Optional[torch.Tensor] = None,
        layer_mask: Optional[torch.Tensor] = None,
        uniform_probs: Optional[torch.Tensor] = None,
    ) -> Tuple[torch.Tensor, Tuple[torch.Tensor, ...]]:
        attentions = []
        batch, seq = hidden_states.shape[:2]
        heads = self.config.num_attention_heads
        for i, layer_module in enumerate(self.layer):
            if layer_mask is not None and float(layer_mask[i]) == 0.0:
                # Skipped layer: identity on the hidden state, all-zero attention map.
                attentions.append(hidden_states.new_zeros((batch, heads, seq, seq)))
                continue
            layer_head_mask = head_mask[i] if head_mask is not None else None
            hidden_states, probs = layer_module(hidden_states, extended_attention_mask, layer_head_mask, uniform_probs)
            attentions.append(probs)
        return hidden_states, tuple(attentions)


class BertPooler(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = _activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        # As in HF: the decoder's bias *is* the head bias, so the state dict holds
        # both `cls.predictions.bias` and `cls.predictions.decoder.bias`.
        self.decoder.bias = self.bias

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output: torch.Tensor) -> torch.Tensor:
        return self.predictions(sequence_output)


# --------------------------------------------------------------------------
# Top-level models
# --------------------------------------------------------------------------


def _check_disable_mode(disable_mode: str) -> None:
    if disable_mode not in ("zero", "uniform"):
        raise ValueError(f"disable_mode must be 'zero' or 'uniform', got {disable_mode!r}")


class BertPreTrainedModel(nn.Module):
    """Shared helpers: state-dict loading with HF key conventions."""

    base_model_prefix = "bert"

    def load_hf_state_dict(self, state_dict: Dict[str, torch.Tensor], strict: bool = True):
        """Load an HF checkpoint: accepts old ``gamma``/``beta`` LayerNorm names,
        keys with or without the ``bert.`` prefix, and a missing tied decoder weight
        / decoder bias (re-tied afterwards)."""
        sd = rename_legacy_layernorm_keys(state_dict)
        own = set(self.state_dict().keys())
        prefix = self.base_model_prefix + "."
        has_prefix = any(k.startswith(prefix) for k in own)
        fixed = {}
        for k, v in sd.items():
            if has_prefix and not k.startswith(prefix) and (prefix + k) in own:
                k = prefix + k
            elif not has_prefix and k.startswith(prefix) and k[len(prefix):] in own:
                k = k[len(prefix):]
            if k in own:
                fixed[k] = v
        missing = own - set(fixed)
        tied_ok = {"cls.predictions.decoder.weight", "cls.predictions.decoder.bias"}
        if strict and (missing - tied_ok):
            raise KeyError(f"missing keys: {sorted(missing - tied_ok)}")
        result = self.load_state_dict(fixed, strict=False)
        self.tie_weights()
        return result

    def tie_weights(self) -> None:  # overridden by models with tied weights
        pass


class BertModel(BertPreTrainedModel):
    def __init__(self, config: BertConfig, add_pooling_layer: bool = True):
        super().__init__()
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None

    def get_extended_attention_mask(self, attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        extended = attention_mask[:, None, None, :].to(dtype=dtype)
        return (1.0 - extended) * torch.finfo(dtype).min

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: Optional[torch.Tensor] = None,
        token_type_ids: Optional[torch.Tensor] = None,
        head_mask: Optional[torch.Tensor] = None,
        layer_mask: Optional[torch.Tensor] = None,
        disable_mode: str = "zero",
        return_dict: Optional[bool] = None,
    ):
        _check_disable_mode(disable_mode)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)

        embedding_output = self.embeddings(input_ids, token_type_ids)
        dtype = embedding_output.dtype
        extended_attention_mask = self.get_extended_attention_mask(attention_mask, dtype)

        uniform_probs = None
        if head_mask is not None:
            expected = (self.config.num_hidden_layers, self.config.num_attention_heads)
            if tuple(head_mask.shape) != expected:
                raise ValueError(f"head_mask must have shape {expected}, got {tuple(head_mask.shape)}")
            if disable_mode == "uniform":
                keys = attention_mask.to(dtype)
                uniform_probs = (keys / keys.sum(dim=-1, keepdim=True))[:, None, None, :]
        if layer_mask is not None and tuple(layer_mask.shape) != (self.config.num_hidden_layers,):
            raise ValueError(f"layer_mask must have shape ({self.config.num_hidden_layers},)")

        sequence_output, attentions = self.encoder(
            embedding_output, extended_attention_mask, head_mask, layer_mask, uniform_probs
        )
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        if not (self.config.return_dict if return_dict is None else return_dict):
            return (sequence_output,)
        return {
            "last_hidden_state": sequence_output,
            "pooler_output": pooled_output,
            "attentions": attentions,
        }


class BertForSequenceClassification(BertPreTrainedModel):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        drop = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(drop)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, head_mask=None, layer_mask=None,
                disable_mode="zero", return_dict=None):
        out = self.bert(input_ids, attention_mask, token_type_ids, head_mask, layer_mask, disable_mode, True)
        logits = self.classifier(self.dropout(out["pooler_output"]))
        if not (self.config.return_dict if return_dict is None else return_dict):
            return (logits,)
        return {**out, "logits": logits}


class BertForMaskedLM(BertPreTrainedModel):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.tie_weights()

    def tie_weights(self) -> None:
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight
        self.cls.predictions.decoder.bias = self.cls.predictions.bias

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, head_mask=None, layer_mask=None,
                disable_mode="zero", return_dict=None):
        out = self.bert(input_ids, attention_mask, token_type_ids, head_mask, layer_mask, disable_mode, True)
        logits = self.cls(out["last_hidden_state"])
        if not (self.config.return_dict if return_dict is None else return_dict):
            return (logits,)
        return {**out, "logits": logits}

    def masked_lm_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over positions whose label is not -100 (HF convention)."""
        return F.cross_entropy(logits.view(-1, self.config.vocab_size), labels.view(-1), ignore_index=-100)


def rename_legacy_layernorm_keys(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Map old TF-port names ``LayerNorm.gamma``/``LayerNorm.beta`` to ``.weight``/``.bias``."""
    out = {}
    for k, v in state_dict.items():
        if k.endswith("LayerNorm.gamma"):
            k = k[: -len("gamma")] + "weight"
        elif k.endswith("LayerNorm.beta"):
            k = k[: -len("beta")] + "bias"
        out[k] = v
    return out
