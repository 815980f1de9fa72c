"""IdP tolerances as explicit policy, with presets. Each switch names a real deviation from the
RFCs that some identity provider sends (../shared/idp-requests.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from domain.limits import DEFAULT_LIMITS, Limits

IGNORE, REJECT = "ignore", "reject"
CREATE, NO_TARGET = "create", "noTarget"
IGNORE_AND_REPORT = "ignore-and-report"


@dataclass(frozen=True)
class Policy:
    """`unknown`: unknown attributes and schema URNs (Google's and OneLogin's SCIM 1.0 URNs) are
    ignored or rejected (400). `string_booleans`: "True"/"False" accepted for booleans (Entra).
    `remove_value_list`: a PATCH `remove` on a multi-valued path with a `value` list removes
    exactly those values (Entra, authentik, JumpCloud) instead of 400 invalidValue; no setting
    ever clears the attribute because of it. `unmatched_filter`: add/replace on a value-filter path
    that matches nothing creates the value (Entra) or is 400 noTarget. `unknown_members`: an
    unknown member id in a PATCH add is rejected (400 naming it, nothing applied) or ignored and
    logged (Okta drops a whole group push on a 400). `patch_response`: 200 with the resource, or
    204 with no body. `limits`: how much one request may carry (domain.limits; scim.limits, the
    same for every credential)."""

    unknown: str = IGNORE
    string_booleans: bool = True
    remove_value_list: bool = True
    unmatched_filter: str = NO_TARGET
    unknown_members: str = IGNORE_AND_REPORT
    patch_response: int = 200
    limits: Limits = DEFAULT_LIMITS


PRESETS: dict[str, Policy] = {
    # Lenient where a real IdP needs it, strict where leniency could lose data. A replace on a
    # value-filter path that matches nothing is 400 noTarget (RFC 7644 §3.5.2.3 SHALL) except
    # for Entra, whose attribute mappings send them for values the user does not have yet.
    "default": Policy(),
    "okta": Policy(),
    "entra": Policy(unmatched_filter=CREATE),
    "strict": Policy(
        unknown=REJECT, string_booleans=False, remove_value_list=False, unmatched_filter=NO_TARGET,
        unknown_members=REJECT,
    ),
}


def policy_for(preset: str = "default", **overrides: Any) -> Policy:
    """A preset with explicit switches on top (None means: the preset's value)."""
    return replace(PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None})
