"""All tables, as SQLAlchemy Core ``Table`` objects on one :data:`metadata`.

Domain classes are not mapped; repositories translate rows to entities explicitly.
"""

from channel_manager.adapters.sqlalchemy.tables.calendar import (
    booked_nights,
    calendar_nights,
    calendar_pushes,
)
from channel_manager.adapters.sqlalchemy.tables.channel import (
    auth_states,
    connections,
    hotel_claims,
    property_mappings,
    rate_plan_mappings,
    unit_mappings,
)
from channel_manager.adapters.sqlalchemy.tables.connection_rules import connection_rules
from channel_manager.adapters.sqlalchemy.tables.feeds import calendar_feeds, feed_known_events
from channel_manager.adapters.sqlalchemy.tables.health import (
    connection_health,
    unacknowledged_reservations,
)
from channel_manager.adapters.sqlalchemy.tables.inventory import (
    api_keys,
    organizations,
    properties,
    rate_plans,
    units,
)
from channel_manager.adapters.sqlalchemy.tables.metadata import metadata
from channel_manager.adapters.sqlalchemy.tables.operations import (
    message_log,
    outbound_messages,
    sealed_secrets,
    sync_runs,
)
from channel_manager.adapters.sqlalchemy.tables.push_inbox import push_inbox
from channel_manager.adapters.sqlalchemy.tables.reservations import (
    reservation_guests,
    reservation_nightly_prices,
    reservation_room_stays,
    reservations,
)
from channel_manager.adapters.sqlalchemy.tables.web import signin_tokens, web_sessions
from channel_manager.adapters.sqlalchemy.tables.webhooks import (
    webhook_deliveries,
    webhook_events,
    webhook_subscriptions,
)

__all__ = [
    "api_keys",
    "auth_states",
    "booked_nights",
    "calendar_feeds",
    "calendar_nights",
    "calendar_pushes",
    "connection_health",
    "connection_rules",
    "connections",
    "feed_known_events",
    "hotel_claims",
    "message_log",
    "metadata",
    "organizations",
    "outbound_messages",
    "properties",
    "property_mappings",
    "push_inbox",
    "rate_plan_mappings",
    "rate_plans",
    "reservation_guests",
    "reservation_nightly_prices",
    "reservation_room_stays",
    "reservations",
    "sealed_secrets",
    "signin_tokens",
    "sync_runs",
    "unacknowledged_reservations",
    "unit_mappings",
    "units",
    "web_sessions",
    "webhook_deliveries",
    "webhook_events",
    "webhook_subscriptions",
]
