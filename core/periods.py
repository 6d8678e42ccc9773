"""The period vocabulary: the rolling periods a dashboard shows, the custom range, the windows an
alert rule may check and the bucket sizes of a time series. Dashboards, embeds, alerts, the
warehouse and both front doors take them from here."""

from datetime import timedelta

# Rolling periods end now; a dashboard's default period is one of them.
ROLLING_PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
DEFAULT_PERIOD = "7d"
CUSTOM_PERIOD = "custom"  # an explicit [from, to) range
# Every period a viewer may pick, in the picker's order.
PERIODS: tuple[str, ...] = (*ROLLING_PERIODS, CUSTOM_PERIOD)
PERIOD_LABELS: dict[str, str] = {
    "24h": "24 hours",
    "7d": "7 days",
    "30d": "30 days",
    "90d": "90 days",
    CUSTOM_PERIOD: "Custom",
}

# The windows an alert rule can use: the short ones suit a 60-second check; the long ones are
# the rolling periods (a rule without a window uses its dashboard's default period).
ALERT_WINDOWS: dict[str, timedelta] = {
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    **ROLLING_PERIODS,
}
FALLBACK_ALERT_WINDOW = "24h"

# A time series' bucket: one of the sizes, or "auto" (the warehouse picks a size for the range).
BUCKET_SIZES: tuple[str, ...] = ("hour", "day", "week", "month")
AUTO_BUCKET = "auto"
BUCKETS: tuple[str, ...] = (AUTO_BUCKET, *BUCKET_SIZES)
