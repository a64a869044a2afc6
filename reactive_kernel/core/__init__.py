"""The pure core: cell analysis, the dependency graph and the cascade runner. Imports nothing from Jupyter."""
