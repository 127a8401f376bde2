"""Help texts of the options every command shares."""

INDEX = "Index directory (default: settings index_dir)."
JSON = "Print JSON instead of text."
K = "Passages retrieved per question."
