"""Checks: rows against their schemas, and the notice against itself."""
