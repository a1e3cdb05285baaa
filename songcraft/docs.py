"""Swagger UI assets served from the installed `swagger-ui-bundle` package: /docs works offline.

The page itself is `templates/swagger_ui.html`, which replaces flask-smorest's (its inline script
is forbidden by the Content-Security-Policy of songcraft/security.py) and starts Swagger UI from
`static/swagger-start.js`.
"""
from flask import Blueprint, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("docs_assets", __name__)


@bp.get("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
