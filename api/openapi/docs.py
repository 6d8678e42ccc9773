"""Small helpers the front-door views use to describe their operations in the OpenAPI
document (`extend_schema` arguments), so each view states its own shape in one line."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

FREE_FORM = OpenApiResponse(OpenApiTypes.OBJECT, description="See the description.")
NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}


def path_param(name: str, description: str, kind: Any = OpenApiTypes.STR) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


def query_param(
    name: str, description: str, kind: Any = OpenApiTypes.STR, **kwargs: Any
) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, **kwargs)
