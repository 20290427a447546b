"""Text utilities shared by the stages: the one place that says how text is normalised and where
a sentence or a clause ends."""
from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache

from pipeline.vocab import data

# The punctuation that parts a text, from schemas/patterns.json "breaks"; each set holds the one
# before it (PARAGRAPH_END aside) and adds its own entry there.
# - ends a sentence: facts are read a sentence at a time; a bold lead is the opening sentence
SENTENCE_END: str = data.patterns()["breaks"]["sentence_end"]
# - may end a paragraph's last line (a colon before a list, an ellipsis too): a short line ending
#   otherwise goes on in the next, and a break after a full one is a doubt
PARAGRAPH_END: str = SENTENCE_END + data.patterns()["breaks"]["paragraph_end"]
# - ends a clause of a sentence (a comma, a colon too): the cross-check names a figure by the
#   clause before it
CLAUSE_END: str = SENTENCE_END + data.patterns()["breaks"]["clause_end"]
# - where the words around a number stop (an enumeration comma, a slash, a bracket, a line break
#   too): its qualifier, its label and the noun phrase a fact measures are looked for within it
CLAUSE_BREAK: str = CLAUSE_END + data.patterns()["breaks"]["clause_break"]

_SENTENCE_SPLIT = re.compile(f"(?<=[{re.escape(SENTENCE_END)}])")
_SENTENCE_MARK = re.compile(f"[{re.escape(SENTENCE_END)}]")


def sentences(text: str) -> list[str]:
    """The text cut after each sentence end, the mark kept with its sentence (the last piece may
    have none; a piece may be blank)."""
    return _SENTENCE_SPLIT.split(text)


def first_sentence_end(text: str) -> int | None:
    """The index just past the first sentence end mark; None when there is none."""
    m = _SENTENCE_MARK.search(text)
    return m.end() if m else None


def clause_start(text: str, pos: int, breaks: str = CLAUSE_BREAK) -> int:
    """Where the clause holding `pos` starts: just after the last of `breaks` before `pos`, else 0."""
    while pos > 0 and text[pos - 1] not in breaks:
        pos -= 1
    return pos


def clause_end(text: str, pos: int, breaks: str = CLAUSE_BREAK) -> int:
    """Where the clause holding `pos` ends: at the first of `breaks` from `pos` on, else the end."""
    while pos < len(text) and text[pos] not in breaks:
        pos += 1
    return pos


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
        n = _nfkc_char(ch)
        out.append(n)
        index.extend([i] * len(n))
    index.append(len(text))
    return "".join(out), index


@lru_cache(maxsize=8192)
def _nfkc_char(ch: str) -> str:
    return nfkc(ch)     # cached: a notice's text is a few thousand distinct chars, normalised often


@lru_cache(maxsize=8192)
def nfc(text: str) -> str:
    """NFC, and a Kangxi radical or CJK radicals-supplement code point as the ideograph it stands for
    (schemas/radicals.csv: Unicode's Equivalent_Unified_Ideograph; a browser's print-to-PDF maps
    长 and 民 to ⻓ and ⺠, which NFKC leaves as they are): compatibility ideographs and forms some
    producers emit, as the chars they stand for (cached: the load stage calls it for every char)."""
    return unicodedata.normalize("NFC", text.translate(_radicals()))


@lru_cache(maxsize=1)
def _radicals() -> dict[int, str]:
    return {ord(r["radical"]): r["ideograph"] for r in data.csv_rows("radicals.csv")}


def quoted(name: str) -> str:
    """A file name as it can be shown on one line: as is when plain, else in quotes with escapes (a
    newline in a name must not split a one-line error)."""
    if name and all(ch.isprintable() and ch not in "\"'" for ch in name):
        return name
    return json.dumps(name, ensure_ascii=False)
