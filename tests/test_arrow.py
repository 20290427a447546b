"""The library API hands the tables over in the data team's own types: Arrow and pandas."""
import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipeline.api import to_arrow, to_pandas
from pipeline.output.write import TABLES

# reads no PDF text that depends on the backend: runs once
pytestmark = pytest.mark.once


def test_to_arrow_has_every_table_with_the_schema_types(extractions):
    ex = extractions["baoshan-2022"]
    tables = to_arrow(ex)
    assert set(tables) == set(TABLES)
    assert tables["indicators"].num_rows == 50 and tables["projects"].num_rows == 38
    projects = tables["projects"]
    assert projects.schema.field("investment_cny").type == pa.decimal128(38, 6)
    assert projects.schema.field("seq").type == pa.int64()
    assert tables["notices"].schema.field("issue_date").type == pa.date32()
    row = projects.filter(pc.and_(pc.equal(projects["table_no"], 2), pc.equal(projects["seq"], 3))).to_pylist()
    assert row[0]["investment_cny"] == Decimal("2570000000")


def test_to_pandas_gives_dataframes(extractions):
    frames = to_pandas(extractions["baoshan-2022"])
    assert set(frames) == set(TABLES)
    notices = frames["notices"]
    assert list(notices["notice_id"]) == ["baoshan-2022"]
    assert notices.loc[0, "issue_date"] == dt.date(2022, 3, 1) and notices.loc[0, "plan_year"] == 2022
    ind = frames["indicators"]
    assert len(ind) == 50 and str(ind["seq"].dtype) == "int64"
    assert ind.loc[(ind.table_no == 1) & (ind.seq == 1), "actual_text"].item() == "1725.56亿元，增长6.5%"
    assert len(frames["table_notes"]) == 1
