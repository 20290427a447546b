"""Narrative: the cover notice and the report → parts, paragraphs, headings, bold leads, notes and their
markers, the notice's metadata."""
