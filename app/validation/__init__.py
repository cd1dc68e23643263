"""Validation of the index against registered offences: the data set per area, the run of
the statistics (``app.evidence``) and the stored result the evidence panel reads."""
