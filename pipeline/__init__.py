"""notice-extract: development-plan notice PDFs into typed, warehouse-ready tables."""
