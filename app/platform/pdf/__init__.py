"""PDFs made once and kept: a disk cache keyed by what they show, and a gate on rendering."""
