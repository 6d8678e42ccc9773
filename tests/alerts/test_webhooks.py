"""The webhook client: SSRF refusals on the resolved address (also after redirects), redirects,
and what a refused target does to a delivery. Private targets are NOT allowed here."""

import http.server
import ipaddress
import shutil
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta

import pytest

from alerts.models import AlertDelivery, DeliveryStatus
from alerts.webhooks import WebhookError, WebhookRefused, is_public_address, webhook_post
from tests.factories import event, insert

BODY = b'{"hello": "world"}'
HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def refuse_private_webhooks(settings, allow_private_webhooks) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False


def loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address.is_loopback


def only_loopback_v4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Lets the first hop reach the local receiver; everything else gets the default policy."""
    return address == ipaddress.ip_address("127.0.0.1") or is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://localhost:{port}/hook",  # a host name that resolves to loopback
        "http://[::1]:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://10.1.2.3:{port}/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://0.0.0.0:{port}/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
        "https://[fd00::1]/hook",
        "http://[2002:7f00:1::]:{port}/hook",  # 6to4 wrapping 127.0.0.1
        "http://[2002:a01:203::]/hook",  # 6to4 wrapping 10.1.2.3
    ],
)
def test_refuses_private_targets_before_connecting(receiver, url) -> None:
    with pytest.raises(WebhookRefused, match="Refused"):
        webhook_post(url.format(port=receiver.port), BODY, HEADERS)

    assert receiver.requests == []


def test_a_refusal_never_tells_which_private_address_a_name_resolves_to(receiver) -> None:
    with pytest.raises(WebhookRefused) as refused:
        webhook_post(f"http://localhost:{receiver.port}/hook", BODY, HEADERS)

    assert "localhost" in str(refused.value)
    assert "127.0.0.1" not in str(refused.value) and "::1" not in str(refused.value)


def test_the_receiver_is_reachable_when_allowed(receiver) -> None:
    response = webhook_post(receiver.url, BODY, HEADERS, check=only_loopback_v4)

    assert response.status_code == 200
    assert receiver.requests[0].body == BODY
    assert receiver.requests[0].headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_host_header_names_the_url_host_not_the_dialled_address(receiver) -> None:
    url = f"http://localhost:{receiver.port}/hook"

    response = webhook_post(url, BODY, HEADERS, check=loopback)

    assert response.status_code == 200
    assert receiver.requests[0].headers["Host"] == f"localhost:{receiver.port}"


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]:{port}/hook",
    ],
)
def test_a_redirect_to_a_private_address_is_refused(receiver, location) -> None:
    receiver.reply(302, {"Location": location.format(port=receiver.port)})

    with pytest.raises(WebhookRefused):
        webhook_post(receiver.url, BODY, HEADERS, check=only_loopback_v4)

    assert len(receiver.requests) == 1  # the first hop only


def test_an_allowed_redirect_is_followed_with_the_same_body(receiver) -> None:
    receiver.reply(307, {"Location": "/hook"})

    response = webhook_post(f"{receiver.url}-old", BODY, HEADERS, check=only_loopback_v4)

    assert response.status_code == 200 and response.redirects == [receiver.url]
    assert [r.path for r in receiver.requests] == ["/hook-old", "/hook"]
    assert receiver.requests[1].body == BODY


def test_too_many_redirects_stop(receiver) -> None:
    for _ in range(5):
        receiver.reply(302, {"Location": "/hook"})

    with pytest.raises(WebhookError, match="redirects"):
        webhook_post(receiver.url, BODY, HEADERS, check=only_loopback_v4)

    assert len(receiver.requests) == 4  # the first request and three redirects


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost"])
def test_non_http_urls_are_refused(url) -> None:
    with pytest.raises(WebhookRefused):
        webhook_post(url, BODY, HEADERS)


def test_a_closed_port_is_a_retryable_error(receiver) -> None:
    port = receiver.port
    receiver_closed = f"http://127.0.0.1:{port + 1 if port < 65535 else port - 1}/hook"

    with pytest.raises(WebhookError) as caught:
        webhook_post(receiver_closed, BODY, HEADERS, check=only_loopback_v4)

    assert caught.value.retryable


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_public_address_policy(address, public) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.django_db
def test_a_refused_target_fails_the_delivery_without_retrying(
    org, make_rule, receiver, clock
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=1)
    insert(event(org_id=org.organization.pk, tenant_id="acme", timestamp=at) for _ in range(3))
    make_rule("gt", 1)  # its webhook is the loopback receiver

    clock.tick()

    delivery = AlertDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    [attempt] = delivery.attempts.all()
    assert attempt.status_code is None and attempt.error == (
        "Refused: 127.0.0.1 resolves to a private, loopback, link-local or reserved address."
    )
    assert receiver.requests == []


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 with a self-signed certificate for `localhost`; yields
    (port, a client context trusting that certificate, the SNI names the server saw)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_names: list[str | None] = []
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda sock, name, context: server_names.append(name)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], ssl.create_default_context(cafile=str(cert)), server_names
    finally:
        server.shutdown()
        server.server_close()


def test_https_dials_the_checked_address_and_verifies_the_url_host(tls_receiver) -> None:
    port, trusted, server_names = tls_receiver

    response = webhook_post(
        f"https://localhost:{port}/hook", BODY, HEADERS, check=loopback, tls_context=trusted
    )

    assert response.status_code == 200
    assert server_names == ["localhost"]  # SNI names the URL's host, not 127.0.0.1


def test_https_refuses_a_certificate_for_another_name(tls_receiver) -> None:
    port, trusted, _ = tls_receiver

    with pytest.raises(WebhookError, match="TLS certificate rejected") as caught:
        webhook_post(
            f"https://127.0.0.1:{port}/hook",
            BODY,
            HEADERS,
            check=loopback,
            tls_context=trusted,
        )

    assert caught.value.retryable is False


def test_https_checks_the_address_before_the_handshake(tls_receiver) -> None:
    port, trusted, server_names = tls_receiver

    with pytest.raises(WebhookRefused):
        webhook_post(f"https://localhost:{port}/hook", BODY, HEADERS, tls_context=trusted)

    assert server_names == []
