"""The notices row from the cover notice's paragraphs."""
import datetime as dt

import pytest

from pipeline.model.records import Document
from pipeline.model.rows import ParagraphRow
from pipeline.narrative.notice import notice_row
from pipeline.settings import DEFAULT

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


def _doc(metadata=None):
    return Document("n", "n.pdf", "0" * 64, metadata or {}, ())


def test_signature_in_chinese_numerals():
    paras = [ParagraphRow(notice_id="n", para_id=i, part="notice", kind="paragraph", text=t, page_first=1, page_last=1,
                          source="text") for i, t in enumerate( ("各区县：", "特此通知。", "某市发展和改革委员会", "二〇二三年二月二十四日"), 1)]
    row = notice_row(_doc(), "某市发展和改革委员会关于下达《某市2022年国民经济和社会发展计划执行情况与2023年国民经济和社会发展计划》的通知", paras, DEFAULT.layout)
    assert (row.issuer, row.issue_date) == ("某市发展和改革委员会", dt.date(2023, 2, 24))
    assert (row.review_year, row.plan_year) == (2022, 2023)


def test_metadata_fills_what_the_cover_lacks():
    row = notice_row(_doc({"Title": "关于某区2024年计划执行情况与2025年计划草案的报告", "Author": "某区发改委"}), "", [], DEFAULT.layout)
    assert row.title.startswith("关于某区") and row.issuer == "某区发改委"
    assert (row.review_year, row.plan_year, row.issue_date) == (2024, 2025, None)
