import pytest
from django.core.exceptions import ImproperlyConfigured

from config.checks import KNOWN_DEFAULT_KEYS, refuse_unsafe_production

GOOD_KEY = "k3J9x-2mQp8Zr7Lw4Ty6Nb1Vc5Hd0Fs3Ga9Ue2Ko7Pi4Yj6Rt8Ew1Qx5Mz0Lc"


@pytest.mark.parametrize(
    ("debug", "key", "reason"),
    [
        (True, GOOD_KEY, "DEBUG"),
        (False, "", "not set"),
        (False, "django-insecure-" + GOOD_KEY, "known default"),
        (False, "changeme", "known default"),
        (False, "short-key", "at least"),
        (False, "a" * 60, "at least"),
    ],
)
def test_production_refuses_unsafe_settings(debug: bool, key: str, reason: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=reason):
        refuse_unsafe_production(True, debug, key)


@pytest.mark.parametrize("known", sorted(KNOWN_DEFAULT_KEYS))
@pytest.mark.parametrize(
    "spelling", [str, str.upper, str.lower], ids=["as-listed", "upper", "lower"]
)
def test_every_known_default_key_is_refused_as_one(known: str, spelling) -> None:
    with pytest.raises(ImproperlyConfigured, match="known default"):
        refuse_unsafe_production(True, False, spelling(known))


def test_production_accepts_a_long_random_key() -> None:
    refuse_unsafe_production(True, False, GOOD_KEY)


def test_embedded_default_is_not_checked() -> None:
    refuse_unsafe_production(False, True, "")


def test_production_start_refuses_debug_in_a_real_process(tmp_path) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SIGHTLINE_ENV": "production",
        "DEBUG": "true",
        "SECRET_KEY": GOOD_KEY,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SIGHTLINE_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DEBUG is on in production" in result.stderr
