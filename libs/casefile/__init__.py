"""The case file: one typed document of a complaint's whole record (parties, regime, clocks,
every event with both its times, offers, decisions, the final response, eligibility, ADR,
documents, verification and the checkpoint that anchors it), rendered as JSON
(`redress.case-file/1`, see docs/proof-formats.md) and as PDF/A-3b.

Pure of HTTP and of the event store: the complaints service builds a `CaseFile`, the ADR
gateway reads one back from the JSON it received, and both render it with the same code.
"""

from libs.casefile.model import FORMAT, CaseFile

__all__ = ["FORMAT", "CaseFile"]
