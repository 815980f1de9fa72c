"""Text rules shared by every adapter: the one normalisation for case-insensitive matching."""

import re
import unicodedata

# What no store can hold or compare: NUL (PostgreSQL), other C0 controls except tab, newline and
# return, and lone surrogates. Request bodies and filter literals are both checked against it.
FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def fold(value: str) -> str:
    """Case-insensitive comparison key (RFC 7643 §2.1 caseExact=false), used by SQL and memory alike."""
    return unicodedata.normalize("NFKC", value).casefold()
