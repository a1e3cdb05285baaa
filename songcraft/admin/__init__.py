"""Admin and operations: dashboard statistics, user and song management, system health, audit log."""
