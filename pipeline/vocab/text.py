"""Text utilities shared by the stages: the one place that says how text is normalised and where
a clause ends."""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

# punctuation that ends a clause: the words before a number (its qualifier, its label) and the
# noun phrase a fact measures are looked for within one clause
CLAUSE_BREAK = "，,。；;：:、/（(）)！？!?\n"


def nfkc(text: str) -> str:
    """NFKC: full-width → half-width, compatibility forms (², ①) → the plain chars."""
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """NFKC with all whitespace removed: the form in which header wordings, titles, table numbers
    and names are compared."""
    return re.sub(r"\s+", "", nfkc(text))


def nfkc_indexed(text: str) -> tuple[str, list[int]]:
    """NFKC per char, with a map from each normalised index back to the original index (one past
    the end included), so that what is found in the normalised text can be cut from the original."""
    out, index = [], []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch)
        out.append(n)
        index.extend([i] * len(n))
    index.append(len(text))
    return "".join(out), index


@lru_cache(maxsize=8192)
def nfc(text: str) -> str:
    """NFC: compatibility ideographs and presentation forms some producers emit, as the chars they
    stand for (cached: the load stage calls it for every char)."""
    return unicodedata.normalize("NFC", text)


def quoted(name: str) -> str:
    """A file name as it can be shown on one line: as is when plain, else in quotes with escapes (a
    newline in a name must not split a one-line error)."""
    if name and all(ch.isprintable() and ch not in "\"'" for ch in name):
        return name
    return json.dumps(name, ensure_ascii=False)
