from django.urls import path

from dashboards import api_views

urlpatterns = [
    path("dashboards", api_views.DashboardListCreateView.as_view(), name="api-dashboards"),
    path("dashboards/<str:pk>", api_views.DashboardDetailView.as_view(), name="api-dashboard"),
    path(
        "dashboards/<str:pk>/publish",
        api_views.DashboardPublishView.as_view(),
        name="api-dashboard-publish",
    ),
    path(
        "dashboards/<str:pk>/unpublish",
        api_views.DashboardUnpublishView.as_view(),
        name="api-dashboard-unpublish",
    ),
    path(
        "dashboards/<str:pk>/restore",
        api_views.DashboardRestoreView.as_view(),
        name="api-dashboard-restore",
    ),
    path(
        "dashboards/<str:pk>/versions",
        api_views.DashboardVersionsView.as_view(),
        name="api-dashboard-versions",
    ),
    path(
        "dashboards/<str:pk>/versions/<int:number>",
        api_views.DashboardVersionDetailView.as_view(),
        name="api-dashboard-version",
    ),
    path(
        "dashboards/<str:pk>/data", api_views.DashboardDataView.as_view(), name="api-dashboard-data"
    ),
    path("discover", api_views.DiscoverView.as_view(), name="api-discover"),
    path(
        "discover/auto-create", api_views.AutoCreateView.as_view(), name="api-discover-auto-create"
    ),
]
