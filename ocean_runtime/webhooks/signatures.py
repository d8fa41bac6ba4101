"""Checking webhook signatures: the common schemes, compared in constant time.

Every helper takes the *raw* request body (``self.event.body`` in a processor): a signature is
computed over the bytes the sender sent, not over re-serialised JSON. Header names are matched
case-insensitively. A missing header, a malformed value or an empty secret is simply "not
authentic" — never an exception, so a bad request gets a 401, not a 500.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

GITHUB_HEADER = "x-hub-signature-256"
GITLAB_HEADER = "x-gitlab-token"


def hmac_sha256_hex(secret: str | bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` with ``secret`` (what senders put after ``sha256=``)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def constant_time_equals(left: str | bytes, right: str | bytes) -> bool:
    """``left == right`` in time independent of where they differ (no timing oracle)."""
    a = left.encode() if isinstance(left, str) else left
    b = right.encode() if isinstance(right, str) else right
    return hmac.compare_digest(a, b)


def verify_hmac_sha256(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | bytes | None,
    *,
    header: str,
    prefix: str = "sha256=",
) -> bool:
    """True when ``headers[header]`` is ``prefix`` + the hex HMAC-SHA256 of ``body``.

    Args:
        body: the raw request body.
        headers: the request headers (any case).
        secret: the shared secret; None or empty never verifies.
        header: the header carrying the signature (any case).
        prefix: what precedes the hex digest (``""`` for senders that send the bare digest).
    """
    if not secret:
        return False
    value = _header(headers, header)
    if value is None or not value.startswith(prefix):
        return False
    return constant_time_equals(value[len(prefix) :].strip().lower(), hmac_sha256_hex(secret, body))


def verify_github_signature(body: bytes, headers: Mapping[str, str], secret: str | bytes | None) -> bool:
    """GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``."""
    return verify_hmac_sha256(body, headers, secret, header=GITHUB_HEADER)


def verify_gitlab_token(headers: Mapping[str, str], token: str | None) -> bool:
    """GitLab: ``X-Gitlab-Token`` carries the shared secret itself."""
    return verify_shared_token(headers, token, header=GITLAB_HEADER)


def verify_shared_token(headers: Mapping[str, str], token: str | None, *, header: str) -> bool:
    """Any sender that puts the shared token itself in ``header``."""
    if not token:
        return False
    value = _header(headers, header)
    return value is not None and constant_time_equals(value, token)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
