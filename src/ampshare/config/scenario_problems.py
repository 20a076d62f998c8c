"""Pydantic errors of nested tables as Problems, and hints for ids that are not in the site.

messages.error_message reads one flat table; a scenario nests tables (a session's car, a
household's spikes), so an unknown or missing key must be looked up in the table it is in.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ampshare.config.messages import describe, error_message, key_name
from ampshare.domain import Problem

_MAX_LISTED = 8


def table_problems(where: str, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    return [Problem(where, _message(error, model)) for error in exc.errors()]


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    loc = error["loc"]
    table = _table_at(model, loc)
    key = key_name(loc)
    kind = error["type"]
    ctx = error.get("ctx", {})
    value = describe(error.get("input"))
    if kind == "value_error":
        return f"{key} {ctx.get('error', error['msg'])}" if loc else str(error["msg"])
    if kind == "extra_forbidden":
        keys = [field.alias or name for name, field in table.model_fields.items()]
        return f"unknown key {key!r} {id_hint(str(loc[-1]), keys, 'remove it or use one of')}"
    if kind == "greater_than":
        return f"{key} must be more than {ctx.get('gt', 0):g}, got {value}"
    if kind == "less_than_equal":
        return f"{key} must be {ctx.get('le', 0):g} or less, got {value}"
    if kind == "enum":
        return f"{key} must be one of {ctx.get('expected', '')}, got {value}"
    return error_message(error, table)


def _table_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The table that holds the last key of loc (loc walks through nested tables and lists)."""
    table = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        fields = {field.alias or name: field for name, field in table.model_fields.items()}
        field = fields.get(part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            break
        table = inner
    return table


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The table type inside an annotation such as `CarTable | None` or `list[SpikeEntry]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, tuple, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def id_hint(word: str, choices: Collection[str], noun: str) -> str:
    """ "(did you mean 'x'?)" for a near miss, else the choices (the first few of a long list)."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if close:
        return f"(did you mean {close[0]!r}?)"
    if not choices:
        return f"({noun}: none)"
    listed = ", ".join(repr(choice) for choice in list(choices)[:_MAX_LISTED])
    more = len(choices) - _MAX_LISTED
    return f"({noun}: {listed}" + (f" and {more} more)" if more > 0 else ")")
