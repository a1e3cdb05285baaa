"""docs/api.md stands on its own: it lists every operation of the OpenAPI document, the README links
to it, and no document of the repository points outside it (`../shared`)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = (ROOT / "docs" / "api.md").read_text()
SECTIONS = ("/api/v1/auth", "/api/v1/orders", "/api/v1/songs", "/api/v1/files", "/api/v1/admin")


def test_every_operation_of_the_openapi_document_is_in_the_reference(app):
    spec = app.test_client().get("/api/openapi.json").json
    missing = []
    for path, operations in spec["paths"].items():
        prefix = next(p for p in SECTIONS if path.startswith(p))
        route = path[len(prefix):] or "/"
        for method in (m.upper() for m in operations if m != "parameters"):
            # `GET /{song_id}/audio`, or one row for several: `GET /{song_id}/audio`, `GET /{song_id}/video`; `GET /me`, `PATCH /me`
            if not re.search(rf"`{method} {re.escape(route)}[` ]", REFERENCE):
                missing.append(f"{method} {path}")
    assert not missing, f"operations missing from docs/api.md: {missing}"


def test_the_readme_links_the_reference_and_no_document_points_outside_the_repository():
    readme = (ROOT / "README.md").read_text()
    api_section = readme[readme.index("\n## API\n"):]
    assert "(docs/api.md)" in api_section[:600] and "/docs" in api_section[:600]
    for document in (ROOT / "README.md", ROOT / "SECURITY.md", *(ROOT / "docs").glob("*.md")):
        assert "../shared" not in document.read_text(), document
    for target in re.findall(r"\]\((?!https?://|#)([^)#]+)", REFERENCE):
        assert (ROOT / "docs" / target).resolve().exists(), target
