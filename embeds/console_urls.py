from django.urls import path

from embeds import console_views

app_name = "embeds_console"

urlpatterns = [
    path("dashboards/<str:dashboard_id>/embed", console_views.embed_tab, name="embed"),
]
