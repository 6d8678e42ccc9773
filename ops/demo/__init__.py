"""Demo data for `manage.py seed_demo`: an organization that looks like a living AI-API product.

simulation    the product, its tenants and rhythms; the event generator (no database)
organization  the demo organization, owner, keys, and seeding its events
dashboard     the published demo dashboard and its alert
"""

from ops.demo.dashboard import (
    DEMO_ALERT,
    DEMO_DASHBOARD,
    DemoDashboard,
    demo_alert_ensure,
    demo_dashboard_ensure,
)
from ops.demo.organization import (
    DEFAULT_DAYS,
    DEFAULT_EVENTS,
    DEMO_ORG_NAME,
    DEMO_OWNER_EMAIL,
    DemoAccess,
    SeedResult,
    demo_access_ensure,
    demo_events_seed,
    demo_organization_get,
)
from ops.demo.simulation import (
    ENDPOINTS,
    INCIDENT,
    MODEL_MIXES,
    MODELS,
    TENANTS,
    generate_events,
)

__all__ = [
    "DEFAULT_DAYS",
    "DEFAULT_EVENTS",
    "DEMO_ALERT",
    "DEMO_DASHBOARD",
    "DEMO_ORG_NAME",
    "DEMO_OWNER_EMAIL",
    "ENDPOINTS",
    "INCIDENT",
    "MODELS",
    "MODEL_MIXES",
    "TENANTS",
    "DemoAccess",
    "DemoDashboard",
    "SeedResult",
    "demo_access_ensure",
    "demo_alert_ensure",
    "demo_dashboard_ensure",
    "demo_events_seed",
    "demo_organization_get",
    "generate_events",
]
