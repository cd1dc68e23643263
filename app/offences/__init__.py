"""Registered offences: the legal statistics committee's public crime map (KPSSU), imported
from files, located in districts and areas, counted for rates and for validating the index."""
