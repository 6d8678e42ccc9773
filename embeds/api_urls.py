from django.urls import path

from embeds import api_views

urlpatterns = [
    path("embed-sessions", api_views.EmbedSessionCreateView.as_view(), name="embed-session-create"),
    path(
        "embed-sessions/revoke",
        api_views.EmbedSessionsRevokeView.as_view(),
        name="embed-sessions-revoke",
    ),
    path(
        "embed-sessions/<str:jti>/revoke",
        api_views.EmbedSessionRevokeView.as_view(),
        name="embed-session-revoke",
    ),
    path("embed-keys", api_views.EmbedKeyListView.as_view(), name="embed-key-list"),
    path("embed-keys/rotate", api_views.EmbedKeyRotateView.as_view(), name="embed-key-rotate"),
    path(
        "embed-keys/<str:kid>/retire",
        api_views.EmbedKeyRetireView.as_view(),
        name="embed-key-retire",
    ),
]
