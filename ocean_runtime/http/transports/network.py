"""The network layer: proxies and CA bundles from the environment, and which transport sends.

Behind a corporate proxy or a TLS-inspecting gateway, every client Ocean opens — to Port and
to 3rd-party APIs — must go through the proxy it was told to use and trust the bundle it was
given, as any HTTP tool does (curl, requests, httpx, the reference framework):

- ``HTTPS_PROXY`` / ``HTTP_PROXY`` (lower case wins, as in curl), then ``ALL_PROXY``, name the
  proxy for ``https`` / ``http`` URLs; ``NO_PROXY`` lists hosts, domain suffixes
  (``example.com`` also covers ``api.example.com``), IP networks (``10.0.0.0/8``) or ``*``
  that are reached directly. A proxy URL without a scheme is ``http://``.
- ``SSL_CERT_FILE``, else ``REQUESTS_CA_BUNDLE``, else ``CURL_CA_BUNDLE`` names the CA bundle
  TLS connections trust; ``SSL_CERT_DIR`` a directory of CA certificates; otherwise certifi's.
  A named file that does not exist is an error naming the variable, not a silent fallback.

``network_transport`` picks what sends: through a proxy, httpx's transport (it speaks CONNECT
and proxy auth); directly, the lean HTTP/1.1 transport when asked for it (the Port client:
``http11.py``, tested on every path it has); otherwise httpx's.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
from collections.abc import Mapping

import certifi
import httpx

from ocean_runtime.errors import UserInputError

from .http11 import DEFAULT_MAX_CONNECTIONS, Http11Transport

CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _env(environ: Mapping[str, str], name: str) -> str:
    """A variable as curl reads it: the lower-case spelling first."""
    return (environ.get(name.lower()) or environ.get(name.upper()) or "").strip()


def proxy_for(url: httpx.URL, environ: Mapping[str, str] | None = None) -> str | None:
    """The proxy the environment names for ``url``, or None to connect directly."""
    env = os.environ if environ is None else environ
    proxy = _env(env, f"{url.scheme}_proxy") or _env(env, "all_proxy")
    if not proxy or _bypassed(url.host, _env(env, "no_proxy")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _bypassed(host: str, no_proxy: str) -> bool:
    host = host.strip("[]").lower()
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name = entry.split(":", 1)[0] if entry.count(":") == 1 else entry  # drop a port
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
        if _in_network(host, name):
            return True
    return False


def _in_network(host: str, entry: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def tls_context(environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """A verifying TLS context trusting the CA bundle the environment names (else certifi's).

    Raises:
        UserInputError: a variable names a bundle that does not exist.
    """
    return _context_trusting(ca_location(environ))


def ca_location(environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(cafile, capath)`` the environment names, checked to exist; certifi's bundle otherwise.

    Raises:
        UserInputError: a variable names a bundle that does not exist.
    """
    env = os.environ if environ is None else environ
    for name in CA_BUNDLE_VARIABLES:
        path = env.get(name, "").strip()
        if path:
            if not os.path.isfile(path):
                raise UserInputError(
                    f"{name}={path!r} is not a file",
                    location=name,
                    fix="point it at a PEM bundle of the CA certificates to trust, or unset it",
                )
            return path, None
    directory = env.get("SSL_CERT_DIR", "").strip()
    if directory:
        if not os.path.isdir(directory):
            raise UserInputError(
                f"SSL_CERT_DIR={directory!r} is not a directory",
                location="SSL_CERT_DIR",
                fix="point it at a directory of CA certificates (c_rehash'ed), or unset it",
            )
        return None, directory
    return certifi.where(), None


def _context_trusting(location: tuple[str | None, str | None]) -> ssl.SSLContext:
    cafile, capath = location
    return ssl.create_default_context(cafile=cafile, capath=capath)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def network_transport(
    url: str | httpx.URL,
    *,
    environ: Mapping[str, str] | None = None,
    lean: bool = False,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> httpx.AsyncBaseTransport:
    """The transport that reaches ``url`` as the environment says (proxy, CA bundle).

    Args:
        url: where the requests go (one origin: the Port API root).
        environ: the environment to read (default ``os.environ``).
        lean: use the lean HTTP/1.1 transport for direct connections.
        max_connections: most connections open at once.

    Raises:
        UserInputError: a proxy or CA bundle variable is unusable.
    """
    target = httpx.URL(url)
    trusted = ca_location(environ)  # a bad variable stops us here, before anything is sent
    proxy = proxy_for(target, environ)
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    if lean and proxy is None:
        # Loading a CA bundle costs tens of milliseconds of start-up: only done for a TLS connection.
        return Http11Transport(
            max_connections=max_connections, ssl_context_factory=functools.partial(_context_trusting, trusted)
        )
    context = _context_trusting(trusted)
    if proxy is not None:
        try:
            return httpx.AsyncHTTPTransport(proxy=proxy, verify=context, limits=limits, trust_env=False)
        except (ValueError, httpx.InvalidURL) as exc:
            raise UserInputError(
                f"the proxy {proxy!r} for {target.scheme} URLs is unusable: {exc}",
                location=f"{target.scheme.upper()}_PROXY",
                fix="set it to the proxy's URL, e.g. http://proxy.example.com:3128",
            ) from None
    return httpx.AsyncHTTPTransport(verify=context, limits=limits, trust_env=False)
