"""The transports a toolkit client is built from: auth, retry, rate limit."""

from .auth import ApiKeyAuth, AuthScheme, AuthTransport, BasicAuth, BearerAuth, OAuth2ClientCredentials
from .ratelimit import RateLimit, RateLimitTransport, TokenBucket
from .retry import RetryPolicy, RetryTransport, parse_retry_after

__all__ = [
    "ApiKeyAuth",
    "AuthScheme",
    "AuthTransport",
    "BasicAuth",
    "BearerAuth",
    "OAuth2ClientCredentials",
    "RateLimit",
    "RateLimitTransport",
    "RetryPolicy",
    "RetryTransport",
    "TokenBucket",
    "parse_retry_after",
]
