"""Text rules shared by every adapter: the one normalisation for case-insensitive matching."""

import unicodedata


def fold(value: str) -> str:
    """Case-insensitive comparison key (RFC 7643 §2.1 caseExact=false), used by SQL and memory alike."""
    return unicodedata.normalize("NFKC", value).casefold()
