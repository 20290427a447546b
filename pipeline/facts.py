"""Narrative paragraphs → facts: every quantity with its sentence and the subject it measures."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from . import data
from .quantities import parse

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
            for q in parse(sentence):
                out.append({
                    "notice_id": p["notice_id"], "para_id": p["para_id"], "sentence": sentence,
                    "raw": q.raw, "value": q.value, "unit": q.unit, "kind": q.kind, "qualifier": q.qualifier,
                    "base_value": q.base_value, "base_unit": q.base_unit, "subject": subject(sentence, q.start),
                })
    return out


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
