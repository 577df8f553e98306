"""Row translation for sync runs and message log entries: their tables hold exactly the
entities' fields (enums as their values, a run's counts and errors as JSON)."""

from __future__ import annotations

from channel_manager.adapters.sqlalchemy.rows.base import flat_from_row, flat_to_row
from channel_manager.domain.messages import MessageLogEntry
from channel_manager.domain.sync import SyncRun

sync_run_to_row = flat_to_row
sync_run_from_row = flat_from_row(SyncRun)
message_log_to_row = flat_to_row
message_log_from_row = flat_from_row(MessageLogEntry)
