"""The OCR load backend: a page image → the same Page records the text backends give (seal, orientation,
deskew, rules, glyphs)."""
