"""Celery entry point: `celery -A celery_worker worker` and `celery -A celery_worker beat`.

Every task runs inside the Flask app context (see songcraft/celery_app.py).
"""
from songcraft import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
