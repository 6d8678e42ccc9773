from django.urls import path

from console.embeds import views

app_name = "embeds_console"

urlpatterns = [
    path("dashboards/<str:dashboard_id>/embed", views.embed_tab, name="embed"),
    path("dashboards/<str:dashboard_id>/embed/origins", views.embed_origin_add, name="origin_add"),
]
