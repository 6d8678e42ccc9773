from django.urls import path

from accounts import api_views

urlpatterns = [
    path("members", api_views.MemberListView.as_view(), name="api-members"),
    path("members/invite", api_views.InviteCreateView.as_view(), name="api-members-invite"),
    path("members/invites", api_views.InviteListView.as_view(), name="api-members-invites"),
    path(
        "members/invites/<str:pk>",
        api_views.InviteDetailView.as_view(),
        name="api-members-invite-detail",
    ),
    path("members/<int:pk>", api_views.MemberDetailView.as_view(), name="api-member"),
]
