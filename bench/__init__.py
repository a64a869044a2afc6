"""Benchmarks of reactive-python against stock ipykernel, ipyflow and marimo.

Run ``python -m bench`` from the repository root; see bench/README.md.
"""
