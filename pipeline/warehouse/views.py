"""Warehouse views across notices and years, the same SQL for DuckDB and PostgreSQL.

- `indicator_measures`: every typed quantity of an indicator cell with its district, indicator_key,
  the year it is about and its `source`: "plan" (a target of the year the notice plans, 表 3),
  "review" (a target restated in the table that reviews a year, 表 1) or "actual".
- `target_outcome`: every typed target beside the actual of the same district, key and year with
  the same kind, base unit and a compatible label (市级 / 区级 …), and `met` with the `rule` that
  decided it. The direction of a rule comes from the target's qualifier (schemas/patterns.json:
  `target_at_most`, `target_approximate`): 不低于, 以上, 达到 or none → actual >= target;
  控制在…以内, 不超过 … → actual <= target; a decline (下降 3%) → actual <= target; 左右, 约 → not
  decided. `met` is null when no actual of the same kind and unit exists (增长30% against 新增380家).
- `indicator_series`: one row per district, key and year: the target from the notice that plans
  that year (a typed one first: the one restated by the notice that reviews it when the plan
  gives no number), the actual from the notice that reviews it (the one comparable to the target
  when there is one), `met` from target_outcome.
- `project_history`: every project row with its project_key, and the years and notices that list
  the same key.

- `indicator_catalogue`: the catalogue of schemas/indicators.csv (key, dimension, base unit,
  whether higher is better), so that a target of an indicator where lower is better (PM2.5年均浓度
  28, 城镇登记失业率 3.5) printed without a direction word is met by an actual at or below it.
- `indicator_panel`: one row per district, year and indicator_key across all notices (the series of
  every district side by side under the catalogue's keys): target, actual, met, and the catalogue's
  dimension and direction (null for an indicator the catalogue does not know).

- `indicator_texts`: every "/"-part of an indicator cell (indicator_parts) with the same keys,
  and whether it holds a typed quantity: a target printed without a number (完成市下达目标) is a
  target_outcome row with `met` null and the rule "qualitative target", and the text of its year
  in indicator_series."""
from __future__ import annotations

from pipeline.vocab import data
from pipeline.vocab.keys import catalogue, indicator_key

VIEWS = ("indicator_catalogue", "indicator_measures", "indicator_texts", "target_outcome", "indicator_series",
         "indicator_panel", "project_history")

_SAME_SERIES = ("{a}.district IS NOT DISTINCT FROM {b}.district AND {a}.indicator_key = {b}.indicator_key "
                "AND {a}.year = {b}.year")
# A label compatible with another: either is absent, or one contains the other (区级 / 新增区级).
_LABELS_FIT = ("({t}.label IS NULL OR {a}.label IS NULL OR strpos({a}.label, {t}.label) > 0 "
               "OR strpos({t}.label, {a}.label) > 0)")
# Which actual answers a target, best first: comparable kind and unit, the same label, a figure
# stated without a qualifier (1.19万人, not the restated bound 控制在1.46万人以内), the latest notice.
_BEST_ACTUAL = ("CASE WHEN {t}.kind = {a}.kind AND {t}.base_unit = {a}.base_unit AND " + _LABELS_FIT + " THEN 0 "
                "ELSE 1 END, CASE WHEN {t}.label IS NOT DISTINCT FROM {a}.label THEN 0 ELSE 1 END, "
                "CASE WHEN {a}.qualifier IS NULL THEN 0 ELSE 1 END, {a}.issue_date DESC NULLS LAST, "
                "{a}.notice_id DESC, {a}.table_no, {a}.seq, {a}.part, {a}.quantity_no")
# The text each actual figure was stated in, the latest notice's first (rk = 1).
_ACTUAL_TEXTS = """actual_texts AS (
  SELECT x.*, row_number() OVER (PARTITION BY district, indicator_key, year
      ORDER BY issue_date DESC NULLS LAST, notice_id DESC, table_no, seq, part) AS rk
  FROM indicator_texts x WHERE source = 'actual')"""


def _any_word(column: str, words: list[str]) -> str:
    """The qualifier is one of `words` or joins one with another (控制在…以内): exact words, so that
    低于 does not match 不低于."""
    if not words:
        return "FALSE"
    quoted = [w.replace("'", "''") for w in words]
    return "(" + " OR ".join(f"{column} = '{w}' OR {column} LIKE '{w}…%' OR {column} LIKE '%…{w}'"
                             for w in quoted) + ")"


_SOURCE = ("CASE WHEN {m}.measure = 'actual' THEN 'actual' WHEN i.year = n.plan_year THEN 'plan' "
           "ELSE 'review' END AS source")
_WITH_YEAR = """JOIN indicators i ON i.notice_id = {m}.notice_id AND i.table_no = {m}.table_no AND i.seq = {m}.seq
     AND i.year IS NOT DISTINCT FROM {m}.year
JOIN notices n ON n.notice_id = {m}.notice_id
WHERE i.year IS NOT NULL AND {m}.indicator_key IS NOT NULL"""


def _indicator_measures() -> str:
    return f"""
SELECT n.district, v.indicator_key, i.year, v.notice_id, v.table_no, v.seq, v.part, v.quantity_no,
       {_SOURCE.format(m="v")}, v.indicator_part, v.part_text, v.raw, v.value, v.unit, v.kind, v.qualifier,
       v.label, v.bound, v.base_value, v.base_unit, i.page, n.issue_date
FROM indicator_values v
{_WITH_YEAR.format(m="v")}"""


def _indicator_texts() -> str:
    return f"""
SELECT n.district, p.indicator_key, i.year, p.notice_id, p.table_no, p.seq, p.part, {_SOURCE.format(m="p")},
       p.indicator_part, p.text, i.page, n.issue_date,
       EXISTS (SELECT 1 FROM indicator_values v WHERE v.notice_id = p.notice_id AND v.table_no = p.table_no
               AND v.seq = p.seq AND v.year IS NOT DISTINCT FROM p.year AND v.measure = p.measure
               AND v.part = p.part) AS typed
FROM indicator_parts p
{_WITH_YEAR.format(m="p")}"""


def _literal(value) -> str:
    if value is None or isinstance(value, bool):
        return {None: "NULL", True: "TRUE", False: "FALSE"}[value]
    return "'" + str(value).replace("'", "''") + "'"


def _indicator_catalogue() -> str:
    rows = ",\n  ".join(f"({_literal(i.key)}, {_literal(i.dimension)}, {_literal(i.base_unit)}, "
                        f"CAST({_literal(i.higher_is_better)} AS BOOLEAN))" for i in catalogue())
    return f"""
SELECT * FROM (VALUES
  {rows}) AS c(indicator_key, dimension, base_unit, higher_is_better)"""


def _target_outcome() -> str:
    p = data.patterns()
    # lower is better (the catalogue) and no word of the target says "at least": at most the target
    at_least = _any_word("coalesce(t.qualifier, '')", p["target_at_least"])
    lower_better = f"(c.higher_is_better = FALSE AND t.kind = 'level' AND NOT {at_least})"
    at_most = (f"(t.bound = 'high' OR (coalesce(t.bound, '') <> 'low' AND "
               f"({_any_word('t.qualifier', p['target_at_most'])} OR (t.kind = 'growth' AND t.value < 0) "
               f"OR {lower_better})))")
    approximate = _any_word("t.qualifier", p["target_approximate"])
    fits = ("t.kind = a.kind AND t.base_unit = a.base_unit AND " + _LABELS_FIT).format(t="t", a="a")
    return f"""
WITH t AS (SELECT * FROM indicator_measures WHERE source <> 'actual'),
a AS (SELECT * FROM indicator_measures WHERE source = 'actual'),
ranked AS (
  SELECT t.notice_id, t.table_no, t.year, t.seq, t.part, t.quantity_no,
         a.notice_id AS actual_notice_id, a.part_text, a.raw, a.value, a.unit, a.qualifier, a.label, a.base_value,
         row_number() OVER (PARTITION BY t.notice_id, t.table_no, t.year, t.seq, t.part, t.quantity_no
                            ORDER BY {_BEST_ACTUAL.format(t="t", a="a")}) AS rk
  FROM t JOIN a ON {_SAME_SERIES.format(a="a", b="t")} AND {fits}),
best AS (SELECT * FROM ranked WHERE rk = 1),
{_ACTUAL_TEXTS}
SELECT t.district, t.indicator_key, t.year, t.notice_id AS target_notice_id, t.source AS target_source,
       t.table_no AS target_table_no, t.seq AS target_seq, t.part, t.quantity_no,
       t.part_text AS target_text, t.raw AS target_raw, t.value AS target_value, t.unit AS target_unit,
       t.kind, t.qualifier AS target_qualifier, t.label AS target_label, t.base_value AS target_base_value,
       t.base_unit,
       b.actual_notice_id, b.part_text AS actual_text, b.raw AS actual_raw, b.value AS actual_value,
       b.unit AS actual_unit, b.qualifier AS actual_qualifier, b.label AS actual_label,
       b.base_value AS actual_base_value,
       CASE WHEN b.raw IS NULL OR {approximate} THEN NULL
            WHEN {at_most} THEN b.base_value <= t.base_value
            ELSE b.base_value >= t.base_value END AS met,
       CASE WHEN b.raw IS NULL AND EXISTS (SELECT 1 FROM a WHERE {_SAME_SERIES.format(a="a", b="t")})
                 THEN 'no actual of the same kind, unit and label'
            WHEN b.raw IS NULL THEN 'no actual'
            WHEN {approximate} THEN 'approximate target: not decided'
            WHEN {at_most} THEN 'actual <= target'
            ELSE 'actual >= target' END AS rule
FROM t LEFT JOIN best b ON b.notice_id = t.notice_id AND b.table_no = t.table_no AND b.seq = t.seq
     AND b.year = t.year AND b.part = t.part AND b.quantity_no = t.quantity_no
LEFT JOIN indicator_catalogue c ON c.indicator_key = t.indicator_key
UNION ALL
SELECT q.district, q.indicator_key, q.year, q.notice_id, q.source, q.table_no, q.seq, q.part, NULL,
       q.text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       x.notice_id, x.text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'qualitative target'
FROM indicator_texts q
LEFT JOIN actual_texts x ON {_SAME_SERIES.format(a="x", b="q")} AND x.rk = 1
WHERE q.source <> 'actual' AND NOT q.typed"""


def _indicator_series() -> str:
    return f"""
WITH years AS (SELECT DISTINCT district, indicator_key, year FROM indicator_texts),
target_parts AS (
  SELECT x.*, row_number() OVER (PARTITION BY district, indicator_key, year
      ORDER BY CASE WHEN typed THEN 0 ELSE 1 END, CASE WHEN source = 'plan' THEN 0 ELSE 1 END,
               issue_date DESC NULLS LAST, notice_id DESC, table_no, seq, part) AS rk
  FROM indicator_texts x WHERE source <> 'actual'),
tp AS (SELECT * FROM target_parts WHERE rk = 1),
first_quantities AS (
  SELECT m.*, row_number() OVER (PARTITION BY notice_id, table_no, year, seq, part ORDER BY quantity_no) AS rk
  FROM indicator_measures m WHERE source <> 'actual'),
t AS (SELECT q.* FROM first_quantities q JOIN tp ON q.notice_id = tp.notice_id AND q.table_no = tp.table_no
      AND q.seq = tp.seq AND q.year = tp.year AND q.part = tp.part WHERE q.rk = 1),
ranked_actuals AS (
  SELECT y.district AS y_district, y.indicator_key AS y_key, y.year AS y_year, a.*,
         row_number() OVER (PARTITION BY y.district, y.indicator_key, y.year
                            ORDER BY {_BEST_ACTUAL.format(t="t", a="a")}) AS rk
  FROM years y
  JOIN indicator_measures a ON a.source = 'actual' AND {_SAME_SERIES.format(a="a", b="y")}
  LEFT JOIN t ON {_SAME_SERIES.format(a="t", b="y")}),
a AS (SELECT * FROM ranked_actuals WHERE rk = 1),
{_ACTUAL_TEXTS},
atx AS (SELECT * FROM actual_texts WHERE rk = 1)
SELECT y.district, y.indicator_key, y.year,
       tp.text AS target_text, t.value AS target_value, t.unit AS target_unit, t.kind AS target_kind,
       t.qualifier AS target_qualifier, tp.notice_id AS target_notice_id, tp.source AS target_source,
       coalesce(a.part_text, atx.text) AS actual_text, a.value AS actual_value, a.unit AS actual_unit,
       a.kind AS actual_kind, a.qualifier AS actual_qualifier, coalesce(a.notice_id, atx.notice_id) AS actual_notice_id,
       o.met, o.rule
FROM years y
LEFT JOIN tp ON {_SAME_SERIES.format(a="tp", b="y")}
LEFT JOIN t ON {_SAME_SERIES.format(a="t", b="y")}
LEFT JOIN a ON a.y_district IS NOT DISTINCT FROM y.district AND a.y_key = y.indicator_key AND a.y_year = y.year
LEFT JOIN atx ON {_SAME_SERIES.format(a="atx", b="y")}
LEFT JOIN target_outcome o ON o.target_notice_id = tp.notice_id AND o.target_table_no = tp.table_no
     AND o.target_seq = tp.seq AND o.year = tp.year AND o.part = tp.part
     AND o.quantity_no IS NOT DISTINCT FROM t.quantity_no"""


def _indicator_panel() -> str:
    return """
SELECT s.district, s.year, s.indicator_key, c.indicator_key IS NOT NULL AS catalogued, c.dimension,
       c.higher_is_better, s.target_text, s.target_value, s.target_unit, s.target_kind, s.actual_text,
       s.actual_value, s.actual_unit, s.actual_kind, s.met, s.rule, s.target_notice_id, s.actual_notice_id
FROM indicator_series s LEFT JOIN indicator_catalogue c ON c.indicator_key = s.indicator_key"""


def _project_history() -> str:
    return """
WITH p AS (
  SELECT n.district, p.project_key, p.year, p.notice_id, p.table_no, p.seq, p.section, p.name, p.investment_yi,
         p.investment_cny, p.target_stage, p.progress_text, p.progress_pct,
         CASE WHEN p.year = n.plan_year THEN 'plan' ELSE 'review' END AS source
  FROM projects p JOIN notices n ON n.notice_id = p.notice_id),
k AS (
  SELECT district, project_key, count(DISTINCT notice_id) AS notice_count,
         string_agg(DISTINCT CAST(year AS TEXT), ',' ORDER BY CAST(year AS TEXT)) AS years
  FROM p GROUP BY district, project_key)
SELECT p.district, p.project_key, p.year, p.notice_id, p.source, p.table_no, p.seq, p.section, p.name,
       p.investment_yi, p.investment_cny, p.target_stage, p.progress_text, p.progress_pct,
       k.years, k.notice_count
FROM p JOIN k ON k.district IS NOT DISTINCT FROM p.district AND k.project_key = p.project_key"""


_BODIES = {"indicator_catalogue": _indicator_catalogue, "indicator_measures": _indicator_measures,
           "indicator_texts": _indicator_texts,
           "target_outcome": _target_outcome,
           "indicator_series": _indicator_series, "indicator_panel": _indicator_panel,
           "project_history": _project_history}


def view_statements() -> list[str]:
    """DROP and CREATE statements for every view, dependents dropped first, in creation order."""
    drops = [f"DROP VIEW IF EXISTS {v}" for v in reversed(VIEWS)]
    return drops + [f"CREATE VIEW {v} AS {_BODIES[v]()}" for v in VIEWS]


SERIES_COLUMNS = ("district", "year", "target", "actual", "met", "rule")


def series(con, indicator: str, district: str | None = None) -> list[tuple]:
    """One indicator's rows of indicator_series (any wording of it: the name goes through
    keys.indicator_key), by district and year: (district, year, target, actual, met, rule).
    `con` is a warehouse connection (warehouse.connect)."""
    sql = ("SELECT district, year, target_text, actual_text, met, rule FROM indicator_series "
           "WHERE indicator_key = %s" + (" AND district = %s" if district else "") + " ORDER BY district, year")
    return con.fetch(sql, [indicator_key(indicator), *([district] if district else [])])

