"""Per-route guards: body limits and secrets in the URL, on a small app of their own."""
import pytest
from flask import Flask, request

from songcraft.common.guards import body_limit, secret_in_path
from songcraft.errors import register_error_handlers


@pytest.fixture
def client():
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=1000, HOOK_SECRET="a-long-enough-secret")
    register_error_handlers(app)
    seen = []

    @app.post("/small")
    @body_limit(10)
    def small():
        return {"length": len(request.get_data())}

    @app.post("/form")
    @body_limit(10_000, max_parts=3)
    def form():
        return {"fields": len(request.form)}

    @app.post("/default")
    def default():
        return {"length": len(request.get_data())}

    @app.post("/hooks/<string:secret>")
    @secret_in_path("HOOK_SECRET")
    def hook():
        seen.append(request.get_json())
        return {"ok": True}

    client = app.test_client()
    client.seen = seen
    return client


def test_a_route_body_limit_refuses_more_with_413_in_the_error_shape(client):
    assert client.post("/small", data=b"x" * 10).json == {"length": 10}
    refused = client.post("/small", data=b"x" * 11)
    assert refused.status_code == 413 and refused.json["code"] == 413
    assert client.post("/default", data=b"x" * 1000).json == {"length": 1000}  # MAX_CONTENT_LENGTH elsewhere
    assert client.post("/default", data=b"x" * 1001).status_code == 413


def test_a_route_can_cap_multipart_parts(client):
    assert client.post("/form", data={"a": "1", "b": "2", "c": "3"}).json == {"fields": 3}
    assert client.post("/form", data={str(n): "x" for n in range(4)}, content_type="multipart/form-data").status_code == 413


def test_a_wrong_or_missing_secret_is_an_unknown_address(client):
    for path in ("/hooks/wrong", "/hooks/a-long-enough-secreT", "/hooks/a-long-enough-secret-and-more", "/hooks/"):
        response = client.post(path, json={"x": 1})
        assert response.status_code == 404 and response.json["code"] == 404
    assert client.seen == []
    assert client.post("/hooks/a-long-enough-secret", json={"x": 1}).json == {"ok": True}
    assert client.seen == [{"x": 1}]
