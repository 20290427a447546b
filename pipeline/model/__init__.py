"""Records passed between the stages: page records (Char, Line, Page, Grid, LogicalTable …), the output
rows (one per schema), Problem and Extraction. Imports nothing else of the pipeline."""
