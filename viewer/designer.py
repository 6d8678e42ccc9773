"""The embed's edit mode: a designer session's variant, read, saved and reset.

`GET /embed/{id}/variant`: the edit state (own widgets, order, revision) and what may be
charted (the same choices as the console builder, the tenant's own event keys);
`PUT`: save the whole view (strict JSON: `widgets`, `layout`, `hidden`, `revision`);
`DELETE`: back to the published dashboard. Bearer-token authenticated like every embed
endpoint, designer sessions only (403 `not_designer`), every call rate limited per session
(`EMBED_VARIANT_RATE_LIMIT`). PUT and DELETE answer with the page's new configuration.
"""

from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.errors import ApiError, InvalidInput
from core.ratelimit import parse_rate, rate_limit_check
from dashboards.spec import KINDS, METRICS
from embeds.selectors import embed_session_verify
from embeds.variants import (
    check_designer,
    session_edit_state,
    session_variant_reset,
    session_variant_save,
)
from interface.builder import editor_choices
from interface.errors import error_response
from viewer.page_config import page_config
from viewer.views import bearer_token

MAX_BODY_BYTES = 256 * 1024
# What the edit form builds: the console builder's kinds and metrics, funnel and ratio too.
DESIGNER_KINDS = KINDS
DESIGNER_METRICS = METRICS


def _json_body(request: HttpRequest) -> Any:
    if request.content_type != "application/json":
        raise ApiError(
            "Send the view as application/json.", code="unsupported_media_type", status=415
        )
    if len(request.body) > MAX_BODY_BYTES:
        raise ApiError("The view is too large.", code="payload_too_large", status=413)
    try:
        return orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise InvalidInput("The body is not JSON.", code="malformed_json") from None


@csrf_exempt  # token-authenticated, never cookies
def embed_variant(request: HttpRequest, dashboard_id: str) -> HttpResponse:
    try:
        if request.method not in ("GET", "PUT", "DELETE"):
            raise ApiError("Use GET, PUT or DELETE here.", code="method_not_allowed", status=405)
        verified = embed_session_verify(token=bearer_token(request), dashboard_id=dashboard_id)
        check_designer(verified.claims)
        rate_limit_check(  # the edit state runs the tenant's discovery: limited like saves
            bucket=f"embed:variant:{verified.claims.jti}",
            rate=parse_rate(settings.EMBED_VARIANT_RATE_LIMIT),
        )
        if request.method == "GET":
            body = session_edit_state(verified)
            schema = body["schema"]
            body["choices"] = editor_choices(
                events=schema["events"],
                string_keys=schema["string_keys"],
                numeric_keys=schema["numeric_keys"],
                kinds=DESIGNER_KINDS,
                metrics=DESIGNER_METRICS,
            )
        else:
            if request.method == "PUT":
                session_variant_save(verified=verified, body=_json_body(request))
            else:
                session_variant_reset(verified=verified)
            body = {"config": _fresh_config(verified)}
        response: HttpResponse = JsonResponse(body)
    except ApiError as error:
        response = error_response(error)
        if error.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="sightline-embed"'
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


def _fresh_config(verified: Any) -> dict[str, Any]:
    config = page_config(verified)
    del config["parent_origins"]
    return config
