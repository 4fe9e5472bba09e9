"""What every response and request gets at the edge: security headers, a Secure session cookie
under https, and the client's real address behind trusted reverse proxies (findings 10, 11)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from backend.settings import Settings

# The dashboard loads only its own stylesheet and images and has no script; nothing may frame it
# (clickjacking) and forms post only to this site.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def security_headers(https: bool) -> dict[str, str]:
    """The headers every response carries; HSTS only when the site is served over https."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class TrustedProxyAddresses:
    """X-Forwarded-For believed only from the listed proxies: walking it from the right, the
    first address that is not a trusted proxy is the client (a proxy list, unlike ProxyFix's
    count, also works when some requests reach the app directly)."""

    def __init__(self, app: WSGIApp, networks: Iterable[str]) -> None:
        self.app = app
        self.networks = [ipaddress.ip_network(network) for network in networks]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        client = environ.get("REMOTE_ADDR", "")
        if self._trusted(client):
            hops = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            hops = [hop for hop in hops if hop]
            while hops and self._trusted(client):
                hop = hops.pop()
                try:
                    ipaddress.ip_address(hop)
                except ValueError:
                    break  # garbage in the header: the last proxy is all we know
                client = hop
            environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip().lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        return self.app(environ, start_response)


def install(app: Flask, settings: Settings) -> None:
    """Proxy handling, the Secure cookie flag and the headers, from the settings."""
    trusted = settings.trusted_proxies
    if isinstance(trusted, int) and trusted > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]
    elif isinstance(trusted, tuple) and trusted:
        app.wsgi_app = TrustedProxyAddresses(app.wsgi_app, trusted)  # type: ignore[method-assign,assignment]
    app.config["SESSION_COOKIE_SECURE"] = settings.https
    headers = security_headers(settings.https)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
