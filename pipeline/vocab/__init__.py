"""The notice's vocabulary: access to the data files under schemas/, the text normaliser, the
number/unit/qualifier grammar, header wordings, names and keys."""
