"""Fact precision: every fact row of both shared notices is one of the golden facts, or is shown
to be a real quantity of its sentence. Values, raw texts and units are checked here; subjects have
their own tests."""
import re
import unicodedata
from decimal import Decimal

import pytest
from test_quantities import BASE, MAGNITUDE

from pipeline.vocab.grammar import cn_to_number

from conftest import NOTICES, golden

NUMBER = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千万亿]+"


def norm(s):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s or ""))


def printed_numbers(raw: str) -> list[Decimal]:
    """The numbers printed in `raw`; Chinese numerals through cn_to_number (pinned by its own cases)."""
    return [Decimal(n.replace(",", "")) if n[0].isdigit() else Decimal(cn_to_number(n))
            for n in re.findall(NUMBER, raw)]


@pytest.mark.parametrize("notice_id", NOTICES)
def test_every_fact_is_golden_or_a_real_quantity(extractions, notice_id):
    want = {(norm(f["raw"]), f["value"], norm(f["unit"])) for f in golden(notice_id)["facts"]}
    facts = extractions[notice_id].tables["facts"]
    assert facts
    for f in facts:
        if (norm(f.raw), f.value, norm(f.unit)) in want:
            continue
        raw, sentence, unit = norm(f.raw), norm(f.sentence), norm(f.unit)
        at = sentence.find(raw)
        assert at >= 0, f                                             # printed in its sentence
        before = sentence[:at]
        assert not before.endswith("第") and not re.search(r"[0-9.]$", before), f    # no ordinal, no cut number
        assert re.fullmatch(rf"(?:{NUMBER})(?:[-~至到](?:{NUMBER}))?(?:余|多)?", raw[: len(raw) - len(unit)]) \
            and raw.endswith(unit), f                                 # the number, then the unit given
        assert abs(Decimal(str(f.value))) in printed_numbers(raw), f
        magnitude = next((m for m in sorted(MAGNITUDE, key=len, reverse=True)
                          if unit.startswith(m) and unit[len(m):] in BASE), "")
        base_unit, factor = BASE[unit[len(magnitude):]]
        assert f.base_unit == base_unit, f
        expected = Decimal(str(f.value)) * MAGNITUDE[magnitude] * Decimal(factor)
        assert f.base_value == pytest.approx(expected, rel=Decimal("1e-9")), f
        if f.kind == "growth":                                     # a change is a rate or a multiple
            assert unit in ("%", "百分点", "个百分点", "倍", "‰"), f
