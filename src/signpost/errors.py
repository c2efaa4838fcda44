"""The exceptions a user can cause and fix; each message is one line that says what to do."""

from __future__ import annotations


class SignpostError(Exception):
    """A problem the user can fix (bad input, bad corpus, missing or stale index)."""


class CorpusError(SignpostError):
    """A corpus record is malformed; the message names the file, the record and the field."""


class IndexNotReadyError(SignpostError):
    """The index is missing, corrupt, or was built from another corpus or model."""


class QueryError(SignpostError):
    """The query text cannot be searched (empty once cleaned)."""
