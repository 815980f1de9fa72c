"""Text rules shared by every adapter: the one normalisation for case-insensitive matching, and
what a userName may not contain."""

import re
import unicodedata

# What no store can hold or compare: NUL (PostgreSQL), other C0 controls except tab, newline and
# return, and lone surrogates. Request bodies and filter literals are both checked against it.
FORBIDDEN_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def fold(value: str) -> str:
    """Case-insensitive comparison key (RFC 7643 §2.1 caseExact=false), used by SQL and memory alike."""
    return unicodedata.normalize("NFKC", value).casefold()


# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt): invisible, so two userNames
# that differ only by them look the same (a zero-width space, a soft hyphen, a variation selector).
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def user_name_problem(value: str) -> str | None:
    """Why `value` cannot be a userName, or None. RFC 8265 §3.3 (UsernameCaseMapped): a username
    is userparts separated by single spaces, so no leading or trailing space and no other
    whitespace, and no control or default-ignorable code point (RFC 8264 §9.11, §9.13). The rest
    of the profile is the comparison: fold() (NFKC, which covers its width mapping and NFC, then
    case folding, which covers its lower-casing) is what uniqueness and filters compare.
    Symbols and emoji, which the profile's IdentifierClass leaves out, are accepted: IdPs send them."""
    if not value.strip():
        return "must not be empty or blank"
    if value != value.strip():
        return "must not begin or end with whitespace (RFC 8265 §3.3)"
    for ch in value:
        if ch.isspace() and ch != " ":
            return f"must not contain the whitespace U+{ord(ch):04X}; userparts are separated by spaces (RFC 8265 §3.3.1)"
        if unicodedata.category(ch) == "Cc":
            return f"must not contain the control character U+{ord(ch):04X} (RFC 8264 §9.11)"
        if _IGNORABLE.match(ch):
            return f"must not contain the invisible code point U+{ord(ch):04X} (RFC 8264 §9.13)"
    return None
