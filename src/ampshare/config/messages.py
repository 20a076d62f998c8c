"""Pydantic's validation errors rewritten as Problems a site operator can act on."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ampshare.domain import Problem

_EXPECTED = {
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "finite_number": "a finite number",
    "dict_type": "a table (object) of keys",
    "model_type": "a table (object) of keys",
}
_NUMERIC = {"float_type", "int_type", "finite_number"}
_MAX_SHOWN_CHARS = 40


def suggestion(word: str, choices: Collection[str], noun: str = "known") -> str:
    """ "(did you mean 'x'?)" for a near miss, else "(known: 'a', 'b')"."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"(did you mean {close[0]!r}?)"
    if not choices:
        return f"({noun}: none)"
    return f"({noun}: " + ", ".join(repr(choice) for choice in choices) + ")"


def describe(value: object) -> str:
    """A value as the user wrote it, shortened."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    text = repr(value)
    if len(text) > _MAX_SHOWN_CHARS:
        text = text[: _MAX_SHOWN_CHARS - 3] + "..."
    return f"the string {text}" if isinstance(value, str) else text


def key_name(loc: Iterable[int | str]) -> str:
    """("current_a", 1) -> "current_a[1]"."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _looks_numeric(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        float(value)
    except ValueError:
        return False
    return True


def error_message(error: ErrorDetails, model: type[BaseModel]) -> str:
    """One pydantic error as a sentence naming the key and saying what to do."""
    kind = error["type"]
    loc = error["loc"]
    key = key_name(loc)
    value = error.get("input")
    if kind == "extra_forbidden":
        hint = suggestion(str(loc[-1]), model.model_fields, noun="remove it or use one of")
        return f"unknown key {key!r} {hint}"
    if kind == "missing":
        field = model.model_fields.get(str(loc[-1]))
        about = f" ({field.description})" if field is not None and field.description else ""
        return f"missing required key {key!r}{about}: add it"
    if not loc and kind in ("model_type", "dict_type"):
        return f"must be a table (object) of keys, got {describe(value)}"
    if kind in _EXPECTED:
        hint = ": remove the quotes" if kind in _NUMERIC and _looks_numeric(value) else ""
        return f"{key} must be {_EXPECTED[kind]}, got {describe(value)}{hint}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{key} must be one of {expected}, got {describe(value)}"
    if kind == "string_pattern_mismatch":
        return (
            f"{key} {value!r} may only use letters, digits, '-', '_' and '.' "
            "(ids become URL paths and MQTT topics)"
        )
    if kind == "greater_than_equal":
        least = error.get("ctx", {}).get("ge", 0)
        return f"{key} must be {least:g} or more, got {describe(value)}"
    if kind == "string_too_short":
        return f"{key} must not be empty"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error["msg"]))
    return f"{key}: {error['msg']}, got {describe(value)}"


def validation_problems(where: str, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    return [Problem(where, error_message(error, model)) for error in exc.errors()]
