"""Narrative paragraphs → facts: every quantity with its sentence and the subject it measures."""
from __future__ import annotations

from collections.abc import Set

from pipeline.model.records import Quantity
from pipeline.model.rows import FactRow, ParagraphRow
from pipeline.quantities.subjects import QUOTED, respective, subject
from pipeline.vocab import data
from pipeline.vocab.grammar import parse, split_unit, units
from pipeline.vocab.keys import indicator_key
from pipeline.vocab.text import sentences


def facts(paragraphs: list[ParagraphRow], indicator_keys: Set[str] = frozenset()) -> list[FactRow]:
    """Every quantity stated in the paragraphs; `indicator_keys`: the keys of the notice's own
    indicators, which a fact about one of them carries."""
    out = []
    for p in paragraphs:
        if p.kind != "paragraph":
            continue
        for sentence in (s for s in sentences(p.text) if s.strip()):
            previous: tuple[str | None, int] = (None, 0)
            said: list[tuple[str | None, int]] = []
            for q in stated_quantities(sentence):
                found = subject(sentence, q.start, q.end, _is_count(q.unit), q.kind == "growth", previous) \
                    or respective(sentence, q.start, said)
                previous = (found, q.end) if found else previous
                said.append((found, q.end))
                out.append(FactRow(
                    notice_id=p.notice_id, para_id=p.para_id, sentence=sentence,
                    raw=q.raw, value=q.value, unit=q.unit, kind=q.kind, qualifier=q.qualifier,
                    base_value=q.base_value, base_unit=q.base_unit, subject=found,
                    indicator_key=_key_in(found, indicator_keys),
                ))
    return out


def _key_in(subject: str | None, keys: Set[str]) -> str | None:
    key = indicator_key(subject) if subject else None
    return key if key in keys else None


def stated_quantities(sentence: str) -> list[Quantity]:
    """The quantities a sentence states. A number inside a quoted name is part of the name, not a
    quantity: “科创30条” (a policy), “十五分钟社区生活圈” (a plan), 《…》 (a document); a move in a
    ranking (上升7位) is a rank, not an amount of anything."""
    names = [m.span() for m in QUOTED.finditer(sentence)]
    rank_units = set(data.patterns()["rank_units"])
    return [q for q in parse(sentence)
            if not any(a < q.start and q.end < b for a, b in names)
            and not (q.unit in rank_units and data.regex("rank_move").search(sentence[:q.start]))]


def _is_count(unit: str) -> bool:
    """A classifier (个, 家, 万人 …) counts the noun it stands with."""
    return units()[_base_printed(unit)].dimension == "count"


def _base_printed(unit: str) -> str:
    """The unit without its magnitude prefix: 万个 → 个."""
    split = split_unit(unit)
    return split[1].printed if split else unit
