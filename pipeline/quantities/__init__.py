"""Quantities: typed values of the indicator cells, facts stated in the narrative and their subjects."""
