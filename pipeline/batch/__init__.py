"""Batch: running many files, each in its own process (local or on a Dask cluster), with time and memory limits."""
