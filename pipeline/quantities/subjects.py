"""The subject of a quantity stated in a sentence: the noun phrase naming what it counts or measures.

A small grammar over jieba's words and part-of-speech tags, tried rule by rule:

1. a count followed by a noun phrase counts that noun   入驻8个重大创新项目        → 重大创新项目
   (and any quantity followed by 的 + noun phrase)        总规模150亿元的科创产业基金 → 科创产业基金
2. 占…比重/之比: the whole share phrase                 研发支出占地区生产总值之比达到3.08% → 研发支出占地区生产总值之比
3. the noun phrase just before the number, once the     区级一般公共预算收入完成172.9亿元 → 区级一般公共预算收入
   predicate (完成, 达到, 控制在, 增长 …) and any
   comparison base (同比, 比上年 …) are set aside
4. a measure followed by a noun phrase measures it      推动156万平方米经营性资产转型 → 经营性资产
5. a clause that is only predicate and number continues  总数达1106家 → what the sentence just counted
   the sentence: the subject of the quantity before it,
   else the topic of the clause before it               既有多层住宅加装电梯全力推进，新增403台 → 电梯

Verbs, 全区/本区/全年 prefixes and words that only name an attribute (总数, 规模, 占地 …) are never a
subject on their own. Where no rule applies the subject is None: an empty subject is allowed, a
wrong one is not. The word lists and the domain dictionary (names jieba would cut apart or tag
wrongly) are data: `schemas/patterns.json` and `schemas/subject_words.csv`.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import NamedTuple

from pipeline.vocab import data
from pipeline.vocab.text import CLAUSE_BREAK, clause_end, clause_start

QUOTED = re.compile(r"“[^“”]*”|《[^《》]*》|「[^「」]*」")
NOUNS = ("n", "s", "j", "l", "eng", "vn", "an")   # jieba tags that name things (n covers nr, ns, nz …)
MODIFIERS = ("a", "b", "f")       # 合同外资, 三星级以上, 外环以南: inside a noun phrase
LINKS = ("等", "和", "及")        # 高架等涂装, 科创产业基金和城市更新发展基金
VERBS = ("v", "vd", "vi", "vg")


class Word(NamedTuple):
    text: str
    tag: str

    @property
    def noun(self) -> bool:
        return self.tag.startswith(NOUNS)

    @property
    def verb(self) -> bool:
        return self.tag in VERBS


@lru_cache(maxsize=1)
def _tagger():
    """A private jieba tagger with the domain dictionary (jieba's global one is left untouched)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for row in data.csv_rows("subject_words.csv"):
        tokenizer.add_word(row["word"], freq=int(row["freq"]) if row["freq"] else None, tag=row["tag"])
    tagger = jieba.posseg.POSTokenizer(tokenizer)
    tagger.initialize()
    return tagger


def warm_up() -> None:
    """Load the dictionary once (before worker processes fork, so each does not pay for it)."""
    words("新增企业")


def words(text: str) -> list[Word]:
    """Tagged words; a quoted name (“活力楼组”, 《…》) is one noun."""
    out, at = [], 0
    for m in QUOTED.finditer(text):
        out += [Word(w.word, w.flag) for w in _tagger().cut(text[at:m.start()])]
        out.append(Word(m.group(), "nz"))
        at = m.end()
    out += [Word(w.word, w.flag) for w in _tagger().cut(text[at:])]
    return [w for w in out if w.text.strip()]


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset, frozenset, tuple]:
    p = data.patterns()
    predicates = frozenset({*p["subject_predicates"], *p["qualifiers_before"], *p["growth_up"], *p["growth_down"]})
    return predicates, frozenset(p["subject_attributes"]), tuple(sorted(p["subject_prefixes"], key=len, reverse=True))


def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): from the last break before it to the first break after it.
    Quoted spans are skipped over (a quote may hold a comma)."""
    masked = QUOTED.sub(lambda m: "“" * len(m.group()), sentence)
    return clause_start(masked, start), clause_end(masked, end)


def subject(sentence: str, start: int, end: int, counted: bool, growth: bool,
            previous: tuple[str | None, int] = (None, 0)) -> str | None:
    """The subject of the quantity sentence[start:end]; `counted` when its unit is a classifier,
    `growth` for a rate of change; `previous`: the subject of the quantity before it in the same
    sentence and where that quantity ended."""
    if data.regex("respectively").search(sentence[:start]):
        return None                     # 分别增长34.8%、24.4%: which is which is not in the words
    left_at, right_at = clause_bounds(sentence, start, end)
    before = strip_predicate(words(data.regex("comparison_base").sub("", sentence[left_at:start])))
    after = words(sentence[end:right_at])
    found = None
    if counted or (after and after[0].text == "的"):
        found = noun_after(after[1:] if after and after[0].text == "的" else after)
    found = found or share_phrase(before) or noun_before(before)
    if not counted and not found:
        found = noun_after(after)
    if not found and _continues(before, after):
        # a growth rate is of what was just measured; a level continues the clause just before it
        said, said_at = previous
        just_before = clause_bounds(sentence, max(0, left_at - 1), max(0, left_at - 1))[0]
        found = said if said and (growth or said_at > just_before) else topic_before(sentence[:left_at], counted)
    return found


def _continues(before: list[Word], after: list[Word]) -> bool:
    """A clause of nothing but predicate and number (总数达1106家, 新增403台, 占地163.1万平方米) goes on
    about what the sentence was already saying."""
    _, attributes, _ = _lists()
    return all(w.text in attributes or w.tag in ("d", "p", "c") for w in before) and not any(w.noun for w in after)


def strip_predicate(ws: list[Word]) -> list[Word]:
    """Take off the words that link a subject to its number (完成, 达到, 控制在, 增长, 约 …), whole
    words only: 签约 keeps its 约."""
    predicates = _lists()[0]
    ws = list(ws)
    while ws:
        k = next((k for k in (3, 2, 1) if len(ws) >= k and "".join(w.text for w in ws[-k:]) in predicates), 0)
        if not k:
            break
        del ws[-k:]
    return ws


def _phrase(ws: list[Word]) -> str | None:
    """The words as a subject: 全区/本区 … prefixes off; an attribute alone (总数, 规模) is no subject."""
    _, attributes, prefixes = _lists()
    text = "".join(w.text for w in ws)
    for p in prefixes:
        if text.startswith(p) and len(text) > len(p):
            text = text[len(p):]
            break
    return text if text and text not in attributes else None


def noun_after(after: list[Word]) -> str | None:
    """The noun phrase right after the number (入驻8个重大创新项目 → 重大创新项目): nouns, with modifiers
    and links between them, and a verb that only compounds the nouns around it (11个干部带教基地) where
    nothing but nouns follows; a clause verb ends it (28个项目入选国赛 → 项目). It ends on a noun."""
    ends_phrase = _lists()[0] | set(data.patterns()["clause_verbs"])
    run: list[Word] = []
    for i, w in enumerate(after):
        rest = after[i + 1:]
        followed_by_noun = bool(rest) and rest[0].noun
        if w.text in ends_phrase:
            break
        compound = w.verb and all(r.noun for r in rest)
        if w.noun or (w.tag in MODIFIERS and (followed_by_noun or not run)) or \
                (run and followed_by_noun and (w.text in LINKS or compound)):
            run.append(w)
        else:
            break
    while run and not (run[-1].noun and run[-1].tag != "vn"):
        run.pop()
    return _phrase(run)


def share_phrase(before: list[Word]) -> str | None:
    """研发支出占地区生产总值之比达到 → 研发支出占地区生产总值之比: a share names both of its terms."""
    m = data.regex("share_phrase").search("".join(w.text for w in before))
    return _phrase([Word(m.group(1), "n")]) if m else None


def noun_before(ws: list[Word]) -> str | None:
    """The noun phrase that ends where the number's predicate began (predicate already stripped)."""
    predicates = _lists()[0]
    # Verbs right before the number: after a noun they belong to the subject (人才引进1141人, 全程接种198.9
    # 万人); with no noun before them, or holding a predicate (试点累计支出), they are the predicate.
    chain = len(ws)
    while chain > 0 and ws[chain - 1].verb:
        chain -= 1
    kept = chain > 0 and (ws[chain - 1].noun or ws[chain - 1].text in LINKS) and \
        not any(w.text in predicates for w in ws[chain:])
    if not kept:
        ws = ws[:chain]
    run = _run_before(ws, len(ws) - chain if kept else 0)
    if not run:
        return None
    if len(run) < len(ws) and ws[len(ws) - len(run) - 1].text == "的":
        # 接受普惠性学前教育的在园幼儿: a 的-modifier belongs to the noun; it reaches the clause start
        return _phrase(ws)
    return _phrase(run)


def _run_before(ws: list[Word], verbs_at_end: int) -> list[Word]:
    """The longest noun phrase ending at the end of `ws`, read leftwards: nouns and modifiers, a link
    after a noun (高架等涂装), a verb between two nouns (产业扶持资金) that is no predicate, and the
    `verbs_at_end` that noun_before kept. It ends on a noun (or a locality word: 外环以南)."""
    predicates = _lists()[0]
    run = ws[len(ws) - verbs_at_end:]
    i = len(ws) - verbs_at_end - 1
    while run == [] and i >= 0 and ws[i].tag in ("a", "b", "ad"):
        i -= 1                           # 生活费平均调整为: a trailing modifier is no part of the noun
    while i >= 0:
        w, prev = ws[i], ws[i - 1] if i > 0 else None
        after_noun = bool(run) and prev is not None and prev.noun
        between_nouns = after_noun and run[0].noun and w.verb and w.text not in predicates
        if not (w.noun or w.tag in MODIFIERS or (after_noun and w.text in LINKS) or between_nouns):
            break
        run.insert(0, w)
        i -= 1
    return run


def topic_before(text: str, counted: bool) -> str | None:
    """The topic of the clause before: its first noun phrase, without a trailing attribute
    (工业投资占比稳步提高 → 工业投资). A count takes the head noun, the thing counted
    (既有多层住宅加装电梯全力推进 → 电梯)."""
    predicates, attributes, _ = _lists()
    text = text.rstrip(CLAUSE_BREAK)
    ws = words(text[clause_start(text, len(text)):])
    first = next((i for i, w in enumerate(ws) if w.noun), None)
    if first is None:
        return None
    run = [ws[first]]
    for i in range(first + 1, len(ws)):
        w, nxt = ws[i], ws[i + 1] if i + 1 < len(ws) else None
        # a count is of the verb's object (住宅加装电梯 → 电梯); a measure stops at the verb (区级税收保持高位)
        if w.noun or (nxt is not None and nxt.noun and (w.tag in MODIFIERS or w.text in LINKS
                                                          or (counted and w.verb and w.text not in predicates))):
            run.append(w)
        else:
            break
    while len(run) > 1 and run[-1].text in attributes:
        run.pop()
    if counted:
        return next((w.text for w in reversed(run) if w.noun), None)
    return _phrase(run)
