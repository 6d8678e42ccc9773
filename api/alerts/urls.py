from django.urls import path

from api.alerts import views

urlpatterns = [
    path("alerts", views.AlertListCreateView.as_view(), name="api-alerts"),
    path("alerts/<str:pk>", views.AlertDetailView.as_view(), name="api-alert"),
    path("alerts/<str:pk>/test", views.AlertTestView.as_view(), name="api-alert-test"),
    path("alerts/<str:pk>/history", views.AlertHistoryView.as_view(), name="api-alert-history"),
    path(
        "alerts/<str:pk>/deliveries",
        views.AlertDeliveriesView.as_view(),
        name="api-alert-deliveries",
    ),
]
