"""Typed, strict reading of one JSON object, for config.json.

Every error names the file and the dotted field path (e.g.
``config.json: field 'decoder.conv.kernel_sizes': expected a list of integers``)
so a hand-edited config is easy to fix. Unknown keys are refused: a typo such as
``normalise_before`` must not silently fall back to a default.
"""
from __future__ import annotations

from typing import Any

from .errors import ModelFormatError

_REQUIRED = object()


class JsonObjectReader:
    """Reads fields of one JSON object; call finish() to refuse unknown keys."""

    def __init__(self, data: Any, file: str, prefix: str) -> None:
        self.file = file
        self.prefix = prefix
        if not isinstance(data, dict):
            raise self.error("", "expected a JSON object")
        self._data: dict[str, Any] = data
        self._seen: set[str] = set()

    def field_name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix and key else (key or self.prefix)

    def error(self, key: str, problem: str) -> ModelFormatError:
        name = self.field_name(key)
        where = f"field '{name}'" if name else "top level"
        return ModelFormatError(f"{self.file}: {where}: {problem}")

    def _get(self, key: str, default: Any) -> Any:
        self._seen.add(key)
        if key in self._data:
            return self._data[key]
        if default is _REQUIRED:
            raise self.error(key, "missing required field")
        return default

    def has(self, key: str) -> bool:
        return key in self._data

    def integer(self, key: str, default: Any = _REQUIRED, minimum: int | None = None) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}")
        return value

    def optional_integer(self, key: str, minimum: int | None = None) -> int | None:
        if self._get(key, None) is None:
            return None
        return self.integer(key, minimum=minimum)

    def number(self, key: str, default: Any = _REQUIRED) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {value!r}")
        return float(value)

    def boolean(self, key: str, default: Any = _REQUIRED) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def string(self, key: str, default: Any = _REQUIRED, choices: tuple[str, ...] | None = None) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def optional_string(self, key: str) -> str | None:
        if self._get(key, None) is None:
            return None
        return self.string(key)

    def integer_list(self, key: str) -> list[int]:
        value = self._get(key, _REQUIRED)
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise self.error(key, f"expected a list of integers, got {value!r}")
        return list(value)

    def child(self, key: str, default: Any = _REQUIRED) -> JsonObjectReader | None:
        value = self._get(key, default)
        if value is None:
            return None
        return JsonObjectReader(value, self.file, self.field_name(key))

    def finish(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise self.error(unknown[0], "unknown field")
