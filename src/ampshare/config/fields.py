"""Field types shared by the file schemas: strict numbers, ids, and the base of every table."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StringConstraints

# Ids become URL path segments and MQTT topic levels: keep them plain.
ID_PATTERN = r"^[A-Za-z0-9_.\-]+$"

EntryId = Annotated[str, StringConstraints(strict=True, min_length=1, pattern=ID_PATTERN)]

# A TOML/JSON int or float, never a string or a boolean; NaN and infinity are refused
# by the tables' allow_inf_nan=False.
Number = StrictFloat

# A reading of amps: a magnitude, never negative.
Reading = Annotated[StrictFloat, Field(ge=0)]


class Table(BaseModel):
    """One table of a file: unknown keys are errors, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)
