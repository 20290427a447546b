"""Layout: pages → lines, page furniture, the footnote area, table grids (ruled, three-line, rule-less)."""
