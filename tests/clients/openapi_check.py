"""Checks recorded SDK requests against the server's own OpenAPI document: the route and
method exist, every query parameter is a documented one of the right type, and the JSON body
(gunzipped) validates against the operation's request schema."""

import gzip
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_URI = "urn:sightline:openapi"


class OpenApiRequests:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry = Registry().with_resource(
            DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012)
        )
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), path)
            for path in document["paths"]
        ]

    def _schema(self, schema: dict[str, Any]) -> Draft202012Validator:
        def rebase(node: Any) -> Any:
            if isinstance(node, dict):
                return {
                    k: (DOCUMENT_URI + v if k == "$ref" and v.startswith("#") else rebase(v))
                    for k, v in node.items()
                }
            if isinstance(node, list):
                return [rebase(item) for item in node]
            return node

        return Draft202012Validator(rebase(schema), registry=self.registry)

    def operation(self, method: str, path: str) -> dict[str, Any]:
        templates = [template for regex, template in self.routes if regex.match(path)]
        # /v1/embed-sessions/revoke matches both it and /v1/embed-sessions/{id}: literal first.
        templates.sort(key=lambda t: t.count("{"))
        for template in templates:
            operation = self.document["paths"][template].get(method.lower())
            if operation is not None:
                return operation
        raise AssertionError(f"{method} {path} is not in the OpenAPI document")

    def check(self, request: httpx.Request) -> list[str]:
        """The problems of one request (empty when it conforms)."""
        url = urlsplit(str(request.url))
        operation = self.operation(request.method, url.path)
        problems = []
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        for name, raw in parse_qsl(url.query, keep_blank_values=True):
            if name not in params:
                problems.append(f"{request.method} {url.path}: query {name!r} is undocumented")
                continue
            value = _typed(raw, params[name]["schema"])
            for error in self._schema(params[name]["schema"]).iter_errors(value):
                problems.append(f"{request.method} {url.path}?{name}: {error.message}")
        body = request.content
        if body:
            if request.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                problems.append(f"{request.method} {url.path}: a body it does not document")
            else:
                validator = self._schema(content["application/json"]["schema"])
                for error in validator.iter_errors(json.loads(body)):
                    problems.append(f"{request.method} {url.path} body: {error.message}")
        return problems


def _typed(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "integer":
        return int(raw) if raw.lstrip("-").isdigit() else raw
    return raw
