from django.urls import path

from api.embeds import views

urlpatterns = [
    path("embed-sessions", views.EmbedSessionListCreateView.as_view(), name="embed-session-create"),
    path(
        "embed-sessions/revoke",
        views.EmbedSessionsRevokeView.as_view(),
        name="embed-sessions-revoke",
    ),
    path(
        "embed-sessions/<str:pk>",
        views.EmbedSessionDetailView.as_view(),
        name="embed-session-detail",
    ),
    path(
        "embed-sessions/<str:pk>/revoke",
        views.EmbedSessionRevokeView.as_view(),
        name="embed-session-revoke",
    ),
    path("embed-keys", views.EmbedKeyListView.as_view(), name="embed-key-list"),
    path("embed-keys/rotate", views.EmbedKeyRotateView.as_view(), name="embed-key-rotate"),
    path(
        "embed-keys/<str:kid>/retire",
        views.EmbedKeyRetireView.as_view(),
        name="embed-key-retire",
    ),
]
