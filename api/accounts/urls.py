from django.urls import path

from api.accounts import views

urlpatterns = [
    path("organization", views.OrganizationView.as_view(), name="api-organization"),
    path("members", views.MemberListView.as_view(), name="api-members"),
    path("members/invite", views.InviteCreateView.as_view(), name="api-members-invite"),
    path("members/invites", views.InviteListView.as_view(), name="api-members-invites"),
    path(
        "members/invites/<str:pk>",
        views.InviteDetailView.as_view(),
        name="api-members-invite-detail",
    ),
    path("members/<int:pk>", views.MemberDetailView.as_view(), name="api-member"),
]
