"""FastDumpSchema gives exactly marshmallow's output, for every kind of field and for the real list schemas."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump

from songcraft.admin.schemas import AdminSongSchema, AdminUserSchema
from songcraft.auth.models import User
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.orders.models import Order
from songcraft.orders.schemas import OrderSchema
from songcraft.songs.models import Song, Take
from songcraft.songs.schemas import SongSchema, SongSummarySchema

NOW = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=timezone.utc)


class PartSchema(Schema):
    name = fields.String()
    weight = fields.Float()


class EveryFieldSchema(FastDumpSchema):
    text = fields.String(allow_none=True)
    email = fields.Email()
    ident = fields.UUID()
    count = fields.Integer()
    count_text = fields.Integer(as_string=True)
    ratio = fields.Float()
    flag = fields.Boolean()
    when = fields.DateTime()
    when_rfc = fields.DateTime(format="rfc")
    renamed = fields.String(data_key="publicName")
    from_elsewhere = fields.String(attribute="hidden")
    dotted = fields.String(attribute="part.name")
    defaulted = fields.String(dump_default="fallback")
    computed = fields.Function(lambda obj: f"{obj.text}!")
    part = fields.Nested(PartSchema)
    parts = fields.List(fields.Nested(PartSchema))
    many_parts = fields.Nested(PartSchema, many=True)
    tags = fields.List(fields.String())
    extra = fields.Dict()
    secret = fields.String(load_only=True)


def thing(**overrides):
    values = dict(text="hello", email="a@example.com", ident=uuid.UUID(int=7), count=3, count_text=4, ratio=0.5, flag=True,
                  when=NOW, when_rfc=NOW, renamed="r", hidden="h", part=SimpleNamespace(name="p", weight=1.5),
                  parts=[SimpleNamespace(name="a", weight=1), None], many_parts=[SimpleNamespace(name="b", weight=2.0)],
                  tags=["x", 1], extra={"k": [1, 2]}, secret="never dumped")
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.mark.parametrize("obj", [
    thing(),
    thing(text=None, ident=None, count=None, ratio=None, flag=None, when=None, part=None, parts=None, many_parts=None, tags=None),
    thing(text=b"bytes", count=2.9, ratio=3, flag=1, ident="not-a-uuid-object"),  # values of another type than the field's
    SimpleNamespace(text="only some attributes"),  # the rest are missing: skipped, or their dump_default
], ids=["full", "nones", "other-types", "missing"])
def test_every_kind_of_field_dumps_as_marshmallow_does(obj):
    schema = EveryFieldSchema()
    assert schema.dump(obj) == Schema.dump(schema, obj)
    assert schema.dump([obj, obj], many=True) == Schema.dump(schema, [obj, obj], many=True)


def test_mappings_only_exclude_and_hooks_as_marshmallow_does():
    class Hooked(FastDumpSchema):
        name = fields.String()
        size = fields.Integer()

        @pre_dump(pass_collection=False)
        def unwrap(self, row, **kwargs):
            return row["inner"]

        @post_dump
        def mark(self, data, **kwargs):
            return {**data, "marked": True}

    rows = [{"inner": {"name": "n", "size": 1}}, {"inner": {"name": "m"}}]
    for schema in (Hooked(many=True), Hooked(many=True, only=("name",)), Hooked(many=True, exclude=("name",))):
        assert schema.dump(rows) == Schema.dump(schema, rows)
    plain = EveryFieldSchema(only=("text", "count"))
    assert plain.dump({"text": "from a dict", "count": "5"}) == Schema.dump(plain, {"text": "from a dict", "count": "5"})


def test_the_list_schemas_dump_as_marshmallow_does(app):
    owner = User(id=uuid.uuid4(), email="owner@example.com", full_name=None, role="user", is_verified=True, is_active=True,
                 created_at=NOW, last_login_at=None)
    order = Order(id=uuid.uuid4(), user_id=owner.id, product="video", status="paid", amount_cents=2900, currency="USD",
                  payment_provider="sandbox", payment_url=None, created_at=NOW, paid_at=NOW + timedelta(seconds=3))
    song = Song(id=uuid.uuid4(), user_id=owner.id, order_id=order.id, title=None, recipient_name="Maya", occasion="birthday",
                genre="pop", mood="joyful", story="A story.", language="en", instrumental=False, video_format="16:9", lyrics=None,
                lyrics_rewrites=0, status="lyrics_ready", progress=30, error=None, created_at=NOW, updated_at=NOW, completed_at=None)
    song.takes = [Take(id=uuid.uuid4(), position=p, storage_key=f"k/{p}.mp3", size_bytes=1, duration_seconds=61.5, selected=False)
                  for p in (1, 2)]
    song.order = order
    song.user_email = owner.email  # what the admin list's summaries carry
    with app.app_context():  # audio_url and video_url are None here: no take is selected, no video yet
        for schema, obj in ((SongSchema(), song), (SongSummarySchema(many=True), [song]), (OrderSchema(many=True), [order]),
                            (AdminUserSchema(many=True), [owner]), (AdminSongSchema(many=True), [song])):
            assert schema.dump(obj) == Schema.dump(schema, obj)
        summary = SongSummarySchema().dump(song)
    assert "story" not in summary and "lyrics" not in summary and summary["takes"][1]["position"] == 2
