"""Celery entry point: `celery -A celery_worker worker` and `celery -A celery_worker beat`.

Every task runs inside the Flask app context (see songcraft/celery_app.py).

Each pool process renders one song at a time on one core: numpy's BLAS may not start a thread per
core of its own, which only spin (about 0.7 s of a 3-minute song's 4.6 s of CPU went to them).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is first imported

from songcraft import create_app  # noqa: E402

flask_app = create_app()
celery = flask_app.extensions["celery"]
