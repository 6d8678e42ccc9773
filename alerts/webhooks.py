"""POSTing a webhook without letting an alert rule reach inside our own network (SSRF).

The check happens at connect time, on the address actually connected to: the connection
classes below resolve the host, refuse if ANY of its addresses is private, loopback,
link-local, multicast, reserved or unspecified, and then connect to that checked address
(sending the URL's host in the Host header and as the TLS SNI / certificate name). There is no
second DNS lookup an attacker could answer differently (DNS rebinding). Redirects are followed
by hand, at most MAX_REDIRECTS, each hop re-checked the same way, re-POSTing the same body.
`settings.WEBHOOK_ALLOW_PRIVATE` (env WEBHOOK_ALLOW_PRIVATE=true) lifts the private-address
refusal for on-premises receivers and tests; unspecified and multicast stay refused.
"""

import http.client
import ipaddress
import logging
import re
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressCheck = Callable[[IPAddress], bool]

TIMEOUT_SECONDS = 5.0
MAX_REDIRECTS = 3
MAX_RESPONSE_BYTES = 64 * 1024  # we only need the status; never buffer a huge reply
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")


class WebhookError(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class WebhookRefused(WebhookError):
    """The target is not allowed (SSRF guard, bad URL): retrying cannot help."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass(frozen=True)
class WebhookResponse:
    status_code: int
    url: str  # the URL that answered, after redirects
    redirects: list[str] = field(default_factory=list)


def is_public_address(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # IPv6 forms that carry an IPv4 address are judged by it: ::ffff:127.0.0.1 (mapped) and
        # 2002:7f00:1:: (6to4, routed to 127.0.0.1 on hosts with a 6to4 relay).
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def default_address_check() -> AddressCheck:
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return lambda address: not (address.is_unspecified or address.is_multicast)
    return is_public_address


def resolve_checked(host: str, port: int, check: AddressCheck) -> list[IPAddress]:
    """The addresses to connect to, in resolver order, once every one of them passed `check`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise WebhookError(f"Cannot resolve {host}: {exc.strerror or exc}", retryable=True) from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    for address in addresses:
        if not check(address):
            # The address goes to the server log only: shown to the rule's author, it would map
            # internal host names to private addresses (a DNS oracle through the test button).
            logger.warning("Webhook to %s refused: it resolves to %s", host, address)
            raise WebhookRefused(
                f"Refused: {host} resolves to a private, loopback, link-local or reserved address."
            )
    if not addresses:
        raise WebhookError(f"Cannot resolve {host}.", retryable=True)
    return addresses


class _CheckedConnectionMixin:
    host: str
    port: int
    timeout: float | None

    def _checked_socket(self, check: AddressCheck) -> socket.socket:
        """A socket to the first checked address that answers (as create_connection does for a
        host name, but only ever dialling addresses that passed the check)."""
        *others, last = resolve_checked(self.host, self.port, check)
        for address in others:
            try:
                return self._dial(address)
            except OSError:
                continue
        return self._dial(last)

    def _dial(self, address: IPAddress) -> socket.socket:
        sock = socket.create_connection((str(address), self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


class CheckedHTTPConnection(_CheckedConnectionMixin, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, timeout: float, check: AddressCheck) -> None:
        super().__init__(host, port, timeout=timeout)
        self._check = check

    def connect(self) -> None:
        self.sock = self._checked_socket(self._check)


class CheckedHTTPSConnection(_CheckedConnectionMixin, http.client.HTTPSConnection):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout: float,
        check: AddressCheck,
        context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(
            host, port, timeout=timeout, context=context or ssl.create_default_context()
        )
        self._check = check

    def connect(self) -> None:
        sock = self._checked_socket(self._check)
        # The certificate is verified against the URL's host name, not the IP we dialled.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def validate_webhook_url(url: str) -> str | None:
    """Why a URL cannot be a webhook target, or None. No DNS here: that happens at connect time."""
    if not url.isascii() or any(ch <= " " or ch == "\x7f" for ch in url):
        return (
            "The URL may hold only printable ASCII, no spaces: percent-encode other characters"
            " in the path (é is %C3%A9) and write an international host name in its xn-- form."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "Only http and https URLs are allowed."
    if not parts.hostname:
        return "The URL has no host."
    if not _is_valid_host(parts.hostname):
        return f"{parts.hostname[:100]!r} is not a valid host name or IP address."
    if parts.username or parts.password:
        return "Credentials in the URL are not allowed; verify the signature header instead."
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "The URL has an invalid port."
    return None


def _is_valid_host(host: str) -> bool:
    """An IP address, or a DNS name of labels of letters, digits, - and _ (not starting or
    ending with -), 63 characters at most each, 253 in all."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(HOST_LABEL.fullmatch(label) for label in name.split("."))


def validate_webhook_target(url: str) -> str | None:
    """`validate_webhook_url`, plus an early refusal of a literal private address (a friendlier
    error when the rule is saved; the connect-time check stays the one that protects)."""
    problem = validate_webhook_url(url)
    if problem:
        return problem
    try:
        address = ipaddress.ip_address(urlsplit(url).hostname or "")
    except ValueError:
        return None  # a host name: resolved and checked when sending
    if not default_address_check()(address):
        return "Private, loopback, link-local and reserved addresses are refused."
    return None


def webhook_post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float = TIMEOUT_SECONDS,
    check: AddressCheck | None = None,
    tls_context: ssl.SSLContext | None = None,  # default: the system's trusted CAs
) -> WebhookResponse:
    """POST `body` to `url`; returns the final status. Raises WebhookRefused (never retry) or
    WebhookError (retry when `.retryable`)."""
    check = check or default_address_check()
    redirects: list[str] = []
    for _ in range(MAX_REDIRECTS + 1):
        status, location = _post_once(
            url, body, headers, timeout=timeout, check=check, tls_context=tls_context
        )
        if status not in REDIRECT_STATUSES or not location:
            return WebhookResponse(status_code=status, url=url, redirects=redirects)
        url = urljoin(url, location)
        redirects.append(url)
    raise WebhookError(f"More than {MAX_REDIRECTS} redirects.", retryable=False)


def _post_once(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout: float,
    check: AddressCheck,
    tls_context: ssl.SSLContext | None,
) -> tuple[int, str | None]:
    problem = validate_webhook_url(url)
    if problem:
        raise WebhookRefused(f"{problem} ({url[:200]})")
    parts = urlsplit(url)
    # An explicit port: http.client would otherwise split an IPv6 host ("fd00::1") at its colon.
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = CheckedHTTPSConnection(
            host, port, timeout=timeout, check=check, context=tls_context
        )
    else:
        connection = CheckedHTTPConnection(host, port, timeout=timeout, check=check)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status, response.getheader("Location")
    except WebhookError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise WebhookError(
            f"TLS certificate rejected: {exc.verify_message}", retryable=False
        ) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}"[:300], retryable=True) from exc
    except ValueError as exc:  # UnicodeError, InvalidURL: a URL the validation let through
        raise WebhookRefused(
            f"The URL cannot be sent to: {type(exc).__name__}: {exc}"[:300]
        ) from exc
    finally:
        connection.close()
