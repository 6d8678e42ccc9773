from django.urls import path

from console.alerts import views

app_name = "alerts"

_one = "alerts/<str:rule_id>"

urlpatterns = [
    path("alerts", views.alert_list, name="list"),
    path("alerts/new", views.alert_new, name="new"),
    path(_one, views.alert_edit, name="edit"),
    path(_one + "/history", views.alert_history, name="history"),
    path(_one + "/toggle", views.alert_toggle, name="toggle"),
    path(_one + "/test", views.alert_test, name="test"),
    path(_one + "/delete", views.alert_delete, name="delete"),
]
