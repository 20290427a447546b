"""The data files of the pipeline (edited here, in schemas/; installed as the package `pipeline.schemas`,
see pyproject.toml, and read through `pipeline.data`). No code lives here."""
