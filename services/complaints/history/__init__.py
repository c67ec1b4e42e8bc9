"""The auditor's replay: a complaint's full history, its state at any past moment, proof
that the stored history was not altered, an exportable report and a case-history page."""
