"""Operators get a Django admin page for every model, and no page ever shows a stored secret."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import Client

from accounts.models import User
from embeds.services import embed_signing_key_ensure

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "dashboards", "embeds", "alerts", "subscriptions")
# Models shown inside their parent's page instead of on their own.
INLINE_ONLY = {"alerts.AlertState", "alerts.AlertDeliveryAttempt", "subscriptions.UnsubscribeLink"}
SECRET_FIELDS = ("secret", "secret_hash", "webhook_secret", "token_hash", "confirm_token_hash")


def _models() -> list:
    return [m for name in OUR_APPS for m in apps.get_app_config(name).get_models()]


def test_every_model_has_an_admin_page() -> None:
    missing = [
        m._meta.label
        for m in _models()
        if not admin.site.is_registered(m) and m._meta.label not in INLINE_ONLY
    ]
    assert missing == []


@pytest.fixture
def operator() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root@example.com", "pw-Strong-123"))
    return client


def test_changelists_load_searchable_and_change_pages_hide_secrets(org, operator) -> None:
    embed_signing_key_ensure(organization=org.organization)
    secrets = {
        getattr(obj, field)
        for model in _models()
        for field in SECRET_FIELDS
        if any(f.name == field for f in model._meta.fields)
        for obj in model.objects.all()
    }
    assert secrets, "the fixture should have created objects with secrets"
    for model in _models():
        if not admin.site.is_registered(model):
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        listing = operator.get(url, {"q": "x"})
        assert listing.status_code == 200, url
        for obj in model.objects.all()[:3]:
            page = operator.get(f"{url}{quote(obj.pk)}/change/").content.decode()
            leaked = [s for s in secrets if s and s in page]
            assert leaked == [], f"{url}{obj.pk}/change/ shows a secret"
