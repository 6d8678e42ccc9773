from django.urls import path

from api.dashboards import variant_views, views

urlpatterns = [
    path("dashboards", views.DashboardListCreateView.as_view(), name="api-dashboards"),
    path("dashboards/<str:pk>", views.DashboardDetailView.as_view(), name="api-dashboard"),
    path(
        "dashboards/<str:pk>/publish",
        views.DashboardPublishView.as_view(),
        name="api-dashboard-publish",
    ),
    path(
        "dashboards/<str:pk>/unpublish",
        views.DashboardUnpublishView.as_view(),
        name="api-dashboard-unpublish",
    ),
    path(
        "dashboards/<str:pk>/restore",
        views.DashboardRestoreView.as_view(),
        name="api-dashboard-restore",
    ),
    path(
        "dashboards/<str:pk>/versions",
        views.DashboardVersionsView.as_view(),
        name="api-dashboard-versions",
    ),
    path(
        "dashboards/<str:pk>/versions/<int:number>",
        views.DashboardVersionDetailView.as_view(),
        name="api-dashboard-version",
    ),
    path("dashboards/<str:pk>/data", views.DashboardDataView.as_view(), name="api-dashboard-data"),
    path("variants", variant_views.VariantListView.as_view(), name="api-variants"),
    path("variants/<str:pk>", variant_views.VariantDetailView.as_view(), name="api-variant"),
    path("discover", views.DiscoverView.as_view(), name="api-discover"),
    path("discover/auto-create", views.AutoCreateView.as_view(), name="api-discover-auto-create"),
]
