"""Scheduled reminders with exactly-once delivery: the shells around projections.reminders.

Modules: config (reminders.toml), outbox (the table), scan, delivery, channels, digest,
scheduler (`tracker scheduler`), calendar (`tracker calendar`).
"""

__all__: list[str] = []
