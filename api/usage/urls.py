from django.urls import path

from api.usage import views

urlpatterns = [
    path("usage", views.UsageView.as_view(), name="api-usage"),
]
