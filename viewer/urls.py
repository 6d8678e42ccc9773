from django.urls import path

from viewer import designer, subscriptions, views

urlpatterns = [
    path("embed/<str:dashboard_id>", views.embed_page, name="embed-page"),
    path("embed/<str:dashboard_id>/config", views.embed_config, name="embed-config"),
    path("embed/<str:dashboard_id>/data", views.embed_data, name="embed-data"),
    path(
        "embed/<str:dashboard_id>/session",
        views.embed_session_exchange,
        name="embed-session-exchange",
    ),
    path("embed/<str:dashboard_id>/drill", views.embed_drill_view, name="embed-drill"),
    path("embed/<str:dashboard_id>/values", views.embed_values_view, name="embed-values"),
    path("embed/<str:dashboard_id>/export", views.embed_export_view, name="embed-export"),
    path("embed/<str:dashboard_id>/usage", views.embed_usage_beacon, name="embed-usage-beacon"),
    path("embed/<str:dashboard_id>/variant", designer.embed_variant, name="embed-variant"),
    path(
        "embed/<str:dashboard_id>/subscriptions",
        subscriptions.embed_subscriptions,
        name="embed-subscriptions",
    ),
    path(
        "embed/<str:dashboard_id>/subscriptions/<str:subscription_id>",
        subscriptions.embed_subscription,
        name="embed-subscription",
    ),
    path(
        "subscriptions/confirm/<str:token>", subscriptions.confirm_page, name="subscription-confirm"
    ),
    path(
        "subscriptions/unsubscribe/<str:token>",
        subscriptions.unsubscribe_page,
        name="subscription-unsubscribe",
    ),
    path("sdk/embed.js", views.sdk_js, name="embed-sdk"),
]
