"""The embed page, its token-authenticated JSON endpoints, and the browser helper.

Plain Django views (no session, no CSRF: nothing here acts on cookies). The page is framed by
the customer's app, so it opts out of X-Frame-Options and sends a `frame-ancestors` CSP built
from the organization's allowed embed origins instead ('self' only when none are set).
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from accounts.models import Organization
from core.errors import ApiError, InvalidInput
from core.ratelimit import concurrency_slot, parse_rate, rate_limit_check
from embeds.queries import embed_dashboard_data, embed_drill, embed_export, embed_filter_values
from embeds.selectors import (
    VerifiedEmbed,
    embed_session_code_organization,
    embed_session_code_usable,
    embed_session_verify,
)
from embeds.services import embed_session_code_redeem
from embeds.tokens import InvalidToken
from interface.errors import error_response
from usage.services import UsageContext, usage_load_report, usage_request_record
from viewer.assets import embed_assets
from viewer.page_config import allowed_origins, page_config

logger = logging.getLogger(__name__)
# @sightline/embed (clients/js/embed) as built by `npm run build` (make install).
SDK_PATH = Path(settings.BASE_DIR) / "static" / "vendor" / "sightline" / "sdk-embed.js"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors {ancestors}"
)


def frame_ancestors(organization: Organization | None) -> str:
    return " ".join(["'self'", *allowed_origins(organization)])


def _secure(response: HttpResponse, organization: Organization | None) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = PAGE_CSP.format(ancestors=frame_ancestors(organization))
    return response


# --- The page ---------------------------------------------------------------------------------


@require_GET
@xframe_options_exempt
def embed_page(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    """The dashboard for the token's tenant: widget frames, filters, periods and the first
    data (the default period, admitted like a data request: no second round trip before the
    first paint), no token (the page's script reads it from its URL, then removes it).

    A single-use URL carries `code` instead: the page is drawn from the code's session without
    using the code up; the page's script then exchanges it (POST …/session) for the token,
    which it keeps in memory only. A used or expired code is an error page."""
    token, code = request.GET.get("token", ""), request.GET.get("code")
    try:
        if code is not None and not token:
            token = embed_session_code_usable(code=code, dashboard_id=dashboard_id).token
        verified = embed_session_verify(token=token, dashboard_id=dashboard_id)
    except InvalidToken as error:
        organization = (
            _claimed_organization(token)
            if token
            else embed_session_code_organization(code=code or "")
        )
        context = {"config": _error_config(error, organization), "assets": embed_assets([])}
        return _secure(
            render(request, "embeds/page.html", context, status=error.status), organization
        )
    organization = verified.dashboard.organization
    framer = blocked_framer(request, organization)
    usage_request_record(
        _usage(verified), kind="view", error_code="" if framer is None else "frame_blocked"
    )
    if framer is not None:
        return _blocked(request, framer)
    config = page_config(verified)
    if code is not None:
        config["urls"]["session"] = f"/embed/{dashboard_id}/session"
    context = {"config": config, "assets": embed_assets(config["widgets"])}
    # The head (the page's stylesheet, module and preloads) goes out before the first data is
    # read: the browser fetches and compiles the scripts during the tenant's reads. A
    # single-use page leaves its code unused (the script exchanges it), so it carries no
    # data: a copied URL loaded within the code's lifetime must show the tenant nothing.
    head = render_to_string("embeds/page_head.html", context, request)
    body = _page_body(request, context, None if code is not None else verified)
    return _secure(StreamedPage(chain([head], body)), organization)


class StreamedPage(StreamingHttpResponse):
    """An HTML page sent in parts; `content` is the whole of it (read once: Django's test
    client and anything else that wants the page at once)."""

    _whole: bytes | None = None

    @property
    def content(self) -> bytes:  # type: ignore[override]
        if self._whole is None:
            self._whole = b"".join(self.streaming_content)
        return self._whole


def _page_body(
    request: HttpRequest, context: dict[str, Any], verified: VerifiedEmbed | None
) -> Iterator[str]:
    context["config"]["data"] = None if verified is None else _first_data(verified)
    yield render_to_string("embeds/page_body.html", context, request)


def _first_data(verified: VerifiedEmbed) -> dict[str, Any] | None:
    """The default period's data, or None when a limit says not now (the page then asks the
    data endpoint itself, which answers 429 with Retry-After). The head is already sent, so
    a failed read cannot be an error page any more: the page asks the endpoint, which says."""
    try:
        with _admitted(verified):
            return embed_dashboard_data(verified=verified, params={})
    except ApiError:
        return None
    except Exception:  # noqa: BLE001 - logged; the data endpoint answers with the error
        logger.exception("the embed page's first data could not be read")
        return None


@csrf_exempt  # no cookies are read or set: the single-use code in the body is the credential
def embed_session_exchange(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    """POST {"code": "…"} -> {"token": "…"}, once per code (the embed page of a single-use URL).
    A second use is a 401 `code_used`; nothing about the session is in any URL afterwards."""
    try:
        if request.method != "POST":
            raise ApiError("Only POST is allowed here.", code="method_not_allowed", status=405)
        rate_limit_check(
            bucket=f"embed:code:{request.META.get('REMOTE_ADDR', '')}",
            rate=parse_rate(settings.EMBED_CODE_RATE_LIMIT),
        )
        body = json.loads(request.body or b"{}")
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            raise InvalidInput(
                "The request is invalid.", details=[{"field": "code", "message": "Required."}]
            )
        token = embed_session_code_redeem(code=code, dashboard_id=dashboard_id)
    except ValueError:
        response = error_response(InvalidInput("The body is not JSON.", code="malformed_json"))
    except ApiError as error:
        response = error_response(error)
    else:
        response = JsonResponse({"token": token})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def blocked_framer(request: HttpRequest, organization: Organization) -> str | None:
    """The origin of a page framing the embed without being an allowed origin, as far as the
    browser tells (Sec-Fetch-Dest and the Referer the helper's iframe sends); else None."""
    if request.headers.get("Sec-Fetch-Dest") != "iframe":
        return None
    parts = urlsplit(request.headers.get("Referer", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin == f"{request.scheme}://{request.get_host()}":
        return None
    return None if origin in allowed_origins(organization) else origin


def _blocked(request: HttpRequest, framer: str) -> HttpResponse:
    """Instead of the browser's blank refusal: a page that says why and what to do. It holds
    no data and no token, so any page may frame it."""
    response = render(request, "embeds/blocked.html", {"origin": framer}, status=403)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors *"
    )
    return response


def _error_config(error: ApiError, organization: Organization | None) -> dict[str, Any]:
    return {
        "error": {"code": error.code, "message": error.message},
        "parent_origins": allowed_origins(organization),
    }


def _claimed_organization(token: str) -> Organization | None:
    """The organization an unverifiable token names, only to address its error page to the
    right parent frames; nothing else is read from an unverified token."""
    try:
        org_id = jwt.decode(token, options={"verify_signature": False}).get("org")
    except jwt.PyJWTError:
        return None
    return Organization.objects.filter(pk=org_id).first() if isinstance(org_id, str) else None


# --- JSON endpoints (Authorization: Bearer <embed token>) --------------------------------------

Reader = Callable[..., Any]


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(
            "Send the embed token as 'Authorization: Bearer <token>'.", code="unauthenticated"
        )
    return token.strip()


def _usage(verified: VerifiedEmbed) -> UsageContext:
    """Who a usage row is about: the verified session, never what the page says."""
    claims = verified.claims
    return UsageContext(
        org_id=claims.org_id,
        tenant_id=claims.tenant_id,
        dashboard_id=verified.dashboard.pk,
        version=verified.version.number,
        session_id=claims.jti,
        user=claims.user,
    )


def _json_endpoint(
    request: HttpRequest,
    dashboard_id: str,
    read: Reader,
    *,
    usage_kind: str | None,
    method: str = "GET",
) -> HttpResponse:
    """`usage_kind`: what the operator's Usage page counts this request as (recorded with
    its error code when it fails after the token was verified); None records nothing."""
    if request.method == "OPTIONS":
        return _cors(request, HttpResponse(status=204), None, preflight=True)
    if request.method not in ((method, "HEAD") if method == "GET" else (method,)):
        error = ApiError(f"Only {method} is allowed here.", code="method_not_allowed", status=405)
        return error_response(error)
    organization = verified = None
    try:
        verified = embed_session_verify(token=bearer_token(request), dashboard_id=dashboard_id)
        organization = verified.dashboard.organization
        with _admitted(verified):
            response = read(verified=verified, params=request.GET.dict())
        if usage_kind:
            usage_request_record(_usage(verified), kind=usage_kind)
    except ApiError as error:
        response = error_response(error)
        if error.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="sightline-embed"'
        if usage_kind and verified is not None:
            usage_request_record(_usage(verified), kind=usage_kind, error_code=error.code)
    if isinstance(response, dict):
        response = JsonResponse(response)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return _cors(request, response, organization)


def session_rate_check(verified: VerifiedEmbed) -> None:
    """One request of the session's budget (EMBED_SESSION_RATE_LIMIT), shared by every embed
    endpoint the session calls: 429 with Retry-After when it is used up."""
    rate_limit_check(
        bucket=f"embed:session:{verified.claims.jti}",
        rate=parse_rate(settings.EMBED_SESSION_RATE_LIMIT),
    )


@contextmanager
def _admitted(verified: VerifiedEmbed) -> Iterator[None]:
    """The session's and the tenant's request rates, then one of the organization's slots
    for concurrent queries (so one busy customer cannot slow every other's embeds): 429 with
    Retry-After when any of them is used up."""
    claims = verified.claims
    session_rate_check(verified)
    rate_limit_check(
        bucket=f"embed:tenant:{claims.org_id}:{claims.tenant_id}",
        rate=parse_rate(settings.EMBED_TENANT_RATE_LIMIT),
    )
    with concurrency_slot(
        bucket=f"embed:queries:{claims.org_id}",
        budget=settings.EMBED_ORG_CONCURRENT_QUERIES,
        lease_seconds=settings.WAREHOUSE_MAX_EXECUTION_TIME + 5,
    ):
        yield


def _cors(
    request: HttpRequest,
    response: HttpResponse,
    organization: Organization | None,
    *,
    preflight: bool = False,
) -> HttpResponse:
    """Native components on the customer's own origin may call the JSON endpoints. A preflight
    is answered for any origin (it carries no token and reads nothing); the real response
    names the origin only when the token's organization allows it. A refused token (no
    organization verified) gets its JSON error readable from any origin, so a component can
    say why (expired, revoked, another dashboard); it holds nothing but the error."""
    origin = request.headers.get("Origin")
    response["Vary"] = "Origin"
    refused = organization is None and response.status_code in (401, 404)
    if origin and (preflight or refused or origin in allowed_origins(organization)):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = "Authorization"
        response["Access-Control-Allow-Methods"] = "GET, POST"
        response["Access-Control-Expose-Headers"] = "Content-Disposition"
        response["Access-Control-Max-Age"] = "600"
    return response


@csrf_exempt  # token-authenticated, never cookies; non-GET methods get a JSON 405
def embed_config(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    """The page's configuration as JSON, for native components (@sightline/react) that draw
    the dashboard without the page: widgets (never hidden ones), filters (locked ones with
    their value), periods, time zone, theme."""

    def read(*, verified: VerifiedEmbed, params: dict[str, str]) -> dict[str, Any]:
        config = page_config(verified)
        del config["parent_origins"]  # the page's own postMessage check, nothing for an API
        return config

    return _json_endpoint(request, dashboard_id, read, usage_kind="config")


@csrf_exempt  # token-authenticated, never cookies; non-GET methods get a JSON 405
def embed_data(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    return _json_endpoint(request, dashboard_id, embed_dashboard_data, usage_kind="data")


@csrf_exempt  # token-authenticated, never cookies; non-GET methods get a JSON 405
def embed_drill_view(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    return _json_endpoint(request, dashboard_id, embed_drill, usage_kind="drill")


@csrf_exempt  # token-authenticated, never cookies; non-GET methods get a JSON 405
def embed_values_view(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    """A viewer filter's picker: the tenant's own top values of a filter dimension."""
    return _json_endpoint(request, dashboard_id, embed_filter_values, usage_kind="values")


@csrf_exempt  # token-authenticated, never cookies; non-GET methods get a JSON 405
def embed_export_view(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    def read(*, verified: VerifiedEmbed, params: dict[str, str]) -> HttpResponse:
        export = embed_export(verified=verified, params=params)
        response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
        return response

    return _json_endpoint(request, dashboard_id, read, usage_kind="export")


@csrf_exempt  # token-authenticated, never cookies; other methods get a JSON 405
def embed_usage_beacon(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    """POST {"load_ms": N} from the embed page once every widget is drawn (fire-and-forget):
    the load time on the operator's Usage page. 204; bad input is a JSON 400, nothing kept."""

    def read(*, verified: VerifiedEmbed, params: dict[str, str]) -> HttpResponse:
        usage_load_report(_usage(verified), body=request.body)
        return HttpResponse(status=204)

    return _json_endpoint(request, dashboard_id, read, usage_kind=None, method="POST")


@require_GET
def sdk_js(request: HttpRequest) -> HttpResponse:
    """The browser helper, at a stable public path for customers' <script> tags."""
    response = HttpResponse(SDK_PATH.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
