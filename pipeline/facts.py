"""Narrative paragraphs → facts: every quantity with its sentence and the subject it measures."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from . import data
from .quantities import parse, units

SENTENCE_END = re.compile(r"(?<=[。；！？!?;])")
NOUN_TAGS = ("n", "nz", "nt", "ns", "nr", "vn", "j", "l", "eng", "nrt")
CLAUSE_BREAK = "，,、；;：:“”\"（）()"


@lru_cache(maxsize=1)
def _posseg():
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return pseg


def facts(paragraphs: list[dict]) -> list[dict]:
    out = []
    for p in paragraphs:
        if p["kind"] != "paragraph":
            continue
        for sentence in (s for s in SENTENCE_END.split(p["text"]) if s.strip()):
            previous = None
            for q in parse(sentence):
                found = counted_after(sentence, q.end) if units()[_base_printed(q.unit)].dimension == "count" \
                    else None
                found = found or subject(sentence, q.start)
                if q.kind == "growth" and (found is None or found in data.patterns()["subject_not"]):
                    found = previous          # 同比增长6.5%: the growth of what the sentence just measured
                previous = found or previous
                out.append({
                    "notice_id": p["notice_id"], "para_id": p["para_id"], "sentence": sentence,
                    "raw": q.raw, "value": q.value, "unit": q.unit, "kind": q.kind, "qualifier": q.qualifier,
                    "base_value": q.base_value, "base_unit": q.base_unit,
                    "subject": None if found in data.patterns()["subject_not"] else found,
                })
    return out


def _base_printed(unit: str) -> str:
    """The unit without its magnitude prefix: 万个 → 个."""
    table = units()
    if unit in table:
        return unit
    for mag in sorted(data.patterns()["magnitudes"], key=len, reverse=True):
        if unit.startswith(mag) and unit[len(mag):] in table:
            return unit[len(mag):]
    return unit


def counted_after(sentence: str, end: int) -> str | None:
    """The noun phrase right after a count (入驻8个重大创新项目 → 重大创新项目), if any."""
    stop = end
    while stop < len(sentence) and sentence[stop] not in CLAUSE_BREAK + "。；":
        stop += 1
    run: list[tuple[str, str]] = []
    for w in _posseg().cut(sentence[end:stop]):
        if w.flag.startswith(NOUN_TAGS) or (w.flag in ("a", "b", "v", "vn") and len(run) < 3):
            run.append((w.word, w.flag))
        else:
            break
    while run and not run[-1][1].startswith(NOUN_TAGS):
        run.pop()
    return "".join(w for w, _ in run) or None



def subject(sentence: str, number_at: int) -> str | None:
    """The noun phrase closest before the number (or before the verb that governs it)."""
    start = number_at
    while start > 0 and sentence[start - 1] not in CLAUSE_BREAK:
        start -= 1
    clause = sentence[start:number_at]
    p = data.patterns()
    stop = sorted(p["qualifiers_before"] + p["growth_up"] + p["growth_down"] + ["完成", "实现", "为", "是"],
                  key=len, reverse=True)
    changed = True
    while changed and clause:
        changed = False
        for w in stop:
            if clause.endswith(w):
                clause = clause[: -len(w)]
                changed = True
    if not clause.strip():
        return None
    words = list(_posseg().cut(clause))
    run: list[str] = []
    for w in reversed(words):
        if w.flag.startswith(NOUN_TAGS) or (run and w.flag in ("a", "b", "m") and len(run) < 4):
            run.insert(0, w.word)
        elif run:
            break
    text = "".join(run).strip()
    return text or None
