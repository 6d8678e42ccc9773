from django.urls import path

from alerts import api_views

urlpatterns = [
    path("alerts", api_views.AlertListCreateView.as_view(), name="api-alerts"),
    path("alerts/<str:pk>", api_views.AlertDetailView.as_view(), name="api-alert"),
    path("alerts/<str:pk>/test", api_views.AlertTestView.as_view(), name="api-alert-test"),
    path("alerts/<str:pk>/history", api_views.AlertHistoryView.as_view(), name="api-alert-history"),
    path(
        "alerts/<str:pk>/deliveries",
        api_views.AlertDeliveriesView.as_view(),
        name="api-alert-deliveries",
    ),
]
