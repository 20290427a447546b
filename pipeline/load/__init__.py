"""Load: a PDF → pages of chars and ruling lines. The only package that imports a PDF library; a module per backend."""
