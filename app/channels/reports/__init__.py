"""PDF reports: a yard's for its cooperative and inspectors, a submission's for its resident,
a district's or micro-district's month for inspectors (WeasyPrint, cached on disk)."""
