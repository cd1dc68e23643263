"""The one error of the backup code; pure, so the CLI can catch it."""


class BackupError(Exception):
    """The backup or restore did not happen; the message says why and what to do."""
