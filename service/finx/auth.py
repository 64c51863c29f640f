"""The one bearer-token check of every finx surface (gRPC metadata, the HTTP API, the review page).

RFC 6750: `Authorization: Bearer <token>`, the scheme case-insensitive, the token compared in
constant time. Knows header values, nothing about the surfaces.
"""

import hmac


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` value, or None when it is not one."""
    scheme, _, token = (header or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def token_matches(offered: str | None, expected: str) -> bool:
    """Whether `offered` is the expected token (constant time; None never matches)."""
    return offered is not None and hmac.compare_digest(offered.encode(), expected.encode())


def bearer_authorised(header: str | None, expected: str) -> bool:
    """Whether an `Authorization` value carries the expected bearer token."""
    return token_matches(bearer_token(header), expected)
