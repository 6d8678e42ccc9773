"""Limits and patterns that more than one app enforces: an id, key or name that one part of
Sightline accepts, every other part accepts too (an embed session for a tenant no event can carry
would be a dashboard that can never show data)."""

import re

MAX_TENANT_ID_LENGTH = 128
MAX_USER_ID_LENGTH = 256
MAX_INSERT_ID_LENGTH = 128

EVENT_NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,127}")
PROP_KEY_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
EVENT_NAME_RULE = "must be a letter, then letters, digits, _ . : or - (at most 128 characters)"
PROP_KEY_RULE = "is not a valid key: a letter or _, then letters, digits, _ . or - (at most 64)"

# The dashboard grid: 12 columns (spec, builder, auto-create and packing alike); a widget is
# at most 12 rows high.
GRID_COLUMNS = 12
MAX_WIDGET_ROWS = 12
