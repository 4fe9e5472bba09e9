"""The staff dashboard (placeholder page until the dashboard issue lands)."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

dashboard = Blueprint("dashboard", __name__)


@dashboard.get("/")
def home() -> ResponseReturnValue:
    return ("<!doctype html><meta charset=utf-8><title>After-sales service desk</title>"
            "<h1>After-sales service desk · 애프터서비스 데스크</h1>"
            "<p>API: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a></p>")
