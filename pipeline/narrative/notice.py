"""The cover notice → the notices row (title, issuer, district, issue date, plan and review years)."""
from __future__ import annotations

import datetime as dt
import re

from pipeline.model.records import Document
from pipeline.model.rows import NoticeRow, ParagraphRow
from pipeline.settings import LayoutSettings
from pipeline.vocab import data
from pipeline.vocab.grammar import cn_to_number
from pipeline.vocab.keys import district
from pipeline.vocab.text import nfkc


def notice_row(doc: Document, title: str, paragraphs: list[ParagraphRow], s: LayoutSettings) -> NoticeRow:
    cover = [p.text for p in paragraphs if p.part == "notice"]
    title = title or doc.metadata.get("Title", "")
    issue_date, issuer = None, None
    for i in range(len(cover) - 1, -1, -1):
        m = data.regex("issue_date").search(_arabic_date(nfkc(cover[i])))
        if m and len(cover[i]) <= s.signature_chars:
            try:
                issue_date = dt.date(*(int(g) for g in m.groups()))
            except ValueError:
                issue_date = None
            issuer = cover[i - 1] if i > 0 and len(cover[i - 1]) <= s.issuer_chars else None
            break
    issuer = issuer or doc.metadata.get("Author") or _issuer_from_title(title)
    years = data.regex("plan_years").search(nfkc(title)) or \
        next((m for p in paragraphs if (m := data.regex("plan_years").search(nfkc(p.text)))), None)
    return NoticeRow(
        notice_id=doc.notice_id, title=title or None, issuer=issuer, district=district(issuer, title),
        issue_date=issue_date,
        plan_year=int(years.group(2)) if years else None,
        review_year=int(years.group(1)) if years else None,
        source_file=doc.source_file, source_sha256=doc.sha256, page_count=len(doc.pages),
    )


def _arabic_date(text: str) -> str:
    """二〇二二年三月一日 → 2022年3月1日 (dates in Chinese numerals, as some notices sign them)."""
    def year(m):
        return "".join(str(cn_to_number(ch)) for ch in m.group(1)) + "年"

    def small(m):
        return str(cn_to_number(m.group(1))) + m.group(2)

    text = re.sub(r"([〇零一二三四五六七八九]{4})年", year, text)
    return re.sub(r"([一二三四五六七八九十]{1,3})([月日])", small, text)


def _issuer_from_title(title: str) -> str | None:
    m = re.match(r"^(.+?)关于", title)
    return m.group(1) if m else None
