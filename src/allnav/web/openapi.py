"""OpenAPI descriptions for bodies the routes read themselves.

The routes parse their JSON bodies by hand (so that the JWT is checked before the
body, and errors are 400 with our problem list), so FastAPI cannot see the body
models. :func:`json_body` describes one for the OpenAPI document and remembers the
nested schemas, which :func:`install` adds to ``components.schemas``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

_REF = "#/components/schemas/{model}"
_DEFS: dict[str, Any] = {}


def schema_ref(model: type[BaseModel]) -> dict[str, Any]:
    """A ``$ref`` to ``model``, registering it (and what it nests) as a component."""
    schema = model.model_json_schema(ref_template=_REF)
    _DEFS.update(schema.pop("$defs", {}))
    _DEFS[model.__name__] = schema
    return {"$ref": _REF.format(model=model.__name__)}


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """``openapi_extra`` for a required JSON request body with ``schema``."""
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}


def json_response(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if schema is not None:
        out["content"] = {"application/json": {"schema": schema}}
    return out


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the registered body schemas."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(title=app.title, version=app.version,
                              description=app.description, routes=app.routes)
            components = doc.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in _DEFS.items():
                components.setdefault(name, schema)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
