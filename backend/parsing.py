"""Untrusted text from requests, read safely: ASCII digits only, integers within bounds, JSON of
bounded nesting. Every channel and route reads numbers and JSON through these (finding 14)."""

from __future__ import annotations

import json
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL
# Far deeper than any body this service reads (cases nest three levels, Telegram updates about
# six), far shallower than the interpreter's recursion limit that json.loads would hit.
MAX_JSON_DEPTH = 32


class JsonTooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def ascii_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit()` also accepts '²' and '①', which int() then refuses."""
    return bool(text) and text.isascii() and text.isdigit()


def whole_number(
    text: str | None, *, minimum: int = 0, maximum: int = INT32_MAX, max_length: int = 19
) -> int | None:
    """`text` as a whole number within [minimum, maximum]; None for anything else."""
    value = (text or "").strip()
    if not ascii_digits(value) or len(value) > max_length:
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def fits_int64(value: Any) -> bool:
    """No integer anywhere inside `value` (a parsed JSON document) needs more than 64 bits."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and not INT64_MIN <= item <= INT64_MAX:
            return False
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def json_depth(raw: str) -> int:
    """How deeply arrays and objects nest in the JSON text `raw` (brackets in strings ignored)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def loads_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads, refusing nesting past `max_depth` before parsing (json.loads would raise
    RecursionError, not ValueError). Raises ValueError (JsonTooDeep, UnicodeDecodeError …)."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    # Counting brackets is cheap; the exact scan runs only on text that could be too deep.
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text)
