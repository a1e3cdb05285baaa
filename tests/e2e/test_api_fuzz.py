"""Property-based fuzzing of the whole HTTP API with Schemathesis, against the in-process WSGI app.

Every documented operation is called with generated (valid and invalid) input, as a verified
customer or, for /api/v1/admin, as an administrator. Each response must not be a server error,
must match the schema documented for its status code, and its status code must be one the
operation documents explicitly (the contract: the OpenAPI document describes every error).

Hypothesis decides per request whether the path carries the real ids of the customer's own
order and song (and of a bystander account for admin routes) or the generated values (random
UUIDs or garbage, which must give a JSON 404). The song pipeline is never started:
`pipeline.dispatch` is a no-op, so no worker is needed. Generation is derandomized, so every run
sends the same requests.

One test with a subtest per operation rather than `schemathesis.pytest.from_fixture`: that lazy
loader (schemathesis 4.32.5) sets `request.node._nodeid`, which pytest 9.2 no longer has.
"""
from __future__ import annotations

import uuid

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.integration.test_songs import start_song

# POST /orders/webhooks/payment: its body must carry a valid HMAC of the raw bytes, which a
# generator cannot produce, so it would only ever exercise the 401 branch (covered by
# tests/integration/test_orders.py); fuzzing it adds nothing.
UNFUZZABLE = {"POST /api/v1/orders/webhooks/payment"}

EXAMPLES_PER_OPERATION = 15


def status_code_is_documented(ctx, response, case):
    """Schemathesis' own status_code_conformance accepts any status when an operation has a
    `default` response, and flask-smorest gives every operation one; this check ignores
    `default` so each status the API returns must be listed for its operation."""
    documented = [code for code in case.operation.responses.status_codes if code != "default"]
    status = str(response.status_code)
    if not any(code == status or (code[1:].upper() == "XX" and code[0] == status[0]) for code in documented):
        raise AssertionError(f"Undocumented status code {status} for {case.operation.label}; documented: {', '.join(documented)}")


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_is_documented]


class World:
    """The data the fuzzed requests act on: a verified customer with a paid order and a song,
    an administrator, and a bystander account for the admin user routes to act on."""

    def __init__(self, app, client, make_account):
        self.app, self.client = app, client
        self.customer = make_account()
        self.admin = make_account(role="admin")
        self.bystander = make_account()
        self._song = start_song(client, app, self.customer)
        self.order_id = self._song["order_id"]

    def song_id(self) -> str:
        """The customer's song; a fresh one once a fuzzed DELETE has removed it."""
        from songcraft.extensions import db
        from songcraft.songs.models import Song

        with self.app.app_context():
            exists = db.session.scalar(sa.select(Song.id).where(Song.id == uuid.UUID(self._song["id"])))
        if exists is None:
            self._song = start_song(self.client, self.app, self.customer)
        return self._song["id"]

    def real_ids(self) -> dict:
        return {"order_id": self.order_id, "song_id": self.song_id(), "user_id": self.bystander.id}

    def headers_for(self, case) -> dict:
        """A fresh token per request, so a fuzzed logout or password change cannot lock the run out."""
        from songcraft.auth.models import User
        from songcraft.auth.tokens import issue_pair
        from songcraft.extensions import db

        account = self.admin if case.path.startswith("/api/v1/admin") else self.customer
        with self.app.app_context():
            pair = issue_pair(db.session.get(User, uuid.UUID(account.id)))
            db.session.commit()
        token = pair.refresh_token if case.path == "/api/v1/auth/refresh" else pair.access_token
        return {"Authorization": f"Bearer {token}"}

    def aim(self, case) -> None:
        """Replace the generated ids in the path by the real ones."""
        real = self.real_ids()
        for name in case.path_parameters or {}:
            if name in real:
                case.path_parameters[name] = real[name]


@pytest.fixture
def world(app, client, make_account, monkeypatch):
    monkeypatch.setattr("songcraft.songs.pipeline.dispatch", lambda song: None)
    return World(app, client, make_account)


def fuzz(operation, world) -> None:
    """Call one operation with valid and invalid generated input, half of the time aimed at real ids."""
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, aim_at_real_ids=st.booleans())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    def call(case, aim_at_real_ids):
        if aim_at_real_ids:
            world.aim(case)
        case.call_and_validate(headers=world.headers_for(case), checks=CHECKS)

    call()


def test_every_operation_answers_as_documented(app, world, subtests):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Authentication is sent with real tokens by `World.headers_for`, never generated.
    schema.config.generation.update(with_security_parameters=False)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        if operation.label in UNFUZZABLE:
            continue
        with subtests.test(msg=operation.label):
            fuzz(operation, world)
