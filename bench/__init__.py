"""Benchmarks of Redress against a raw-driver baseline and a plain CRUD service.

Run with `python -m bench` (or `make bench`); see docs/benchmarks.md.
"""
