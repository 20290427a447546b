"""Output: CSV + Parquet + datapackage + report per notice, local or remote storage, the manifest of a
run, the review page."""
