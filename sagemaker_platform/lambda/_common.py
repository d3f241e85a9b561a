"""Shared helpers for the custom-resource handlers.

This folder is the Lambda code root, so handlers import this module as ``import _common``.
Only the standard library and boto3/botocore (both in the Lambda Python runtime) are used.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import _contracts  # a sibling in the Lambda asset, like every handler's ``import _common``
import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# The Provider's poll loop is the outer retry: a throttled or failing call inside is_complete is tried again on
# the next poll, bounded by the deadline. So each call retries only briefly, and its worst case fits in
# SAFETY_MARGIN_MS (a Lambda timeout fails the deployment, whatever was left of the Provider's budget).
# Adaptive mode adds client-side rate limiting, which is what we want when a teardown fires hundreds of
# DeleteApp calls at once.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 15
TOTAL_ATTEMPTS = 4
MAX_BACKOFF_S = 20  # botocore's cap on the sleep before one retry
RATE_LIMIT_WAIT_S = 2  # adaptive mode's slowest token refill (0.5 requests per second)
CLIENT_CONFIG = Config(
    retries={"mode": "adaptive", "total_max_attempts": TOTAL_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
)

# Stop starting new work when less than this is left of the Lambda invocation; the Provider's next
# is_complete poll picks it up. It must cover one call's worst case (see worst_case_call_seconds).
SAFETY_MARGIN_MS = 120_000

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestThrottled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "EC2ThrottledException",
        "SlowDown",
        "BandwidthLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)
# Codes that mean "the service could not answer now" rather than "the request is wrong": the same call is
# expected to work later. Any HTTP 5xx answer counts as well, and so do connection and read timeouts.
TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "InternalServerException",
        "InternalServiceError",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
TRANSIENT_EXCEPTIONS = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)

# Set by the HandlerProvider construct from the Provider's own settings (seconds).
TOTAL_TIMEOUT_ENV = "PROVIDER_TOTAL_TIMEOUT_SECONDS"
QUERY_INTERVAL_ENV = "PROVIDER_QUERY_INTERVAL_SECONDS"
# on_event puts the request's start time in Data; the Provider hands Data to every is_complete poll.
STARTED_AT = "StartedAt"
# A not-complete answer may say what it waits for; the poll wrapper uses it in a deadline failure and removes it.
WAITING = "Waiting"

Props = Mapping[str, Any]
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


# ----------------------------------------------------------------------------------------------------------
# Clients, time and logging
# ----------------------------------------------------------------------------------------------------------
def client(service_name: str) -> Any:
    """Create a boto3 client with adaptive retries. Tests replace this factory."""
    return boto3.client(service_name, config=CLIENT_CONFIG)


def now() -> float:
    """Seconds since the epoch. Tests replace this with a simulated clock."""
    return time.time()


def log(level: str, message: str, **fields: Any) -> None:
    """Write one structured JSON log line."""
    record: dict[str, Any] = {"level": level, "message": message}
    record.update(fields)
    sys.stdout.write(json.dumps(record, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)


def log_event(handler: str, event: Mapping[str, Any]) -> None:
    """Log the request without the pre-signed response URL."""
    info(
        "request",
        handler=handler,
        request_type=event.get("RequestType"),
        logical_resource_id=event.get("LogicalResourceId"),
        physical_resource_id=event.get("PhysicalResourceId"),
        request_id=event.get("RequestId"),
        properties=resource_properties(event),
        old_properties=old_resource_properties(event) if event.get("RequestType") == "Update" else None,
    )


def remaining_ms(context: Any) -> int:
    """Milliseconds left in this invocation, from the Lambda context: it reflects the function's configured
    timeout, so the budget cannot drift from the construct's setting."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        raise TypeError(f"A Lambda context with get_remaining_time_in_millis() is required (got {context!r})")
    return int(getter())


def worst_case_call_seconds() -> float:
    """The longest one API call can take with CLIENT_CONFIG: every attempt times out, every retry backs off."""
    backoff = sum(min(2**retry, MAX_BACKOFF_S) for retry in range(TOTAL_ATTEMPTS - 1))
    return TOTAL_ATTEMPTS * (CONNECT_TIMEOUT_S + READ_TIMEOUT_S + RATE_LIMIT_WAIT_S) + backoff


def out_of_time(context: Any) -> bool:
    return remaining_ms(context) < SAFETY_MARGIN_MS


# ----------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------
def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    """The service's own message for a ClientError, else the exception's text."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Message", "") or exc)
    return str(exc)


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status is not None else None
    return None


def is_throttle(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_transient(exc: BaseException) -> bool:
    """Throttling, a 5xx answer, or a connection/read timeout: the same call may well work on the next poll."""
    if isinstance(exc, TRANSIENT_EXCEPTIONS):
        return True
    if not isinstance(exc, ClientError):
        return False
    status = http_status(exc)
    return error_code(exc) in TRANSIENT_CODES or (status is not None and status >= 500)


def error_fields(exc: BaseException) -> dict[str, Any]:
    """Structured log fields for a failed call: the service's error code and message, the operation."""
    fields: dict[str, Any] = {
        "error_type": type(exc).__name__,
        "error_code": error_code(exc) or type(exc).__name__,
        "error_message": error_message(exc),
    }
    operation = getattr(exc, "operation_name", None)
    if operation:
        fields["operation"] = operation
    status = http_status(exc)
    if status is not None:
        fields["http_status"] = status
    return fields


def describe_error(exc: BaseException) -> str:
    """One line for a failure message: "<Operation>: <Code>: <service message>"."""
    fields = error_fields(exc)
    where = f"{fields['operation']}: " if "operation" in fields else ""
    return f"{where}{fields['error_code']}: {fields['error_message']}"


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in {"ResourceNotFound", "ResourceNotFoundException"}


# ----------------------------------------------------------------------------------------------------------
# Deadlines and entry-point wrappers
# ----------------------------------------------------------------------------------------------------------
class DeadlineExceeded(TimeoutError):
    """Raised by a poll at or past its deadline, naming what it still waited for or the last service error."""


Deadline = tuple[float, str]  # (epoch seconds, what set it, for messages)


def started_at() -> str:
    """The value on_event puts in Data[STARTED_AT]."""
    return str(int(now()))


def request_started(event: Mapping[str, Any]) -> int | None:
    return as_int((event.get("Data") or {}).get(STARTED_AT), STARTED_AT)


def _env_seconds(name: str) -> int | None:
    value = as_int(os.environ.get(name), name)
    if value is not None and value <= 0:
        raise ValueError(f"Environment variable {name} must be a positive number of seconds, got {value}")
    return value


def provider_deadline(event: Mapping[str, Any]) -> Deadline | None:
    """When the Provider's waiter will give up on this request, less one query interval.

    The waiter retries ``total_timeout / query_interval`` times, one interval apart, so a poll always runs at or
    after StartedAt + total_timeout; stopping one interval earlier lets the handler fail with its own message
    instead of the framework's bare "Operation timed out".
    """
    total = _env_seconds(TOTAL_TIMEOUT_ENV)
    started = request_started(event)
    if total is None or started is None:
        return None
    interval = _env_seconds(QUERY_INTERVAL_ENV) or 0
    shown = f"{total // 60} min" if total % 60 == 0 else f"{total} s"
    return started + total - interval, f"the Provider's total timeout of {shown}"


def earliest(*deadlines: Deadline | None) -> Deadline | None:
    known = [d for d in deadlines if d is not None]
    return min(known, key=lambda d: d[0]) if known else None


def entry(name: str) -> Callable[[Handler], Handler]:
    """Wrap an on_event (or scheduled) handler: a failure is logged as one structured line carrying the
    service's error code and message, then re-raised so the Provider reports it to CloudFormation."""

    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
            try:
                return fn(event, context)
            except Exception as exc:
                error("handler failed", handler=name, **error_fields(exc))
                raise

        return run

    return wrap


DeadlineOf = Callable[[dict[str, Any]], Deadline | None]


def poll(name: str, deadline: DeadlineOf | None = None) -> Callable[[Handler], Handler]:
    """Wrap an is_complete handler so the control plane's bad moments do not fail the deployment.

    * A transient error (is_transient) from any call is logged with the service's message and answered with
      not-complete: the next poll tries again. At or past the deadline it fails instead, with that message.
    * Any other error is logged the same way and re-raised: it fails the request at once.
    * A not-complete answer at or past the deadline fails, naming what it waited for (the WAITING entry).

    The deadline is the earlier of the Provider's (provider_deadline) and the handler's own (``deadline``).
    """

    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        def run(event: dict[str, Any], context: Any) -> dict[str, Any]:
            try:
                answer = dict(fn(event, context))
            except DeadlineExceeded as exc:
                error("deadline exceeded", handler=name, **error_fields(exc))
                raise
            except Exception as exc:
                if not is_transient(exc):
                    error("handler failed", handler=name, **error_fields(exc))
                    raise
                limit = _deadline(event, deadline)
                if limit is not None and now() >= limit[0]:
                    error("transient errors lasted past the deadline", handler=name, **error_fields(exc))
                    raise DeadlineExceeded(
                        f"{name}: gave up at its deadline ({limit[1]}): the service still answers {describe_error(exc)}"
                    ) from exc
                warning(
                    "transient error; tried again on the next poll",
                    handler=name,
                    seconds_left=None if limit is None else int(limit[0] - now()),
                    **error_fields(exc),
                )
                return {"IsComplete": False}
            waiting = answer.pop(WAITING, None)
            if not answer.get("IsComplete"):
                limit = _deadline(event, deadline)
                if limit is not None and now() >= limit[0]:
                    message = f"{name}: not complete by its deadline ({limit[1]})"
                    if waiting:
                        message += f"; still waiting for {waiting}"
                    error("deadline exceeded", handler=name, waiting=waiting)
                    raise DeadlineExceeded(message)
            return answer

        return run

    return wrap


def _deadline(event: dict[str, Any], own: DeadlineOf | None) -> Deadline | None:
    return earliest(provider_deadline(event), own(event) if own is not None else None)


# ----------------------------------------------------------------------------------------------------------
# Properties (CloudFormation sends every scalar as a string)
# ----------------------------------------------------------------------------------------------------------
def resource_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    """The request's properties, checked against the contract of its resource type (``_contracts``) when it has
    one: a construct and its handler that disagree fail on the first request, naming the property."""
    return _checked(event, dict(event.get("ResourceProperties") or {}))


def old_resource_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    return dict(event.get("OldResourceProperties") or {})


def _checked(event: Mapping[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    resource_type = event.get("ResourceType")
    if isinstance(resource_type, str) and resource_type in _contracts.CONTRACTS:
        _contracts.parse(resource_type, props)
    return props


def require(props: Props, name: str) -> str:
    value = props.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"Property {name} is required")
    if not isinstance(value, str):
        raise ValueError(f"Property {name} must be a string, got {type(value).__name__}")
    return value


def optional_str(props: Props, name: str) -> str | None:
    value = props.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"Property {name} must be a string, got {type(value).__name__}")
    return value.strip() or None


def as_bool(value: Any, name: str = "value", default: bool = False) -> bool:
    """Parse CloudFormation's "true"/"false" strings (real booleans are accepted too)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ValueError(f"Property {name} must be 'true' or 'false', got {value!r}")


def as_int(value: Any, name: str = "value", default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ValueError(f"Property {name} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"Property {name} must be an integer, got {value!r}")


def as_list(value: Any, name: str = "value") -> list[str]:
    """A list of non-empty strings, without duplicates, order kept. Missing means empty."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise ValueError(f"Property {name} must be a list, got {type(value).__name__}")
    result: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item:
            raise ValueError(f"Property {name} must hold non-empty strings, got {item!r}")
        if item not in result:
            result.append(item)
    return result


_SHAPE_CACHE: dict[tuple[str, str], Any] = {}


def api_shape(service_name: str, shape_name: str) -> Any:
    """A shape from botocore's service model, e.g. ("sagemaker", "CanvasAppSettings")."""
    key = (service_name, shape_name)
    if key not in _SHAPE_CACHE:
        model = botocore.session.get_session().get_service_model(service_name)
        _SHAPE_CACHE[key] = model.shape_for(shape_name)
    return _SHAPE_CACHE[key]


def coerce_to_shape(value: Any, shape: Any, path: str = "") -> Any:
    """Convert CloudFormation's string leaves to the types the API model expects.

    Numbers and booleans arrive as strings; structures and lists are walked recursively. Unknown
    structure members are rejected so a typo fails the deployment instead of being ignored.
    """
    where = path or shape.name
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise ValueError(f"{where} must be an object, got {type(value).__name__}")
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key not in shape.members:
                allowed = ", ".join(sorted(shape.members))
                raise ValueError(f"{where}: unknown field {key!r} (allowed: {allowed})")
            result[key] = coerce_to_shape(item, shape.members[key], f"{where}.{key}")
        return result
    if kind == "list":
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, got {type(value).__name__}")
        return [coerce_to_shape(item, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise ValueError(f"{where} must be an object, got {type(value).__name__}")
        return {k: coerce_to_shape(v, shape.value, f"{where}.{k}") for k, v in value.items()}
    if kind in {"integer", "long"}:
        return as_int(value, where)
    if kind == "boolean":
        return as_bool(value, where)
    if kind in {"float", "double"}:
        if isinstance(value, bool):
            raise ValueError(f"{where} must be a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where} must be a number, got {value!r}") from exc
    return value


# ----------------------------------------------------------------------------------------------------------
# Pagination
# ----------------------------------------------------------------------------------------------------------
def paginate(
    call: Callable[..., Mapping[str, Any]],
    result_key: str,
    token_in: str = "NextToken",
    token_out: str = "NextToken",
    **kwargs: Any,
) -> Iterator[dict[str, Any]]:
    """Yield every item of a paginated list call, following the continuation token."""
    token: str | None = None
    while True:
        params = dict(kwargs)
        if token:
            params[token_in] = token
        page = call(**params)
        yield from page.get(result_key, [])
        token = page.get(token_out)
        if not token:
            return


def list_apps(sagemaker: Any, domain_id: str, **filters: Any) -> list[dict[str, Any]]:
    return list(paginate(sagemaker.list_apps, "Apps", DomainIdEquals=domain_id, MaxResults=100, **filters))


def list_spaces(sagemaker: Any, domain_id: str) -> list[dict[str, Any]]:
    return list(paginate(sagemaker.list_spaces, "Spaces", DomainIdEquals=domain_id, MaxResults=100))


def list_user_profiles(sagemaker: Any, domain_id: str) -> list[dict[str, Any]]:
    return list(paginate(sagemaker.list_user_profiles, "UserProfiles", DomainIdEquals=domain_id, MaxResults=100))


def summarize(names: list[str], limit: int = 20) -> str:
    """A bounded, readable list for error messages (CloudFormation truncates long reasons)."""
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def function_arn_parts(context: Any) -> tuple[str, str, str]:
    """(partition, region, account) from the invoked function's ARN."""
    arn = str(getattr(context, "invoked_function_arn", "") or "")
    parts = arn.split(":")
    if len(parts) < 5 or not parts[1] or not parts[3] or not parts[4]:
        raise ValueError(f"Cannot derive partition/region/account from function ARN {arn!r}")
    return parts[1], parts[3], parts[4]
