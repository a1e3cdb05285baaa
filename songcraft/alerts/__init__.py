"""Operator alerts: things a person must act on, listed for admins and emailed to ADMIN_ALERT_EMAILS."""
