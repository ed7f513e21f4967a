"""Schemathesis checks of kleinstadt's error contract, loaded with SCHEMATHESIS_HOOKS=kleinstadt_checks.

Schemathesis counts every GraphQL error without a client-error code (NOT_FOUND, CONFLICT, …) as a
server error. kleinstadt's contract is narrower and checkable: no 5xx, and every GraphQL error carries
one of the stable codes; INTERNAL (a failure the server could not map) or no code at all is a finding.
"""

import schemathesis

STABLE_CODES = {
    "BAD_USER_INPUT",
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "CONFLICT",
    "RATE_LIMITED",
}


@schemathesis.check
def kleinstadt_error_contract(ctx, response, case):
    """No 5xx; every GraphQL error has a stable code other than INTERNAL."""
    if response.status_code >= 500:
        raise AssertionError(f"server error {response.status_code}: {response.text[:300]}")
    try:
        payload = response.json()
    except ValueError:
        return None
    errors = payload.get("errors") if isinstance(payload, dict) else None
    for error in errors or []:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code not in STABLE_CODES:
            raise AssertionError(f"GraphQL error with code {code!r}: {str(error.get('message'))[:300]}")
    return None
