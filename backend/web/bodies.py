"""JSON request bodies: parsed into a pydantic model, or a 4xx naming what is wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ConfigDict

from backend.errors import ValidationError
from backend.parsing import JsonTooDeep, loads_json


class Body(BaseModel):
    """A request body: fields not in the model are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], *, optional: bool = False) -> M:
    """The JSON body as `model`, or a 4xx naming what is wrong."""
    raw = request.get_data(cache=True)
    if not raw.strip() and optional:
        return model()
    if request.mimetype != "application/json":
        raise ValidationError("send JSON with Content-Type: application/json", field="body")
    try:
        data = loads_json(raw)
    except JsonTooDeep as error:
        raise ValidationError("the body nests too deeply", field="body") from error
    except ValueError as error:  # also bad UTF-8 (UnicodeDecodeError is a ValueError)
        raise ValidationError("the body is not valid JSON", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    _reject_nul(data, "")
    return model.model_validate(_whole_floats(data))


def _whole_floats(value: Any) -> Any:
    """3.0 as 3: JSON Schema's integer includes numbers with a zero fraction, and the document
    says integer, so a client may send either (the models' StrictInt refuses floats)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_floats(item) for item in value]
    return value


def _reject_nul(value: Any, path: str) -> None:
    """NUL characters cannot be stored in PostgreSQL text; name the field that holds one."""
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError("text may not contain NUL characters", field=path or "body")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_nul(item, f"{path}[{index}]")
