"""The API's reference page (``/docs``): Swagger UI from the installed swagger-ui-py
package, served by this server (no CDN: it works offline and behind a firewall), over a
schema that says how to send a key."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
UNLOCKED = {"/health"}  # answered without a key

router = APIRouter(include_in_schema=False)


@cache
def _assets() -> Path:
    """Swagger UI's files in the swagger-ui-py package (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise HTTPException(404, detail="Swagger UI is not installed (pip install swagger-ui-py)")
    return Path(spec.submodule_search_locations[0]) / "static"


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="jejak API",
        swagger_js_url="/static/docs/swagger-ui-bundle.js",
        swagger_css_url="/static/docs/swagger-ui.css",
        swagger_favicon_url="/static/docs/favicon-32x32.png",
    )


@router.get("/static/docs/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404)
    return FileResponse(_assets() / name, headers={"Cache-Control": "max-age=86400"})


def with_bearer(app: FastAPI) -> None:
    """The app's schema with its bearer scheme: every operation but :data:`UNLOCKED`
    takes ``Authorization: Bearer <key>`` (so /docs offers to send one)."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = plain()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "the read key for analyses and loads, the write key for the"
                " collector (jejak serve prints them when it makes them)",
            }
        }
        for path, operations in schema["paths"].items():
            if path not in UNLOCKED:
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
