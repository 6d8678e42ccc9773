"""The WSGI application: two Django handlers over one URLconf.

`/v1/` (the JSON API) authenticates every request with an API key and never reads a cookie,
so it runs only the middleware it needs (settings.API_MIDDLEWARE: security headers and
CommonMiddleware); sessions, CSRF, user auth, messages, htmx, the console's organization and
login lockouts are the console's and the site's (settings.MIDDLEWARE). That is per-request
work every API call (ingest batches, embed sessions) skipped.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
site = get_wsgi_application()  # django.setup() included

from django.conf import settings  # noqa: E402

API_PREFIX = "/v1/"


@contextmanager
def _middleware(chain: list[str]) -> Iterator[None]:
    """BaseHandler.load_middleware reads settings.MIDDLEWARE: swapped only while the API
    handler is built, at import time."""
    saved = settings.MIDDLEWARE
    settings.MIDDLEWARE = chain
    try:
        yield
    finally:
        settings.MIDDLEWARE = saved


class ApiHandler(WSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        with _middleware(list(settings.API_MIDDLEWARE)):
            super().load_middleware(is_async)


api = ApiHandler()


def application(environ: dict, start_response):  # noqa: ANN201 - the WSGI callable
    handler = api if environ.get("PATH_INFO", "").startswith(API_PREFIX) else site
    return handler(environ, start_response)
