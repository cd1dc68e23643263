"""Errors of the geography code; pure (no web imports), so the CLI and services can catch them."""


class GeoImportError(ValueError):
    """A geography file that cannot be imported; the message names the file and feature."""
