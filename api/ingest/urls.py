from django.urls import path

from api.ingest.views import EventsView

urlpatterns = [
    path("events", EventsView.as_view(), name="events-ingest"),
]
