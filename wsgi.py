"""WSGI entry point: `gunicorn wsgi:app`."""
import gc

from songcraft import create_app

app = create_app()
# The app's long-lived objects (about 200,000: modules, routes, schemas, SQLAlchemy's metadata and
# caches) are set aside from the garbage collector, whose collections then scan only what requests
# create: before, the collections a song page's query set off took a third of its CPU time.
gc.freeze()
