"""A small, faithful reimplementation of Hugging Face's slow ``BertTokenizer``
(``BasicTokenizer`` + ``WordpieceTokenizer``), used to build fixture inputs and
reference token ids without ``transformers``.

BasicTokenizer: clean text (drop NUL, U+FFFD and control chars, map whitespace
to a space), put spaces around CJK ideographs, NFC-normalise, split on
whitespace, then per word: lowercase, strip accents (NFD, drop ``Mn`` marks)
and split on punctuation.  WordPiece: greedy longest-match-first with the
``##`` continuation prefix; a word longer than 100 characters, or one that
cannot be covered, becomes ``[UNK]``.

Special tokens written literally in the text (``[MASK]`` etc.) are kept whole,
as the HF tokenizers do for their added/special tokens.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, List, Optional, Sequence, Tuple

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def load_vocab(path: str) -> Dict[str, int]:
    vocab: Dict[str, int] = {}
    with open(path, "r", encoding="utf-8") as f:
        for i, line in enumerate(f):
            vocab[line.rstrip("\n")] = i
    return vocab


def _is_whitespace(ch: str) -> bool:
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch: str) -> bool:
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    # All non-letter/number ASCII is treated as punctuation (e.g. "$", "^", "`").
    if (33 <= cp <= 47) or (58 <= cp <= 64) or (91 <= cp <= 96) or (123 <= cp <= 126):
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp: int) -> bool:
    return (
        (0x4E00 <= cp <= 0x9FFF)
        or (0x3400 <= cp <= 0x4DBF)
        or (0x20000 <= cp <= 0x2A6DF)
        or (0x2A700 <= cp <= 0x2B73F)
        or (0x2B740 <= cp <= 0x2B81F)
        or (0x2B820 <= cp <= 0x2CEAF)
        or (0xF900 <= cp <= 0xFAFF)
        or (0x2F800 <= cp <= 0x2FA1F)
    )


class BasicTokenizer:
    def __init__(self, do_lower_case: bool = True, never_split: Sequence[str] = SPECIAL_TOKENS):
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split)

    def _clean_text(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            out.append(" " if _is_whitespace(ch) else ch)
        return "".join(out)

    def _tokenize_chinese_chars(self, text: str) -> str:
        out = []
        for ch in text:
            if _is_chinese_char(ord(ch)):
                out.extend((" ", ch, " "))
            else:
                out.append(ch)
        return "".join(out)

    @staticmethod
    def _strip_accents(text: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")

    @staticmethod
    def _split_on_punc(text: str) -> List[str]:
        output: List[List[str]] = []
        start_new_word = True
        for ch in text:
            if _is_punctuation(ch):
                output.append([ch])
                start_new_word = True
            else:
                if start_new_word:
                    output.append([])
                start_new_word = False
                output[-1].append(ch)
        return ["".join(x) for x in output]

    def tokenize(self, text: str) -> List[str]:
        text = self._clean_text(text)
        text = self._tokenize_chinese_chars(text)
        text = unicodedata.normalize("NFC", text)
        split_tokens: List[str] = []
        for token in text.strip().split():
            if token in self.never_split:
                split_tokens.append(token)
                continue
            if self.do_lower_case:
                token = token.lower()
                token = self._strip_accents(token)
            split_tokens.extend(self._split_on_punc(token))
        return " ".join(split_tokens).split()


class WordpieceTokenizer:
    def __init__(self, vocab: Dict[str, int], unk_token: str = "[UNK]", max_input_chars_per_word: int = 100):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text: str) -> List[str]:
        output: List[str] = []
        for token in text.strip().split():
            chars = list(token)
            if len(chars) > self.max_input_chars_per_word:
                output.append(self.unk_token)
                continue
            sub_tokens: List[str] = []
            start = 0
            bad = False
            while start < len(chars):
                end = len(chars)
                cur: Optional[str] = None
                while start < end:
                    substr = "".join(chars[start:end])
                    if start > 0:
                        substr = "##" + substr
                    if substr in self.vocab:
                        cur = substr
                        break
                    end -= 1
                if cur is None:
                    bad = True
                    break
                sub_tokens.append(cur)
                start = end
            output.extend([self.unk_token] if bad else sub_tokens)
        return output


class BertTokenizer:
    def __init__(self, vocab: Dict[str, int], do_lower_case: bool = True):
        self.vocab = vocab
        self.ids_to_tokens = {i: t for t, i in vocab.items()}
        self.specials = [t for t in SPECIAL_TOKENS if t in vocab]
        self.basic = BasicTokenizer(do_lower_case, never_split=self.specials)
        self.wordpiece = WordpieceTokenizer(vocab)
        self._special_re = re.compile("(" + "|".join(re.escape(t) for t in self.specials) + ")")

    @classmethod
    def from_vocab_file(cls, path: str, do_lower_case: bool = True) -> "BertTokenizer":
        return cls(load_vocab(path), do_lower_case)

    def tokenize(self, text: str) -> List[str]:
        tokens: List[str] = []
        for piece in self._special_re.split(text):
            if not piece:
                continue
            if piece in self.specials:
                tokens.append(piece)
                continue
            for word in self.basic.tokenize(piece):
                tokens.extend(self.wordpiece.tokenize(word))
        return tokens

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> List[int]:
        unk = self.vocab["[UNK]"]
        return [self.vocab.get(t, unk) for t in tokens]

    def encode(self, text: str, text_pair: Optional[str] = None) -> Tuple[List[str], List[int], List[int]]:
        """[CLS] A [SEP] (B [SEP]) without truncation; returns (tokens, input_ids, token_type_ids)."""
        a = self.tokenize(text)
        tokens = ["[CLS]"] + a + ["[SEP]"]
        types = [0] * len(tokens)
        if text_pair is not None:
            b = self.tokenize(text_pair)
            tokens += b + ["[SEP]"]
            types += [1] * (len(b) + 1)
        return tokens, self.convert_tokens_to_ids(tokens), types
