"""A second Sightline process for test_revocation_across_processes: it verifies the tokens it
reads on stdin (one `<dashboard id> <token>` per line) with `embed_session_verify`, its own
per-process caches included, and answers `ok` or the refusal's code, one line each."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from embeds.selectors import embed_session_verify  # noqa: E402
from embeds.tokens import InvalidToken  # noqa: E402

print("ready", flush=True)
for line in sys.stdin:
    dashboard_id, token = line.split()
    try:
        embed_session_verify(token=token, dashboard_id=dashboard_id)
        print("ok", flush=True)
    except InvalidToken as error:
        print(error.code, flush=True)
