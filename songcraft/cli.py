"""Flask CLI commands."""
from __future__ import annotations

import click
from flask import Flask

from songcraft.admin import provider_checks
from songcraft.auth.models import User
from songcraft.auth.passwords import hash_password
from songcraft.auth.service import find_by_email, normalize_email
from songcraft.common.db import utcnow
from songcraft.demo import demo
from songcraft.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--password", required=True, help="At least 8 characters.")
    def create_admin(email: str, password: str) -> None:
        """Create a verified admin, or promote an existing user (and set the password)."""
        if not 8 <= len(password) <= 128:
            raise click.BadParameter("must be 8 to 128 characters", param_hint="--password")
        user = find_by_email(email) or User(email=normalize_email(email))
        user.password_hash = hash_password(password)
        user.role, user.is_active = "admin", True
        if not user.is_verified:
            user.is_verified, user.verified_at = True, utcnow()
        db.session.add(user)
        db.session.commit()
        click.echo(f"{user.email} is an admin.")

    @app.cli.command("check-providers")
    def check_providers() -> None:
        """Ask each configured provider's API whether its settings are right (ids exist, prices match); exit 1 if not."""
        rows = provider_checks.run_all()
        click.echo(provider_checks.table(rows))
        click.echo(f"\nPayment webhook URL to register: {app.config['PUBLIC_URL']}/api/v1/orders/webhooks/payment")
        if not all(row.check.ok for row in rows):
            raise click.exceptions.Exit(1)
