"""Tables: grids → logical tables across pages → indicator and project rows, and the cell audit."""
