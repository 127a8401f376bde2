"""The offline answerer: cited sentences, table rows, list fields and cross-survey claims from retrieved passages."""
