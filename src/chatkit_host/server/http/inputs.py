"""Request inputs, parsed one way for every route: JSON bodies into models, query strings into values.

Every failure is the 400 (or 415) envelope that names the parameter, worded as OpenAI words it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Literal, TypeVar, get_args, get_origin

import annotated_types
import orjson
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams
from starlette.requests import Request

from chatkit_host.server.errors import BadRequest, UnsupportedMediaType
from chatkit_host.server.http.asgi import read_body

M = TypeVar("M", bound=BaseModel)


def check_json_media_type(content_type: str | None) -> None:
    """415 unless the body is declared as JSON (or not declared at all), checked before reading it."""
    media_type = (content_type or "application/json").split(";")[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expected a JSON body (application/json), got '{media_type}'.")


def decode_json(body: bytes) -> Any:
    if not body:
        raise BadRequest("The request body is empty; expected a JSON object.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc


async def read_json(request: Request, max_bytes: int) -> Any:
    check_json_media_type(request.headers.get("content-type"))
    return decode_json(await read_body(request, max_bytes))


def param_path(loc: tuple[int | str, ...]) -> str | None:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def validation_to_bad_request(error: ValidationError) -> BadRequest:
    first = error.errors()[0]
    loc = tuple(p for p in first["loc"] if p != "body")
    param = param_path(loc)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"Unrecognized request argument supplied: {param}"
    elif first["type"] == "missing":
        message = f"Missing required parameter: '{param}'."
    elif param:
        message = f"Invalid value for '{param}': {message}."
    return BadRequest(
        message,
        param=param,
        code="invalid_value" if first["type"] != "missing" else "missing_required_parameter",
    )


def parse_model(model: type[M], payload: Any) -> M:
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise validation_to_bad_request(exc) from exc


_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]+(?:&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]+)*")
_DIGITS = re.compile(r"0|[1-9][0-9]{0,8}")


class _Unsure(Exception):
    """A value the quick check does not vouch for; pydantic decides (and words any error)."""


def _quick_int(low: int | None, high: int | None) -> Callable[[str], Any]:
    def check(value: str) -> int:
        if not _DIGITS.fullmatch(value):
            raise _Unsure
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Unsure
        return number

    return check


def _quick_choice(choices: frozenset[str]) -> Callable[[str], Any]:
    def check(value: str) -> str:
        if value not in choices:
            raise _Unsure
        return value

    return check


def _quick_str(min_length: int, max_length: int | None) -> Callable[[str], Any]:
    def check(value: str) -> str:
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            raise _Unsure
        return value

    return check


@lru_cache(maxsize=64)
def _quick_checks(model: type[BaseModel]) -> dict[str, Callable[[str], Any]] | None:
    """Per field, a check that accepts only values the model would take unchanged; None if a field is unusual."""
    checks: dict[str, Callable[[str], Any]] = {}
    for name, field in model.model_fields.items():
        low: Any = None
        high: Any = None
        max_length: int | None = None
        min_length = 0
        for constraint in field.metadata:
            if isinstance(constraint, annotated_types.Ge):
                low = constraint.ge
            elif isinstance(constraint, annotated_types.Le):
                high = constraint.le
            elif isinstance(constraint, annotated_types.MinLen):
                min_length = constraint.min_length
            elif isinstance(constraint, annotated_types.MaxLen):
                max_length = constraint.max_length
            else:
                return None
        annotation = field.annotation
        if annotation is int:
            checks[name] = _quick_int(low, high)
        elif get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation)):
            checks[name] = _quick_choice(frozenset(get_args(annotation)))
        elif annotation is str or set(get_args(annotation)) == {str, type(None)}:
            checks[name] = _quick_str(min_length, max_length)
        else:
            return None
    return checks


@lru_cache(maxsize=64)
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {name: field.get_default(call_default_factory=True) for name, field in model.model_fields.items()}


def _quick_query(model: type[BaseModel], raw: bytes) -> dict[str, Any] | None:
    """The values of a plain query string (no escapes, no blank or repeated names), or None to do it fully.

    Such a string decodes to itself, so splitting it is all Starlette's parsing would do; a value is taken
    only if pydantic would take it unchanged, so anything else still fails with pydantic's exact error.
    """
    checks = _quick_checks(model)
    if checks is None:
        return None
    values = _defaults(model).copy()
    if raw:
        text = raw.decode("latin-1")
        if not _PLAIN_QUERY.fullmatch(text):
            return None
        seen: set[str] = set()
        for part in text.split("&"):
            name, _, value = part.partition("=")
            check = checks.get(name)
            if check is None:
                continue
            if name in seen:
                return None
            seen.add(name)
            try:
                values[name] = check(value)
            except _Unsure:
                return None
    return values


def query_values(model: type[BaseModel], query_string: bytes) -> dict[str, Any]:
    """Every field of ``model`` (defaults filled in) from a raw query string, validated by ``model``.

    Values, not a model instance: this runs on the hottest routes, where building the instance would cost
    more than parsing. Failures are the 400 that FastAPI's own query validation gives.
    """
    quick = _quick_query(model, query_string)
    if quick is not None:
        return quick
    return validated_query(model, query_string)


def validated_query(model: type[BaseModel], query_string: bytes) -> dict[str, Any]:
    """What :func:`query_values` gives, always the full way (Starlette's parsing, then pydantic)."""
    params = QueryParams(query_string)
    try:
        parsed = model.model_validate({name: params[name] for name in model.model_fields if name in params})
    except ValidationError as exc:
        raise validation_to_bad_request(exc) from exc
    return parsed.model_dump()
