from django.urls import path

from console.subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("subscriptions", views.subscription_list, name="list"),
    path("subscriptions/<str:subscription_id>/pause", views.subscription_pause, name="pause"),
    path("subscriptions/<str:subscription_id>/delete", views.subscription_delete, name="delete"),
]
