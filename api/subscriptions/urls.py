from django.urls import path

from api.subscriptions import views

urlpatterns = [
    path("subscriptions", views.SubscriptionListView.as_view(), name="api-subscriptions"),
    path("subscriptions/<str:pk>", views.SubscriptionDetailView.as_view(), name="api-subscription"),
]
