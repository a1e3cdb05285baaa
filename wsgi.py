"""WSGI entry point: `gunicorn wsgi:app`."""
from songcraft import create_app

app = create_app()
