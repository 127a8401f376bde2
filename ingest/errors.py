"""Errors raised by ingest, each with a message fit to show a user."""


class UnreadableFile(Exception):
    """A file that cannot be turned into text: corrupt, encrypted, empty, binary or mis-encoded."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
