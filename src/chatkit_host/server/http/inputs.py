"""Request inputs, parsed one way for every route: JSON bodies into models, query strings into values.

Every failure is the 400 (or 415) envelope that names the parameter, worded as OpenAI words it.

Also the validators of the kinds of value the store cannot hold, each checked once where inputs enter
(issue 13 item 4): text with a NUL character (PostgreSQL refuses it in every text column, so it is refused in
every JSON body, query value and path value of both edges), and a mime type that is not an RFC 6838
``type/subtype`` token (it becomes a ``Content-Type`` header, where CR, LF or non-Latin-1 cannot go).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc
    check_json_text(body, payload)
    return payload


# -- text the store can hold ------------------------------------------------------------------------------

#: JSON can only carry a NUL escaped: a body without this sequence has none, and the walk is skipped
#: (a ``bytes`` search, ~0.1 us for a session body, against ~5 us for the walk).
_ESCAPED_NUL = b"\\u0000"


def nul_path(value: Any, path: str = "") -> str | None:
    """The JSON path (``params.input.content[0].text``) of the first string or key holding a NUL, or None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in key:
                return here
            found = nul_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def nul_refused(param: str) -> BadRequest:
    return BadRequest(
        f"Invalid value for '{param}': text may not contain the NUL character (\\u0000).",
        param=param,
        code="invalid_value",
    )


def check_json_text(body: bytes, payload: Any) -> None:
    """400 naming the JSON path if any string of the decoded ``body`` holds a NUL (PostgreSQL cannot store it)."""
    if _ESCAPED_NUL in body:
        param = nul_path(payload)
        if param is not None:
            raise nul_refused(param)


def check_raw_json_text(body: bytes) -> None:
    """:func:`check_json_text` for a body another parser decodes (the runtime's): decoded here only if needed."""
    if _ESCAPED_NUL in body:
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return  # not JSON: the body's own parser says so, in its words
        check_json_text(body, payload)


def check_text(param: str, value: str | None) -> None:
    """The same rule for one query or path value (or a multipart field)."""
    if value is not None and "\x00" in value:
        raise nul_refused(param)


def check_path_values(values: Mapping[str, str]) -> None:
    for name, value in values.items():
        check_text(name, value)


# -- mime types -------------------------------------------------------------------------------------------

#: RFC 6838 section 4.2: ``type/subtype``, each a restricted-name (ASCII), optionally followed by RFC 9110
#: parameters (``; charset=utf-8``). Stored in a 255-character column and sent back as ``Content-Type``.
_RESTRICTED_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
_MIME_TYPE = re.compile(rf"{_RESTRICTED_NAME}/{_RESTRICTED_NAME}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))*")
MAX_MIME_TYPE_LENGTH = 255


def check_mime_type(param: str, value: str) -> str:
    """``value`` if it is a media type (``image/png``), else the 400 naming ``param``."""
    if len(value) > MAX_MIME_TYPE_LENGTH or not _MIME_TYPE.fullmatch(value):
        shown = value[:80].encode("unicode_escape").decode("ascii")
        raise BadRequest(
            f"Invalid value for '{param}': '{shown}' is not a media type of the form type/subtype (RFC 6838).",
            param=param,
            code="invalid_value",
        )
    return value


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
    for name, value in params.multi_items():
        check_text(name, value)
    try:
        parsed = model.model_validate({name: params[name] for name in model.model_fields if name in params})
    except ValidationError as exc:
        raise validation_to_bad_request(exc) from exc
    return parsed.model_dump()
