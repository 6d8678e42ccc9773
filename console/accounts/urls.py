from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from console.accounts import passwords, views

app_name = "console"

_reset_done = reverse_lazy("console:password_reset_done")
_reset_complete = reverse_lazy("console:password_reset_complete")

urlpatterns = [
    path("", views.home, name="home"),
    path("register", views.register, name="register"),
    path("register/sent", views.register_sent, name="register_sent"),
    path("register/confirm/<str:token>", views.register_confirm, name="register_confirm"),
    path("login", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),  # POST only (Django 5)
    path(
        "password-reset",
        passwords.PasswordResetView.as_view(
            success_url=_reset_done,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(success_url=_reset_complete),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("welcome", views.welcome, name="welcome"),
    path("orgs/new", views.org_new, name="org_new"),
    path("orgs/switch", views.org_switch, name="org_switch"),
    path("keys", views.keys, name="keys"),
    path("keys/<str:key_id>/revoke", views.key_revoke, name="key_revoke"),
    path("team", views.team, name="team"),
    path("team/members/<int:membership_id>/role", views.member_role, name="member_role"),
    path("team/members/<int:membership_id>/remove", views.member_remove, name="member_remove"),
    path("team/invites/<str:invite_id>/revoke", views.invite_revoke, name="invite_revoke"),
    path("invites/<str:token>", views.invite_accept, name="invite_accept"),
    path("settings", views.settings_page, name="settings"),
    path("settings/delete", views.org_delete, name="org_delete"),
]
