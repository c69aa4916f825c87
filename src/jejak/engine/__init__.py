"""Where analyses run: the embedded DuckDB (default) or Apache Spark, through Ibis.

Analyses are Ibis expressions written once. What differs between engines lives
here as data (function names, session settings), not as branches in analyses.
"""
