"""Dumping list pages fast: marshmallow's output, from a plan compiled once from the schema's fields.

marshmallow spends a few microseconds on every field of every object (accessor layers, per-type
checks); a page of 20 songs has about 600 fields, so dumping took longer than everything else
the request did. `FastDumpSchema.dump` walks a plan built once per schema instance from its
`dump_fields`: it reads each attribute once and converts the common types (strings, UUIDs,
numbers, booleans, ISO datetimes, nested schemas) the way their fields do; every other field
(e.g. `Function`) is converted by the field's own `_serialize`. Hooks (`pre_dump`, `post_dump`)
run as in marshmallow. The OpenAPI document still comes from the same fields, and
`tests/unit/test_fast_dump.py` checks that both dumps agree.
"""
from __future__ import annotations

from typing import Any, Callable

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value

Converter = Callable[[Any, str, Any], Any]  # (value, attribute, object) -> dumped value


def _as_is_when(output_type: type, field: fields.Field) -> Converter:
    """A value already of the output type (or None) is dumped as it is; others as the field dumps them."""

    def convert(value, attr, obj):
        return value if value is None or type(value) is output_type else field._serialize(value, attr, obj)

    return convert


def _uuid(value, attr, obj):
    return None if value is None else str(value)


def _number_of(number_type: type) -> Converter:
    def convert(value, attr, obj):
        return None if value is None else number_type(value)

    return convert


def _iso_datetime(value, attr, obj):
    return None if value is None else value.isoformat()


def _nested_of(field: fields.Field) -> Converter | None:
    """Nested(schema) and List(Nested(schema)) with a hook-free schema, dumped by its compiled plan."""
    nested = field.inner if type(field) is fields.List else field
    if type(nested) is not fields.Nested:
        return None
    schema = nested.schema
    if schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:
        return None
    dump_one, many = _compile(schema), schema.many or nested.many
    if type(field) is fields.List:
        if many:
            return None

        def each_of_list(value, attr, obj):  # List: a None item stays None
            return None if value is None else [None if item is None else dump_one(item) for item in value]

        return each_of_list

    def nested_value(value, attr, obj):
        if value is None:
            return None
        return [dump_one(item) for item in value] if many else dump_one(value)

    return nested_value


def _converter(field: fields.Field) -> Converter:
    """The fast conversion for `field`'s type where there is one, else the field's own `_serialize`."""
    kind = type(field)
    if kind in (fields.String, fields.Email):
        return _as_is_when(str, field)
    if kind is fields.UUID:
        return _uuid
    if kind is fields.Boolean:
        return _as_is_when(bool, field)
    if kind in (fields.Integer, fields.Float) and not field.as_string:
        return _number_of(field.num_type)
    if kind is fields.DateTime and field.format in (None, "iso"):
        return _iso_datetime
    return _nested_of(field) or field._serialize


def _compile(schema: Schema) -> Callable[[Any], dict]:
    """Dump one object with `schema`'s fields (hooks are its caller's business)."""
    steps = [
        (name if field.data_key is None else field.data_key, field.attribute or name, field, _converter(field))
        for name, field in schema.dump_fields.items()
    ]
    dotted = any("." in attr for _, attr, _, _ in steps)
    dict_class = schema.dict_class

    def dump_one(obj) -> dict:
        # marshmallow's accessor reads mappings by key and dotted paths step by step; plain
        # objects (ORM rows) and named rows (SQLAlchemy's `Row`) by attribute, which getattr does directly.
        read = get_value if dotted or (hasattr(type(obj), "__getitem__") and not hasattr(type(obj), "_fields")) else getattr
        dumped = dict_class()
        for key, attr, field, convert in steps:
            if field._CHECK_ATTRIBUTE:
                value = read(obj, attr, missing)
                if value is missing:
                    default = field.dump_default
                    value = default() if callable(default) else default
                    if value is missing:
                        continue
            else:  # e.g. Function: computed from the object, not read from it
                value = None
            result = convert(value, attr, obj)
            if result is not missing:
                dumped[key] = result
        return dumped

    return dump_one


class FastDumpSchema(Schema):
    """A Schema whose `dump` follows the compiled plan (see the module docstring); loading is marshmallow's."""

    def dump(self, obj: Any, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        processed = self._invoke_dump_processors(PRE_DUMP, obj, many=many, original_data=obj) if self._hooks[PRE_DUMP] else obj
        dump_one = self._dump_one()
        result = [dump_one(item) for item in processed] if many and processed is not None else dump_one(processed)
        if self._hooks[POST_DUMP]:
            result = self._invoke_dump_processors(POST_DUMP, result, many=many, original_data=obj)
        return result

    def _dump_one(self) -> Callable[[Any], dict]:
        """The plan for this instance's fields (they depend on `only` and `exclude`), compiled on first use."""
        plan = self.__dict__.get("_fast_dump_plan")
        if plan is None:
            plan = self.__dict__["_fast_dump_plan"] = _compile(self)
        return plan
