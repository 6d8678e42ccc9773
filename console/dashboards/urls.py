from django.urls import path

from console.dashboards import preview, variant_views, views

app_name = "dash"

_one = "dashboards/<str:dashboard_id>"
_widget = _one + "/widgets/<str:widget_id>"

urlpatterns = [
    path("dashboards", views.dashboard_list, name="list"),
    path("dashboards/variants", variant_views.variants, name="variants"),
    path(
        "dashboards/variants/<str:variant_id>/delete",
        variant_views.variant_remove,
        name="variant_delete",
    ),
    path("dashboards/generate", views.dashboard_generate, name="generate"),
    path(_one, views.builder, name="builder"),
    path(_one + "/settings", views.dashboard_settings, name="settings"),
    path(_one + "/delete", views.dashboard_delete, name="delete"),
    path(_one + "/preview", preview.preview, name="preview"),
    path(_one + "/preview/values", preview.preview_values, name="preview_values"),
    path(_one + "/layout", views.dashboard_layout, name="layout"),
    path(_one + "/publish", views.dashboard_publish, name="publish"),
    path(_one + "/unpublish", views.dashboard_unpublish, name="unpublish"),
    path(_one + "/restore", views.dashboard_restore, name="restore"),
    path(_one + "/widgets", views.widget_add, name="widget_add"),
    path(_widget, views.widget_edit, name="widget"),
    path(_widget + "/duplicate", views.widget_duplicate, name="widget_duplicate"),
    path(_widget + "/remove", views.widget_remove, name="widget_remove"),
    path(_widget + "/move", views.widget_move, name="widget_move"),
]
