"""``adapt``: the integration's published (pydantic v1) config class, as an Ocean config class.

Ocean's runtime parses port-app-configs with a ``ocean_runtime.PortAppConfig`` subclass (its
mapping engine reads those models). ``adapt(CONFIG_CLASS)`` returns one that additionally parses
every config with the integration's own v1 class — custom selector fields, aliases, defaults,
``@validator`` and ``@root_validator`` all run exactly as on the published framework — and keeps
that parse as ``config.native``. ``event.resource_config`` answers with the v1 twin of the
resource being synced. A v1 validation error becomes a runtime validation error at the same key
path, so ``ocean sail`` and ``ocean validate`` name it like any other config error.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import PrivateAttr, ValidationError, model_validator
from pydantic.v1 import BaseModel as V1Model
from pydantic.v1 import ValidationError as V1ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

import ocean_runtime


class AdaptedPortAppConfig(ocean_runtime.PortAppConfig):
    """Base of the adapted classes; ``native_class`` is the integration's v1 class."""

    native_class: ClassVar[type[V1Model]]
    _native: Any = PrivateAttr(default=None)
    _attributes: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def native(self) -> Any:
        """The integration's own parse of this config (an instance of ``native_class``)."""
        return self._native

    @property
    def event_attributes(self) -> dict[str, Any]:
        """``event.attributes`` of the run this config belongs to (published: per-event scratch space)."""
        return self._attributes

    @model_validator(mode="wrap")
    @classmethod
    def _parse_natively(cls, data: Any, handler: Any) -> Any:
        config = handler(data)
        if isinstance(data, Mapping):
            try:
                native = cls.native_class.parse_obj(dict(data))
            except V1ValidationError as exc:
                raise _as_runtime_error(exc, data) from None
            config._native = native
        return config

    @classmethod
    def ocean_unknown_keys(cls, data: Any) -> list[str]:
        """Key paths of ``data`` that the integration's own models do not declare (for ``ocean validate``)."""
        found: list[str] = []
        _walk(data, cls.native_class, "", found)
        return found


@functools.cache
def adapt(native_class: type[V1Model]) -> type[AdaptedPortAppConfig]:
    """The runtime config class for the integration's v1 ``PortAppConfig`` subclass (one per class)."""
    return type(
        native_class.__name__,
        (AdaptedPortAppConfig,),
        {
            "native_class": native_class,
            "__module__": native_class.__module__,
            "__doc__": native_class.__doc__,
        },
    )


def _as_runtime_error(exc: V1ValidationError, data: Any) -> ValidationError:
    details: list[InitErrorDetails] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if loc and loc[0] == "__root__":
            loc = loc[1:]
        details.append(
            {
                "type": PydanticCustomError("port_ocean_model", "{message}", {"message": error["msg"]}),
                "loc": loc,
                "input": _value_at(data, loc),
            }
        )
    return ValidationError.from_exception_data("PortAppConfig", details)


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


# -- unknown keys, judged by the v1 models ---------------------------------------------------------


def _walk(data: Any, annotation: Any, path: str, found: list[str]) -> None:
    model = _pick_model(annotation, data)
    if model is not None:
        fields: dict[str, Any] = {}
        for name, field in model.__fields__.items():
            fields[name] = field.outer_type_
            fields[field.alias] = field.outer_type_
        for key, value in data.items():
            key_path = f"{path}.{key}" if path else str(key)
            if key not in fields:
                found.append(key_path)
            else:
                _walk(value, fields[key], key_path, found)
        return
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args and isinstance(data, list):
        for index, item in enumerate(data):
            _walk(item, args[0], f"{path}[{index}]", found)
    elif origin is dict and len(args) == 2 and isinstance(data, Mapping):
        for key, value in data.items():
            _walk(value, args[1], f"{path}.{key}", found)


def _pick_model(annotation: Any, data: Any) -> type[V1Model] | None:
    if not isinstance(data, Mapping):
        return None
    candidates = [arg for arg in _flatten(annotation) if isinstance(arg, type) and issubclass(arg, V1Model)]
    for candidate in candidates:
        try:
            candidate.parse_obj(dict(data))
        except (V1ValidationError, TypeError, ValueError):
            continue
        return candidate
    if not candidates:
        return None
    return max(candidates, key=lambda model: len(set(data) & _declared(model)))


def _declared(model: type[V1Model]) -> set[str]:
    return {key for name, field in model.__fields__.items() for key in (name, field.alias)}


def _flatten(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is __import__("types").UnionType:
        return [leaf for arg in typing.get_args(annotation) for leaf in _flatten(arg)]
    return [annotation]
