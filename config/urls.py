"""Routes. Each app owns its own URL modules:

<app>.api_urls      under /v1/   JSON API (API-key auth)
<app>.console_urls  under /app/  the HTMX console (session auth)
viewer.urls         /embed/…, /sdk/embed.js
"""

from django.contrib import admin
from django.urls import include, path

from ops import metrics, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("", include("api.openapi.urls")),
    path("v1/", include("api.ingest.urls")),
    path("v1/", include("api.dashboards.urls")),
    path("v1/", include("api.embeds.urls")),
    path("v1/", include("api.alerts.urls")),
    path("v1/", include("api.subscriptions.urls")),
    path("v1/", include("api.accounts.urls")),
    path("v1/", include("api.usage.urls")),
    path("app/", include("console.accounts.urls")),
    path("app/", include("console.dashboards.urls")),
    path("app/", include("console.embeds.urls")),
    path("app/", include("console.alerts.urls")),
    path("app/", include("console.usage.urls")),
    path("app/", include("console.subscriptions.urls")),
    path("", include("viewer.urls")),
]

handler404 = "ops.views.not_found"
handler500 = "ops.views.server_error"
