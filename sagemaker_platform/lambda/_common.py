"""Shared helpers for the custom-resource handlers.

This folder is the Lambda code root, so handlers import this module as ``import _common``.
Only the standard library and boto3/botocore (both in the Lambda Python runtime) are used.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

# Adaptive mode adds client-side rate limiting on top of the standard retry policy, which is what we want
# when a teardown fires hundreds of DeleteApp calls at once.
CLIENT_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
)

# Stop starting new work when less than this is left of the Lambda invocation; the Provider's next
# is_complete poll picks it up. Lambda's hard limit is 15 minutes.
SAFETY_MARGIN_MS = 60_000

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
    }
)

Props = Mapping[str, Any]


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
    """Milliseconds left in this invocation (a large number when there is no Lambda context)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if getter is None:
        return 15 * 60 * 1000
    return int(getter())


def out_of_time(context: Any) -> bool:
    return remaining_ms(context) < SAFETY_MARGIN_MS


# ----------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------
def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def is_throttle(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in {"ResourceNotFound", "ResourceNotFoundException"}


# ----------------------------------------------------------------------------------------------------------
# Properties (CloudFormation sends every scalar as a string)
# ----------------------------------------------------------------------------------------------------------
def resource_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    return dict(event.get("ResourceProperties") or {})


def old_resource_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    return dict(event.get("OldResourceProperties") or {})


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
