"""The OpenAPI document teaches (issue 13, "Swagger that teaches"): it is walked as a client sees it.

- every operation has a summary and a description;
- every status a route's construction lets it answer is documented: 401 with a bearer token, 404
  with an id in the path, 400, 413 and 422 with a JSON body (songcraft/common/blueprint.py adds
  them, with 403 and 429, from how the route is built);
- every property of every schema has an example, and every parameter an example or a default,
  so Swagger UI shows real values rather than "string";
- every error response shows an example of its own status (a 401 is not illustrated by a 422);
- every example satisfies its own schema (types, enums, lengths, patterns, required fields), and
  the body Swagger UI's "Try it out" builds from a request schema's examples passes that schema's
  own validation (cross-field rules included), so a newcomer's first call is not a 422.
"""
from __future__ import annotations

import copy
from http import HTTPStatus

import jsonschema
import pytest

from songcraft.extensions import api

HTTP_METHODS = {"get", "put", "post", "patch", "delete"}
REF_PREFIX = "#/components/schemas/"


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").json


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                parameters = item.get("parameters", []) + operation.get("parameters", [])
                yield f"{method.upper()} {path}", operation, parameters


def json_schema(schema: dict, spec: dict, depth: int = 0) -> dict:
    """`schema` as plain JSON Schema: references inlined, OpenAPI 3.0's `nullable` as a null type."""
    assert depth < 20, "a schema refers to itself"
    if "$ref" in schema:
        return json_schema(spec["components"]["schemas"][schema["$ref"].removeprefix(REF_PREFIX)], spec, depth + 1)
    converted = {}
    for key, value in schema.items():
        if key in ("properties",):
            converted[key] = {name: json_schema(sub, spec, depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            converted[key] = json_schema(value, spec, depth + 1)
        elif key in ("allOf", "anyOf", "oneOf"):
            converted[key] = [json_schema(sub, spec, depth + 1) for sub in value]
        else:
            converted[key] = copy.deepcopy(value)
    if converted.pop("nullable", False) and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    return converted


def is_reference(prop: dict) -> bool:
    """A property that is another schema (whose own properties carry the examples)."""
    return "$ref" in prop or "allOf" in prop or "$ref" in prop.get("items", {})


def is_file(prop: dict) -> bool:
    return prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"


def example_of(schema: dict, spec: dict):
    """What Swagger UI shows for `schema`: its example, else one built from its properties' examples."""
    if "$ref" in schema:
        return example_of(spec["components"]["schemas"][schema["$ref"].removeprefix(REF_PREFIX)], spec)
    if "example" in schema:
        return schema["example"]
    if "allOf" in schema:
        return example_of(schema["allOf"][0], spec)
    if schema.get("type") == "array":
        return [example_of(schema["items"], spec)]
    return {name: example_of(prop, spec) for name, prop in schema.get("properties", {}).items() if not is_file(prop)}


def validate(instance, schema: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in validator.iter_errors(instance)]


def test_every_operation_has_a_summary_and_a_description(spec):
    undescribed = [label for label, operation, _ in operations(spec)
                   if not operation.get("summary") or len(operation.get("description", "").strip()) < 40]
    assert not undescribed, f"Operations without a summary or a description (a docstring's paragraph after its first line): {undescribed}"


def test_every_operation_documents_the_errors_its_route_can_answer(spec):
    missing = {}
    for label, operation, parameters in operations(spec):
        expected = set()
        if operation.get("security"):
            expected.add("401")
        path_parameters = [parameter for parameter in parameters if parameter["in"] == "path"]
        if any(parameter["schema"].get("format") == "uuid" for parameter in path_parameters):
            expected.add("404")
        elif path_parameters and not {"400", "404"} & set(operation["responses"]):
            expected.add("404 (or 400 for a bad token)")
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            expected |= {"400", "413", "422"}
        if expected - set(operation["responses"]):
            missing[label] = sorted(expected - set(operation["responses"]))
    assert not missing, f"Undocumented statuses: {missing}"


@pytest.mark.parametrize(("method", "path", "status", "says"), [
    ("get", "/api/v1/songs/{song_id}", "401", "Authorization: Bearer"),  # the example, undocumented before
    ("post", "/api/v1/songs/", "403", "not verified"),  # login_required(verified=True)
    ("get", "/api/v1/admin/users", "403", "Administrators only"),  # login_required(admin=True)
    ("post", "/api/v1/auth/register", "429", "Retry-After"),  # a rate limit in the MethodView's decorators
    ("post", "/api/v1/auth/login", "429", "Retry-After"),
    ("post", "/api/v1/songs/callbacks/suno/{secret}", "429", "Too many callbacks"),  # the route's own words stay
    ("patch", "/api/v1/auth/me", "413", "larger than the server accepts"),
])
def test_a_route_s_guards_are_documented_from_how_it_is_built(spec, method, path, status, says):
    response = spec["paths"][path][method]["responses"][status]
    assert says in response["description"]
    assert response["content"]["application/json"]["schema"] == {"$ref": f"{REF_PREFIX}Error"}


def test_every_schema_property_has_an_example(spec):
    missing = [f"{name}.{prop_name}" for name, schema in spec["components"]["schemas"].items() if "example" not in schema
               for prop_name, prop in schema.get("properties", {}).items()
               if "example" not in prop and not is_reference(prop) and not is_file(prop)]
    for label, operation, _ in operations(spec):
        bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
        missing += [f"{label} {media_type}" for body in bodies for media_type, content in body.get("content", {}).items()
                    if not {"example", "examples"} & (set(content) | set(content["schema"]))
                    and not is_reference(content["schema"]) and not is_file(content["schema"])]
    assert not missing, f"Properties or bodies without an example (`metadata={{'example': ...}}` on the field): {missing}"


def test_every_parameter_has_an_example_or_a_default(spec):
    missing = {f"{label} {parameter['in']} {parameter['name']}" for label, _, parameters in operations(spec) for parameter in parameters
               if not {"example", "default"} & (set(parameter) | set(parameter["schema"]))}
    assert not missing, f"Parameters without an example (path parameters: PATH_PARAMETERS, common/examples.py): {sorted(missing)}"


def test_every_example_satisfies_its_own_schema(spec):
    wrong = {}
    for name, schema in spec["components"]["schemas"].items():
        plain = json_schema(schema, spec)
        for prop_name, prop in schema.get("properties", {}).items():
            if "example" in prop:
                errors = validate(prop["example"], plain["properties"][prop_name])
                wrong.update({f"{name}.{prop_name}: {e}": prop["example"] for e in errors})
        if not any(is_file(prop) for prop in schema.get("properties", {}).values()):  # an upload's example is a file
            wrong.update({f"{name} (built from its examples) {e}": None for e in validate(example_of(schema, spec), plain)})
    for label, _, parameters in operations(spec):
        for parameter in parameters:
            for example in (holder["example"] for holder in (parameter, parameter["schema"]) if "example" in holder):
                errors = validate(example, parameter["schema"])
                wrong.update({f"{label} ?{parameter['name']}: {e}": None for e in errors})
    assert not wrong, wrong


def test_every_error_response_shows_an_error_of_its_own_status(spec):
    """Not the error schema's one example (a 422) under a 401: each error response has its own."""
    responses = [(f"components {name}", "default" if name == "DEFAULT_ERROR" else str(HTTPStatus[name].value), response)
                 for name, response in spec["components"]["responses"].items()]
    responses += [(label, status, response) for label, operation, _ in operations(spec)
                  for status, response in operation["responses"].items()]
    error_schema = json_schema({"$ref": f"{REF_PREFIX}Error"}, spec)
    wrong = {}
    for label, status, response in responses:
        content = response.get("content", {}).get("application/json", {})
        if content.get("schema") == {"$ref": f"{REF_PREFIX}Error"}:
            example = content.get("example", {})
            expected = 500 if status == "default" else int(status)
            if example.get("code") != expected or example.get("status") != HTTPStatus(expected).phrase or validate(example, error_schema):
                wrong[f"{label} {status}"] = example
    assert not wrong, wrong


def test_try_it_out_bodies_pass_the_request_schemas_own_validation(app, spec):
    """Swagger UI prefills a request body from its examples; marshmallow, with every cross-field
    rule (an instrumental song has no lyrics, approval needs written lyrics, ...), accepts it."""
    schema_classes = {name: key[0] for key, name in api.ma_plugin.converter.refs.items()}
    refused, checked = {}, 0
    for label, operation, _ in operations(spec):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            name = body["schema"]["$ref"].removeprefix(REF_PREFIX)
            with app.test_request_context():
                errors = schema_classes[name]().validate(body.get("example") or example_of(body["schema"], spec))
            checked += 1
            if errors:
                refused[label] = errors
    assert checked >= 10 and not refused, refused
