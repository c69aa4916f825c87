"""The workspace: touchpoints stored in DuckDB, loaded from files, stitched to people."""
