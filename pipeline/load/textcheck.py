"""Is a page's text layer readable? Text that cannot be mapped to Unicode never reaches an output.

A font embedded without its ToUnicode map decodes to control characters, private-use code points,
pdfminer's `(cid:N)` placeholders, or Latin letters and ASCII punctuation drawn with the full-width
glyphs of a Chinese font ("宝1路23*456789:;‹改=建工程"). `unreadable_reason(page)` tells a page whose
text layer is such garbage; `screen_text(doc)` takes the garbage out of a document (and out of its
metadata), names each page it left chars out of, and tells the pages whose text layer is unusable
(the load stage reads those from their image by OCR instead).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

from pipeline.model.problems import Code
from pipeline.model.records import Char, Document, Page, Problem
from pipeline.settings import LoadSettings

_CID = re.compile(r"\(cid:\d+\)")
# Unicode blocks a Chinese government notice plausibly prints: ASCII, Latin-1, Greek (μ, α), general
# punctuation, super- and subscripts, currency, letterlike (℃), number forms (Ⅲ), arrows, maths
# (≤ ≥), technical, enclosed numbers (①), box drawing, shapes (■ □ ○), dingbats (★ ✓), CJK radicals,
# CJK punctuation, kana and bopomofo, enclosed CJK (㈠), CJK compatibility (㎡ ㎞), CJK ideographs
# (extension A, the base block, compatibility, extensions B–G), vertical and full-width forms.
_PLAUSIBLE = (
    (0x0020, 0x007E), (0x00A0, 0x00FF), (0x0370, 0x03FF), (0x2000, 0x206F), (0x2070, 0x209F),
    (0x20A0, 0x20CF), (0x2100, 0x218F), (0x2190, 0x23FF), (0x2460, 0x27BF), (0x2E80, 0x2FDF),
    (0x3000, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE10, 0xFE1F),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3134F),
)


@lru_cache(maxsize=8192)
def unmappable(text: str) -> bool:
    """A char that is no text: a control or format character, a private-use, unassigned or
    surrogate code point, U+FFFD, or pdfminer's (cid:N)."""
    if _CID.search(text) or "\ufffd" in text:
        return True
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Cn") for ch in text if not ch.isspace())


@lru_cache(maxsize=8192)
def implausible(text: str) -> bool:
    """A char a Chinese notice does not print (Latin Extended, IPA, spacing modifiers, combining
    marks, Cyrillic, Arabic …): what a font decoded without its map gives."""
    return any(not any(lo <= ord(ch) <= hi for lo, hi in _PLAUSIBLE) for ch in text if not ch.isspace())


@lru_cache(maxsize=8192)
def _symbol(text: str) -> bool:
    """Private-use (a symbol font's bullet) or format (soft hyphen, zero-width space) chars only."""
    return all(unicodedata.category(ch) in ("Co", "Cf") for ch in text)


def misdecoded(c: Char, s: LoadSettings) -> bool:
    """The char's text is evidence of a font decoded without its map: a control char, a (cid:N), an
    implausible letter, or a Latin char drawn with a full-width glyph."""
    t = c.text
    if unmappable(t):
        return not _symbol(t)
    if implausible(t):
        return True
    return len(t) == 1 and 0x21 <= ord(t) <= 0x7E and c.x1 - c.x0 >= s.wide_ascii * c.size


def unreadable_reason(page: Page, s: LoadSettings) -> str | None:
    """Why the page's text layer cannot be used as text (it needs OCR), or None when it can."""
    bad: list[str] = []
    wrong = 0
    for c in page.chars:        # one pass: this screens every char of every notice
        # one CJK ideograph, most chars of a notice: text for sure (a longer text that starts with one,
        # 中 with a control char a broken ToUnicode map added, is screened like any other)
        if len(c.text) == 1 and "\u4e00" <= c.text <= "\u9fff":
            continue
        decoded_wrong = misdecoded(c, s)
        wrong += decoded_wrong
        if decoded_wrong or unmappable(c.text):
            bad.append(c.text)
    if wrong < s.min_garbage and len(bad) < max(s.min_garbage, s.garbage_share * len(page.chars)):
        return None
    return (f"{len(bad)} of {len(page.chars)} chars do not decode to text (a font without a ToUnicode "
            f"map?), e.g. {_sample(bad)}")


def _sample(texts: list[str]) -> str:
    """Up to 24 undecodable chars as escapes a reader can quote (ascii() for control and private-use
    chars, `<cid N>` for pdfminer's placeholder): the report names the garbage, never carries it."""
    return _CID.sub(lambda m: f"<cid {m.group()[5:-1]}>", ascii("".join(texts[:24])))


def screen_text(doc: Document, s: LoadSettings) -> tuple[Document, dict[int, str]]:
    """The document without garbage text, and the pages whose text layer is unreadable (number → why).
    Such a page loses all its chars (the caller reads it by OCR, or names it as needing OCR);
    elsewhere the chars that are no text (a symbol font's private-use bullet, a stray control) are
    left out and named."""
    pages, problems, unreadable = [], list(doc.problems), {}
    for page in doc.pages:
        reason = unreadable_reason(page, s)
        if reason:
            unreadable[page.number] = reason
            page = replace(page, chars=())
        else:
            kept = tuple(c for c in page.chars if not unmappable(c.text))
            if len(kept) < len(page.chars):
                problems.append(Problem("load", "characters that do not decode to text left out",
                                        page=page.number,
                                        text=_sample([c.text for c in page.chars if unmappable(c.text)]),
                                        code=Code.UNDECODABLE_CHARS))
                page = replace(page, chars=kept)
        pages.append(page)
    metadata = {k: v for k, v in doc.metadata.items() if not (isinstance(v, str) and unmappable(v))}
    return replace(doc, metadata=metadata, pages=tuple(pages), problems=tuple(problems)), unreadable
