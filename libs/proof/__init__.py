"""Checking what Redress hands out (case files, bundles, signed PDFs) without Redress.

`verify_export` is the offline verifier: one file that needs only the Python standard
library and `cryptography`, so that an auditor or an ADR provider can run it (as
`docs/verify_export.py`, a link to it) with no server, no database and no trust in the firm.
"""
