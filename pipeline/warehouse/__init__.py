"""Warehouse: the outputs loaded into DuckDB or PostgreSQL, and the views across notices."""
