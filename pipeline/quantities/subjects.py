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
from typing import Any, NamedTuple

from pipeline.vocab import data
from pipeline.vocab.text import CLAUSE_BREAK, CLAUSE_END, clause_end, clause_start

QUOTED = re.compile(r"“[^“”]*”|《[^《》]*》|「[^「」]*」")
NOUNS = ("n", "s", "j", "l", "i", "eng", "vn", "an")   # jieba tags that name things (n covers nr, ns, nz …)
MODIFIERS = ("a", "b", "f", "z", "k", "t")  # 合同外资, 三星级以上, 外环以南, 优良, 总部型, 老年: inside a noun phrase
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
def _tagger() -> Any:       # a jieba.posseg.POSTokenizer: jieba ships no type information
    """A private jieba tagger with the domain dictionary (jieba's global one is left untouched)."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    # the catalogue's printed indicator names are names (城镇新增就业, 空气质量优良天数比率 …)
    for name in _catalogue_words():
        tokenizer.add_word(name, tag="n")
    for row in data.csv_rows("subject_words.csv"):
        tokenizer.add_word(row["word"], freq=int(row["freq"]) if row["freq"] else None, tag=row["tag"])
    tagger = jieba.posseg.POSTokenizer(tokenizer)
    tagger.initialize()
    return tagger


def _catalogue_words() -> list[str]:
    """The catalogue's names written in Chinese characters only (a name with Latin letters or
    brackets is read by the span rules of `words`)."""
    from pipeline.vocab.keys import catalogue
    predicates = _governing()
    return sorted({n for ind in catalogue() for n in (ind.key, *ind.names)
                   if re.fullmatch(r"[\u4e00-\u9fff]{3,}", n) and not any(n.startswith(p) for p in predicates)})


def warm_up() -> None:
    """Load the dictionary once (before worker processes fork, so each does not pay for it)."""
    words("新增企业")


def words(text: str) -> list[Word]:
    """Tagged words; a quoted name (“活力楼组”, 《…》) is one noun, a name in Latin letters and digits
    (PM2.5, R&D, GDP) one noun, a short bracketed span (（助理）, （含海关代征）) one word tagged
    "paren" (part of the name inside a noun phrase, a note where it closes one)."""
    out, at = [], 0
    for m in _spans().finditer(text):
        out += [Word(w.word, w.flag) for w in _tagger().cut(text[at:m.start()])]
        kind = "nz" if m.lastgroup == "quoted" else "eng" if m.lastgroup == "latin" else "paren"
        out.append(Word(m.group(), kind))
        at = m.end()
    out += [Word(w.word, w.flag) for w in _tagger().cut(text[at:])]
    return [w for w in out if w.text.strip()]


@lru_cache(maxsize=1)
def _spans() -> re.Pattern[str]:
    return re.compile(f"(?P<quoted>{QUOTED.pattern})|(?P<paren>{data.patterns()['subject_parenthetical']})"
                      f"|(?P<latin>{data.patterns()['subject_latin_name']})")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    p = data.patterns()
    predicates = frozenset({*p["subject_predicates"], *p["qualifiers_before"], *p["growth_up"], *p["growth_down"]})
    return predicates, frozenset(p["subject_attributes"]), tuple(sorted(p["subject_prefixes"], key=len, reverse=True))


@lru_cache(maxsize=1)
def _governing() -> frozenset[str]:
    """Verbs that govern the noun phrase after them (调整公交线路9条, 培育…企业18家): the predicate,
    never the start of a subject, whatever jieba tags them."""
    p = data.patterns()
    return frozenset(p["subject_governing_verbs"]) | frozenset(p["clause_verbs"]) | _lists()[0]


def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The clause around [start, end): from the last break before it to the first break after it.
    Quoted spans are skipped over (a quote may hold a comma)."""
    masked = QUOTED.sub(lambda m: "“" * len(m.group()), sentence)
    masked = re.sub(data.patterns()["subject_parenthetical"],
                    lambda m: m.group() if m.start() < end and start < m.end() else "“" * len(m.group()), masked)
    return clause_start(masked, start), clause_end(masked, end)


def subject(sentence: str, start: int, end: int, counted: bool, growth: bool,
            previous: tuple[str | None, int] = (None, 0)) -> str | None:
    """The subject of the quantity sentence[start:end]; `counted` when its unit is a classifier,
    `growth` for a rate of change; `previous`: the subject of the quantity before it in the same
    sentence and where that quantity ended."""
    numbered = data.regex("subject_list_number").match(sentence)
    if numbered and numbered.end() <= start:
        # 1.地区生产总值实现…: a paragraph numbered as a list item; its number opens no subject
        sentence = "，" * numbered.end() + sentence[numbered.end():]
    left_at, right_at = clause_bounds(sentence, start, end)
    if data.regex("respectively").search(sentence[:start]):
        # 分别增长34.8%、24.4%: which is which is not in the words; a subject joined by 和 (城镇和农村居民
        # 人均可支配收入分别达到…) is the pair's, one cut by 、 (集成电路、生物医药产业分别…) is no one's
        return _joint_subject(sentence, start)
    before_text = data.regex("subject_rate_period").sub("", sentence[left_at:start])   # 提高到每月1400元
    before_text = data.regex("subject_period").sub("", data.regex("comparison_base").sub("", before_text))
    before = strip_predicate(words(before_text))
    while before and _period(before[-1]):
        before = strip_predicate(before[:-1])       # 能耗前三季度下降3.2%: when, not what
    while before and before[-1].text == "的":
        before = strip_predicate(before[:-1])       # 完成年度计划的106.3%: a share of the plan
    after = words(sentence[end:right_at])
    if len(after) > 1 and after[0].text in BOUNDS and after[1].noun:
        return None                     # 10亿元以上项目12个: 10亿元 is a threshold inside a name
    found = None
    if counted or (after and after[0].text == "的"):
        found = noun_after(after[1:] if after and after[0].text == "的" else after)
    share = share_phrase(before)
    if share and share.startswith("占") and previous[0]:
        share = previous[0] + share      # …产值达到2150亿元，占…比重提高到64.1%: the share of what was said
    found = found or share or noun_before(before)
    if not counted and not found:
        found = noun_after(after)
    if not found and _continues(before, after):
        # a growth rate is of what was just measured; a level continues the clause just before it
        said, said_at = previous
        just_before = clause_bounds(sentence, max(0, left_at - 1), max(0, left_at - 1))[0]
        found = said if said and (growth or said_at > just_before) else topic_before(sentence[:left_at], counted)
    if found and counted:
        # 高新技术企业数量达到3000家, 美丽街区建设24条: a count is of the things, not of their number
        for attribute in data.patterns()["subject_count_attributes"]:
            if found.endswith(attribute) and len(found) > len(attribute):
                return found[:-len(attribute)]
        if found == _phrase(before):
            return _listed_with(sentence, left_at, found)
    return found


def _listed_with(sentence: str, left_at: int, found: str) -> str:
    """新建改扩建中小学、幼儿园11所: names listed with 、 before one count are counted together, the
    list is the subject; items that print numbers of their own (口袋公园15个、山城步道28公里) are no list."""
    if left_at == 0 or sentence[left_at - 1] != "、":
        return found
    start = clause_start(sentence, left_at - 1, CLAUSE_END)
    items = sentence[start:left_at - 1].split("、")
    if re.search(r"[0-9０-９]", "".join(items)):
        return found
    first = noun_before(strip_predicate(words(items[0])))
    rest = [noun_before(words(x)) for x in items[1:]]
    if not first or any(r != x for r, x in zip(rest, items[1:], strict=True)):
        return found
    return "、".join([first, *items[1:], found])


def _joint_subject(sentence: str, start: int) -> str | None:
    """The subject of one of the quantities listed after 分别: with as many names joined by 和 / 及 /
    与 as quantities, the one in the same place (生产安全事故起数和死亡人数分别下降12.5%和9.1%);
    else the pair's phrase when it is joined by 和 or a joint word (城镇和农村居民人均可支配收入,
    城乡居民人均可支配收入); else none."""
    from pipeline.vocab.grammar import parse
    m = data.regex("respectively").search(sentence[:start])
    if m is None:
        return None
    left_at, _ = clause_bounds(sentence, m.start(), m.start())
    if left_at > 0 and sentence[left_at - 1] == "、":
        return None
    found = noun_before(strip_predicate(words(sentence[left_at:m.start()])))
    if not found:
        return None
    tail = next((k for k in range(m.end(), len(sentence)) if sentence[k] in "，,。；;"), len(sentence))
    starts = [q.start for q in parse(sentence[:tail]) if q.start >= m.start()]
    parts = [p for p in re.split("[和及与]", found) if p]
    if len(parts) > 1 and len(parts) == len(starts) and start in starts and all(len(p) >= 3 for p in parts):
        return parts[starts.index(start)]
    joint = len(parts) > 1 or any(found.startswith(w) for w in data.patterns()["subject_joint_words"])
    return found if joint else None


def respective(sentence: str, start: int, said: list[tuple[str | None, int]]) -> str | None:
    """The subject of a quantity listed after 分别 in a clause that names nothing (接待游客386.5万人次，
    实现旅游综合收入32.6亿元，分别增长18.2%和21.5%): the quantities listed go, in order, with as many
    quantities said just before 分别 in the sentence; `said`: each earlier quantity's subject and end."""
    from pipeline.vocab.grammar import parse
    m = data.regex("respectively").search(sentence[:start])
    if m is None:
        return None
    tail = next((k for k in range(m.end(), len(sentence)) if sentence[k] in "，,。；;"), len(sentence))
    starts = [q.start for q in parse(sentence[:tail]) if q.start >= m.start()]
    before = [found for found, end in said if end <= m.start()]
    if start not in starts or len(before) < len(starts) or not all(before[-len(starts):]):
        return None
    return before[len(before) - len(starts) + starts.index(start)]


def _continues(before: list[Word], after: list[Word]) -> bool:
    """A clause of nothing but predicate and number (总数达1106家, 新增403台, 占地163.1万平方米) goes on
    about what the sentence was already saying."""
    _, attributes, _ = _lists()
    return all(w.text in attributes or w.tag in ("d", "p", "c", "t", "f") or _period(w) for w in before) and \
        not any(w.noun for w in after)


def _period(w: Word) -> bool:
    """前三季度, 第四季度, 上半年: a part of the year, not a subject."""
    return bool(re.fullmatch(r"[前第上下全]?[一二三四1-4]?(?:季度|半年)", w.text)) or w.text in ("前", "第")


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
    if not m:
        return None
    ws = words(m.group(1))
    while len(ws) > 1 and (ws[0].text in _governing() or ws[0].tag in ("d", "ad")):
        ws = ws[1:]                      # 确保产业投资占…比重: 确保 is the predicate
    return _phrase([Word("".join(w.text for w in _after_enumeration(ws)), "n")])


def noun_before(ws: list[Word]) -> str | None:
    """The noun phrase that ends where the number's predicate began (predicate already stripped)."""
    predicates = _lists()[0] | _trailing_predicates()
    # Verbs right before the number: after a noun they belong to the subject (人才引进1141人, 全程接种198.9
    # 万人); with no noun before them, or holding a predicate (试点累计支出, 科技型中小企业入库, 比例保持),
    # they are the predicate.
    chain = len(ws)
    while chain > 0 and (ws[chain - 1].verb or ws[chain - 1].text in predicates):
        chain -= 1
    kept = chain > 0 and (ws[chain - 1].noun or ws[chain - 1].text in LINKS) and \
        not any(w.text in predicates for w in ws[chain:])
    base = ws if kept else ws[:chain]
    run = _run_before(ws[:chain], base[chain:])
    if not run:
        return None
    at = len(base) - len(run)
    if at > 0 and base[at - 1].text in data.patterns()["subject_beneficiary"]:
        # 为企业减税降费…45亿元: the noun after 为 is who benefits, the phrase is what follows it
        first_verb = next((k for k, w in enumerate(run) if w.verb), 0)
        if first_verb and all(w.noun for w in run[:first_verb]):
            run = run[first_verb:]
    if len(run) < len(base) and base[len(base) - len(run) - 1].text == "的":
        # 接受普惠性学前教育的在园幼儿: a 的-modifier belongs to the noun; it reaches the clause start
        return _phrase(base)
    return _phrase(_after_enumeration(run))


@lru_cache(maxsize=1)
def _trailing_predicates() -> frozenset[str]:
    """Verbs that, between a noun phrase and its number, are the predicate (比例保持100%, 服务覆盖
    56万人): schemas/patterns.json."""
    return frozenset(data.patterns()["subject_trailing_predicates"])


NUMERIC = ("m", "q", "mq")
BOUNDS = ("以上", "以下", "以内")


def _run_before(ws: list[Word], tail: list[Word] | None = None) -> list[Word]:
    """The longest noun phrase ending at the end of `ws`, read leftwards: nouns and modifiers; a
    size or class (亿元以上, 3岁以下, 500米, 每万人口); a link after a noun (高架等涂装); a bracket
    inside it (执业（助理）医师数), while a bracket that closes it is a note and left out (税收收入
    （含海关代征））; a verb attached to it (就业岗位, 促消费活动, 认定登记成交额). A verb that
    governs the phrase (调整, 改扩建, 确保 …) or a predicate ends it. It ends on a noun."""
    governing = _governing()
    run: list[Word] = list(tail or [])
    i = len(ws) - 1
    while not run and i >= 0 and ws[i].tag in ("a", "b", "ad", "d", "paren"):
        i -= 1                           # 生活费平均调整为: a trailing modifier is no part of the noun
    while i >= 0:
        w = ws[i]
        if w.text in governing and not _compound(ws, i) and \
                not (w.verb and run and all(x.text in _lists()[1] for x in run)):
            break
        if w.tag == "vn" and run and _numeric(run[0]):
            break                        # 竣工投产亿元以上项目: a verb before a size is the predicate
        if w.tag == "t" and (w.text in _lists()[2] or re.search(r"[0-9]", w.text)):
            break                        # 全年, 2023年: when, not what
        if not _in_phrase(ws, i, run):
            break
        run.insert(0, w)
        i -= 1
    while run and run[0].tag == "paren":
        run.pop(0)
    digits = [k for k, w in enumerate(run) if re.fullmatch(r"[0-9.]+", w.text)]
    if digits and not any(w.text in BOUNDS for w in run) and _counts(run[digits[-1] + 1:]):
        run = run[digits[-1] + 1:]       # 91个商务载体: a count of the noun, not a part of its name
        while run and _numeric(run[0]):
            run.pop(0)
    return run


def _counts(ws: list[Word]) -> bool:
    """The words after a number start with a count's classifier (个, 家, 万人 …)."""
    from pipeline.vocab.grammar import units
    table = units()
    unit = next((w.text for w in ws if _numeric(w)), "")
    for mag in ("", *sorted(data.patterns()["magnitudes"], key=len, reverse=True)):
        if unit.startswith(mag) and unit[len(mag):] in table:
            return table[unit[len(mag):]].dimension == "count"
    return False


def _in_phrase(ws: list[Word], i: int, run: list[Word]) -> bool:
    """Whether ws[i] continues the noun phrase `run` leftwards (see _run_before)."""
    w, governing = ws[i], _governing()
    left = ws[i - 1] if i > 0 else None
    return (w.tag == "paren" or w.noun or w.tag in MODIFIERS
            or (w.text in LINKS and bool(run) and left is not None and (left.noun or left.tag in MODIFIERS))
            or (_numeric(w) and bool(run) and (run[0].noun or run[0].text in BOUNDS or _numeric(run[0])))
            or (w.text == "每" and bool(run) and _numeric(run[0]))
            or (w.verb and bool(run) and _attached(ws, i))
            # 帮助长期失业青年: an adverb that opens the phrase
            or (w.tag == "d" and bool(run) and run[0].noun
                and (left is None or left.text in governing or left.tag == "p")))


def _numeric(w: Word) -> bool:
    return w.tag in NUMERIC or bool(re.fullmatch(r"[0-9.]+", w.text))


def _compound(ws: list[Word], i: int) -> bool:
    """A governing verb between a noun and the phrase's head is part of a compound (产业扶持资金,
    经费投入强度); a predicate (新增, 完成 …) or one after a prefix (全区, 全年) never is."""
    if ws[i].text in _lists()[0] or ws[i].text in data.patterns()["clause_verbs"] or i == 0:
        return False
    left = ws[i - 1]
    if left.verb and left.text not in _governing() and (i == 1 or not ws[i - 2].noun):
        return True                      # 支出救助资金: the verb before it is the predicate
    return left.noun and left.text not in _lists()[2] and left.text not in _governing()


def _attached(ws: list[Word], i: int) -> bool:
    """Whether the verb ws[i] (and the verbs just before it) modify the noun after them rather than
    govern it: they follow a noun (认定登记 after 技术合同) or a predicate that is the clause's
    (新增就业岗位, 举办促消费活动); a verb that opens the clause governs (疏通河道)."""
    governing = _governing()
    nxt = ws[i + 1] if i + 1 < len(ws) else None
    sized = nxt is not None and _numeric(nxt) and any(w.text in BOUNDS for w in ws[i + 1:])
    if nxt is not None and not (nxt.noun or sized):
        return False
    j = i
    while j > 0 and ws[j - 1].verb and ws[j - 1].text not in governing:
        j -= 1
    if sized and not (j > 0 and (ws[j - 1].noun or ws[j - 1].tag in MODIFIERS)):
        # 竣工投产亿元以上项目: a verb before a size is the predicate; 每千人口拥有3岁以下…托位数 is not
        return False
    if j == 0 or all(w.text in _lists()[1] for w in ws[i + 1:]):
        # 成交金额, 改造面积: an attribute alone is no subject, the verb before it says which
        return all(w.text in _lists()[1] for w in ws[i + 1:]) and i + 1 < len(ws)
    left = ws[j - 1]
    # after an adverb (共, 全力) the verb is the predicate itself: 共办理不动产登记
    return (left.text in governing and left.tag not in ("d", "ad")) or left.noun or left.text in LINKS \
        or left.tag == "r" or sized


def _after_enumeration(run: list[Word]) -> list[Word]:
    """纺织服装、新材料、智能装备三大主导产业产值: the words before 三大 are the last item of a list
    that 三大 sums up; the phrase starts at 三大. Likewise a list closed by 等 (汽车消费节、星沙购物节等
    促消费活动): the phrase is what follows 等."""
    head = data.regex("subject_enumeration_head")
    at = next((k for k, w in enumerate(run) if k > 0 and head.match(w.text)), 0)
    closed = [k for k, w in enumerate(run) if w.text == "等" and any(x.noun for x in run[k + 1:])]
    return run[max(at, closed[-1] + 1 if closed else 0):]


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
