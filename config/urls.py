"""Routes. Each app owns its own URL modules:

  <app>.api_urls      under /v1/   JSON API (API-key auth)
  <app>.console_urls  under /app/  the HTMX console (session auth)
  embeds.urls         /embed/…, /sdk/embed.js
"""

from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("v1/", include("ingest.api_urls")),
    path("v1/", include("dashboards.api_urls")),
    path("v1/", include("embeds.api_urls")),
    path("v1/", include("alerts.api_urls")),
    path("v1/", include("accounts.api_urls")),
    path("app/", include("accounts.console_urls")),
    path("app/", include("dashboards.console_urls")),
    path("app/", include("embeds.console_urls")),
    path("app/", include("alerts.console_urls")),
    path("", include("embeds.urls")),
]

handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
