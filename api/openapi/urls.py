from django.urls import path

from api.openapi import views

urlpatterns = [
    path("v1/openapi.json", views.OpenApiDocumentView.as_view(), name="api-openapi"),
    path("docs/api", views.api_reference, name="api-reference"),
]
