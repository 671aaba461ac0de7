"""Named settings a lab overrides from a YAML file (``--cnv-thresholds FILE`` and the like): the shared machinery.

Each group of settings is a frozen model whose defaults give each setting's type; :meth:`Thresholds.from_yaml`
reads a mapping of names to values, refuses unknown names and values of the wrong type or sign (one
:class:`~annotator.errors.InputError` naming the file), and lets the model's own bounds refuse the rest.
The groups live in :mod:`annotator.config` (copy number, calls, plasma) and :mod:`annotator.config_assay` (assay).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from annotator.errors import InputError


class FrozenSettings(BaseModel):
    # As the report's models: the thresholds are echoed in the JSON, whose schema marks them all required.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


def setting_problem(reason: str) -> PydanticCustomError:
    # The reason is passed as context, so braces in it are never read as a template.
    return PydanticCustomError("run_option", "{reason}", {"reason": reason})


class Thresholds(FrozenSettings):
    """Named numeric settings a lab can override from a YAML mapping; unknown names are refused."""

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}  # allowed values of the text-valued settings

    @classmethod
    def from_yaml(cls, path: str | Path) -> Self:
        import yaml

        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read thresholds ({' '.join(str(exc).split())})", path) from None
        if not isinstance(data, dict):
            raise InputError("expected a YAML mapping of threshold names to values", path)
        defaults = cls().as_dict()
        unknown = sorted(set(data) - set(defaults), key=str)
        if unknown:
            raise InputError(f"unknown threshold(s) {', '.join(map(str, unknown))}; known: {', '.join(defaults)}", path)
        values = {}
        for key, value in data.items():
            problem = cls._value_problem(key, value, defaults[key])
            if problem:
                raise InputError(f"{key}: {value!r} {problem}", path)
            default = defaults[key]
            values[key] = _typed(value, default)
        try:
            return cls(**values)
        except ValidationError as exc:  # a bound beyond non-negative (e.g. a maximum below a minimum)
            raise InputError("; ".join(f"{'.'.join(map(str, e['loc'])) or 'thresholds'}: {e['msg']}" for e in exc.errors()),
                             path) from None

    @classmethod
    def _value_problem(cls, key: str, value: Any, default: Setting) -> str | None:
        """Why ``value`` cannot replace the setting ``key`` (whose default gives its type), else None."""
        if isinstance(default, tuple):  # a band: [low, high]
            if not isinstance(value, list) or len(value) != len(default):
                return f"is not a list of {len(default)} numbers ([low, high])"
            return next((f"has {item!r}, which {p}" for item in value if (p := _number_problem(item, default[0]))), None)
        if isinstance(default, bool):
            return None if isinstance(value, bool) else "is not true or false"
        if isinstance(default, str):
            choices = cls.CHOICES.get(key, ())
            return None if value in choices else f"is not one of {', '.join(choices)}"
        return _number_problem(value, default)

    def as_dict(self) -> dict[str, Setting]:
        return self.model_dump()


Setting = float | int | bool | str | tuple[float, float]  # the types a threshold's default can have


def _number_problem(value: Any, default: float | int) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        return "is not a non-negative number"
    if isinstance(default, int) and value != int(value):
        return "is not a whole number"
    return None


def _typed(value: Any, default: Setting) -> Any:
    """A YAML value checked by ``Thresholds._value_problem``, in its default's type (1 -> 1.0, [a, b] -> (a, b))."""
    if isinstance(default, (bool, str)):
        return value
    if isinstance(default, tuple):
        return tuple(float(v) for v in value)
    return type(default)(value)
