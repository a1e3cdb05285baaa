"""gunicorn settings for the web process: the Procfile, `make run`, the Dockerfile and
docker-compose all start it as `gunicorn --config gunicorn.conf.py wsgi:app`.

gunicorn reads the request line and headers before the app sees anything, and refuses what is
over its limits. Those limits are raised here (finite, so one connection cannot hold a worker
with an endless header), and gunicorn's own refusals answer in the API's error shape
(`{"code", "status", "message"}` in JSON) instead of its HTML page. Anything shorter reaches
the app, whose schemas give every query parameter a maximum length (422 beyond it).
"""
import json
import os
import uuid
from http import HTTPStatus

from gunicorn import util

bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

limit_request_line = 8190  # bytes of method + URL + version: gunicorn's hard maximum (its default is 4094)
limit_request_field_size = 16384  # bytes of one header line (default 8190): room for long tokens and cookies
limit_request_fields = 100  # headers per request (gunicorn's default)
control_socket_disable = True  # gunicornc is not used; one socket per user would be shared by every instance

MESSAGES = {
    414: f"The request line (method, path and query string) is longer than {limit_request_line} bytes. "
         "Send long input in a request body.",
    431: f"A request header is longer than {limit_request_field_size} bytes, or there are more than "
         f"{limit_request_fields} headers.",
}


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn sends when it refuses a request itself, in the API's error shape."""
    status = HTTPStatus(status_int)
    body = json.dumps({"code": status_int, "status": status.phrase,
                       "message": MESSAGES.get(status_int) or mesg or status.description}).encode()
    head = (f"HTTP/1.1 {status_int} {status.phrase}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Request-ID: {uuid.uuid4().hex}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_json_error  # gunicorn has no setting for its error page; workers fork after this runs
