"""SQL cells on DuckDB: the %%sql magic, its interrupts and its display."""
