"""Endpoint rules: kinds, limits and the combinations the SageMaker API rejects at deploy time, checked at synth.

The rules read objects by the construct props' field names (``ModelEndpointProps`` and its parts); the config
model's endpoint sections use the same names, so both pass their own objects and get the same words back. A
:class:`RuleError` names the field relative to the endpoint (``variants[1].volume_size_gb``); the construct puts
its name in front, the config model the endpoint's path in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from sagemaker_platform.rules.core import RuleError, check_range, is_token
from sagemaker_platform.rules.enums import enum_problem
from sagemaker_platform.rules.instances import has_instance_storage, is_burstable
from sagemaker_platform.rules.names import RESOURCE_NAME, S3_PREFIX

EndpointKind = Literal["realtime", "serverless", "async"]
DeploymentStrategy = Literal["all_at_once", "canary", "linear", "rolling"]
ENDPOINT_KINDS: tuple[EndpointKind, ...] = ("realtime", "serverless", "async")
DEPLOYMENT_STRATEGIES: tuple[DeploymentStrategy, ...] = ("all_at_once", "canary", "linear", "rolling")

SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_MAX_CONCURRENCY = 200
# Upper bounds: no instance fleet or cooldown anywhere near them is real, and unbounded numbers reach the template.
MAX_CAPACITY = 1000
MAX_COOLDOWN_SECONDS = 86400
VOLUME_SIZE_GB = (1, 512)
CONTAINER_TIMEOUT_SECONDS = (60, 3600)
MAX_CONCURRENT_INVOCATIONS = 1000
# Guardrail limits (UpdateEndpoint's DeploymentConfig): percentages and waits per strategy.
CANARY_PERCENT = (1, 50)
LINEAR_STEP_PERCENT = (10, 50)
ROLLING_BATCH_PERCENT = (5, 50)
WAIT_SECONDS = (0, 3600)
BLUE_GREEN_TIMEOUT_SECONDS = (600, 14400)
ROLLING_TIMEOUT_SECONDS = (600, 28800)


class VariantLike(Protocol):
    @property
    def variant_name(self) -> str: ...
    @property
    def instance_type(self) -> str | None: ...
    @property
    def initial_instance_count(self) -> int: ...
    @property
    def initial_weight(self) -> float: ...
    @property
    def volume_size_gb(self) -> int | None: ...
    @property
    def model_data_download_timeout_seconds(self) -> int | None: ...
    @property
    def container_startup_health_check_timeout_seconds(self) -> int | None: ...


class ServerlessLike(Protocol):
    @property
    def memory_mb(self) -> int: ...
    @property
    def max_concurrency(self) -> int: ...
    @property
    def provisioned_concurrency(self) -> int | None: ...


class ScheduledLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def schedule(self) -> str: ...
    @property
    def min_capacity(self) -> int | None: ...
    @property
    def max_capacity(self) -> int | None: ...


class AutoscalingLike(Protocol):
    @property
    def min_capacity(self) -> int: ...
    @property
    def max_capacity(self) -> int: ...
    @property
    def target_invocations_per_instance(self) -> float | None: ...
    @property
    def target_backlog_per_instance(self) -> float | None: ...
    @property
    def custom_metric(self) -> object | None: ...
    @property
    def scale_in_cooldown_seconds(self) -> int: ...
    @property
    def scale_out_cooldown_seconds(self) -> int: ...
    @property
    def scheduled(self) -> Sequence[ScheduledLike]: ...


class DeploymentLike(Protocol):
    @property
    def strategy(self) -> str: ...
    @property
    def canary_percent(self) -> int: ...
    @property
    def linear_step_percent(self) -> int: ...
    @property
    def rolling_batch_percent(self) -> int: ...
    @property
    def wait_seconds(self) -> int: ...
    @property
    def termination_wait_seconds(self) -> int: ...
    @property
    def max_execution_timeout_seconds(self) -> int: ...


class AlarmsLike(Protocol):
    @property
    def errors_5xx(self) -> int: ...
    @property
    def model_latency_ms(self) -> int: ...
    @property
    def evaluation_periods(self) -> int: ...


class AsyncLike(Protocol):
    @property
    def output_prefix(self) -> str: ...
    @property
    def max_concurrent_invocations_per_instance(self) -> int | None: ...


class DataCaptureLike(Protocol):
    @property
    def sampling_percentage(self) -> int: ...
    @property
    def capture_input(self) -> bool: ...
    @property
    def capture_output(self) -> bool: ...


def check_endpoint(
    kind: EndpointKind,
    *,
    endpoint_name: str,
    variants: Sequence[VariantLike],
    serverless: ServerlessLike | None = None,
    async_inference: AsyncLike | None = None,
    autoscaling: AutoscalingLike | None = None,
    data_capture: DataCaptureLike | None = None,
    deployment: DeploymentLike | None = None,
    alarms: AlarmsLike | None = None,
    model_in_vpc: bool = False,
    model_network_isolation: bool = False,
) -> None:
    """Every rule the API would reject at deploy time; raises the first :class:`RuleError`."""
    RESOURCE_NAME.check("endpoint_name", endpoint_name)
    check_variants(kind, variants)
    if kind == "serverless":
        if serverless is None:
            raise RuleError("serverless", "required for a serverless endpoint", None)
        check_serverless(serverless, len(variants))
        if model_in_vpc or model_network_isolation:
            raise RuleError("model", "serverless endpoints support neither VPC nor network isolation",
                            {"vpc": model_in_vpc, "network_isolation": model_network_isolation})
        if data_capture is not None:
            raise RuleError("data_capture", "serverless endpoints do not support data capture", "DataCapture")
        if deployment is not None:
            raise RuleError("deployment", "deployment guardrails do not apply to serverless endpoints",
                            deployment.strategy)
        if autoscaling is not None:
            raise RuleError("autoscaling", "instance autoscaling does not apply to serverless endpoints",
                            "Autoscaling")
    if async_inference is not None:
        S3_PREFIX.check("async_inference.output_prefix", async_inference.output_prefix)
        check_range("async_inference.max_concurrent_invocations_per_instance",
                    async_inference.max_concurrent_invocations_per_instance, 1, MAX_CONCURRENT_INVOCATIONS)
    if data_capture is not None:
        check_range("data_capture.sampling_percentage", data_capture.sampling_percentage, 0, 100)
        if not (data_capture.capture_input or data_capture.capture_output):
            raise RuleError("data_capture", "capture the input, the output or both", "nothing")
    if autoscaling is not None:
        _under("autoscaling", check_autoscaling, kind, autoscaling)
        for i, v in enumerate(variants):
            if is_burstable(v.instance_type):
                raise RuleError(f"variants[{i}].instance_type", "burstable instances cannot be autoscaled",
                                v.instance_type)
    if deployment is not None:
        _under("deployment", check_deployment, deployment, len(variants))
    if alarms is not None:
        for name in ("errors_5xx", "model_latency_ms", "evaluation_periods"):
            if getattr(alarms, name) < 1:
                raise RuleError(f"alarms.{name}", "must be at least 1", getattr(alarms, name))


def _under(prefix: str, rule: Callable[..., None], *args: Any) -> None:
    """Apply a rule to a nested object; its fields get ``prefix`` in front."""
    try:
        rule(*args)
    except RuleError as exc:
        raise exc.under(prefix) from None


def check_variants(kind: EndpointKind, variants: Sequence[VariantLike]) -> None:
    """Unique, valid variant names, each variant valid for the kind; a serverless endpoint has exactly one."""
    seen: set[str] = set()
    for i, v in enumerate(variants):
        RESOURCE_NAME.check(f"variants[{i}].variant_name", v.variant_name)
        if v.variant_name in seen:
            raise RuleError(f"variants[{i}].variant_name", "variant names must be unique", v.variant_name)
        seen.add(v.variant_name)
        _under(f"variants[{i}]", check_variant, kind, v)
    if kind == "serverless" and len(variants) > 1:
        raise RuleError("variants", "a serverless endpoint takes exactly one variant", len(variants))


def check_variant(kind: EndpointKind, v: VariantLike) -> None:
    """One production variant: serverless ones take no instance settings; others a hosting instance type."""
    if kind == "serverless":
        if v.instance_type is not None:
            raise RuleError("instance_type", "serverless variants take no instance type", v.instance_type)
        if v.volume_size_gb is not None:
            raise RuleError("volume_size_gb", "serverless variants take no volume", v.volume_size_gb)
        return
    if v.instance_type is None:
        raise RuleError("instance_type", f"required for {kind} endpoints", None)
    problem = enum_problem("HOSTING_INSTANCE_TYPES", v.instance_type)
    if problem is not None:
        raise RuleError("instance_type", problem, v.instance_type)
    check_range("initial_instance_count", v.initial_instance_count, 1, MAX_CAPACITY)
    if v.initial_weight <= 0:
        raise RuleError("initial_weight", "must be greater than 0", v.initial_weight)
    check_range("volume_size_gb", v.volume_size_gb, *VOLUME_SIZE_GB)
    if v.volume_size_gb is not None and has_instance_storage(v.instance_type):
        raise RuleError("volume_size_gb", f"{v.instance_type} uses local NVMe storage and takes no EBS volume size",
                        v.volume_size_gb)
    check_range("model_data_download_timeout_seconds", v.model_data_download_timeout_seconds,
                *CONTAINER_TIMEOUT_SECONDS)
    check_range("container_startup_health_check_timeout_seconds",
                v.container_startup_health_check_timeout_seconds, *CONTAINER_TIMEOUT_SECONDS)


def check_serverless(sc: ServerlessLike, variant_count: int = 1) -> None:
    """Memory in the sizes SageMaker offers, concurrency 1-200, provisioned concurrency up to the maximum."""
    if sc.memory_mb not in SERVERLESS_MEMORY_MB:
        raise RuleError("serverless.memory_mb", f"must be one of {SERVERLESS_MEMORY_MB}", sc.memory_mb)
    check_range("serverless.max_concurrency", sc.max_concurrency, 1, SERVERLESS_MAX_CONCURRENCY)
    if sc.provisioned_concurrency is not None and not 1 <= sc.provisioned_concurrency <= sc.max_concurrency:
        raise RuleError("serverless.provisioned_concurrency",
                        f"must be between 1 and max_concurrency ({sc.max_concurrency})", sc.provisioned_concurrency)


def check_autoscaling(kind: EndpointKind, a: AutoscalingLike) -> None:
    """Capacity bounds, the target that fits the kind (backlog for async, invocations or a metric otherwise),
    cooldowns and scheduled capacity changes. Fields are relative to the autoscaling block."""
    check_range("max_capacity", a.max_capacity, 1, MAX_CAPACITY)
    if not 0 <= a.min_capacity <= a.max_capacity:
        raise RuleError("min_capacity", f"must be between 0 and max_capacity ({a.max_capacity})", a.min_capacity)
    if kind == "async":
        if a.target_invocations_per_instance is not None or a.custom_metric is not None:
            raise RuleError("target_invocations_per_instance",
                            "async endpoints scale on their backlog: use target_backlog_per_instance",
                            a.target_invocations_per_instance)
        if a.target_backlog_per_instance is None or a.target_backlog_per_instance <= 0:
            raise RuleError("target_backlog_per_instance", "a positive target is required for async",
                            a.target_backlog_per_instance)
    else:
        if a.min_capacity == 0:
            raise RuleError("min_capacity", "only async endpoints can scale to zero", 0)
        if a.target_backlog_per_instance is not None:
            raise RuleError("target_backlog_per_instance", "only valid for async endpoints",
                            a.target_backlog_per_instance)
        if a.target_invocations_per_instance is None and a.custom_metric is None:
            raise RuleError("target_invocations_per_instance",
                            "required for real-time autoscaling (or give custom_metric)", None)
        if a.target_invocations_per_instance is not None and a.target_invocations_per_instance <= 0:
            raise RuleError("target_invocations_per_instance", "must be positive", a.target_invocations_per_instance)
    check_range("scale_in_cooldown_seconds", a.scale_in_cooldown_seconds, 0, MAX_COOLDOWN_SECONDS)
    check_range("scale_out_cooldown_seconds", a.scale_out_cooldown_seconds, 0, MAX_COOLDOWN_SECONDS)
    for j, s in enumerate(a.scheduled):
        if s.min_capacity is None and s.max_capacity is None:
            raise RuleError(f"scheduled[{j}]", "set min_capacity, max_capacity or both", s.name)
        if s.min_capacity is not None and s.max_capacity is not None and s.min_capacity > s.max_capacity:
            raise RuleError(f"scheduled[{j}].min_capacity", f"must not exceed max_capacity ({s.max_capacity})",
                            s.min_capacity)
        if s.min_capacity == 0 and kind != "async":
            raise RuleError(f"scheduled[{j}].min_capacity", "only async endpoints can scale to zero", 0)
        try:
            check_schedule(s.schedule)
        except ValueError as exc:
            raise RuleError(f"scheduled[{j}].schedule", str(exc), s.schedule) from None


def check_deployment(d: DeploymentLike, variant_count: int) -> None:
    """Guardrail settings within UpdateEndpoint's limits; only the chosen strategy's own settings are checked.
    Fields are relative to the deployment block."""
    if d.strategy not in DEPLOYMENT_STRATEGIES:
        raise RuleError("strategy", f"must be {', '.join(DEPLOYMENT_STRATEGIES[:-1])} or rolling", d.strategy)
    if d.strategy == "canary":
        check_range("canary_percent", d.canary_percent, *CANARY_PERCENT)
    if d.strategy == "linear":
        check_range("linear_step_percent", d.linear_step_percent, *LINEAR_STEP_PERCENT)
    if d.strategy == "rolling":
        if variant_count > 1:
            raise RuleError("strategy", "rolling deployments do not support more than one variant", d.strategy)
        check_range("rolling_batch_percent", d.rolling_batch_percent, *ROLLING_BATCH_PERCENT)
        check_range("max_execution_timeout_seconds", d.max_execution_timeout_seconds, *ROLLING_TIMEOUT_SECONDS)
    else:
        check_range("max_execution_timeout_seconds", d.max_execution_timeout_seconds, *BLUE_GREEN_TIMEOUT_SECONDS)
    check_range("wait_seconds", d.wait_seconds, *WAIT_SECONDS)
    check_range("termination_wait_seconds", d.termination_wait_seconds, *WAIT_SECONDS)


# --------------------------------------------------------------------------------------------------- schedules
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
)}
_WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
# cron(Minutes Hours Day-of-month Month Day-of-week Year): (name, low, high, names)
_CRON_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)


def _cron_value(token: str, low: int, high: int, names: dict[str, int]) -> bool:
    if token.isascii() and token.isdigit():
        return low <= int(token) <= high
    return token.upper() in names


def _cron_part(part: str, field: str, low: int, high: int, names: dict[str, int]) -> bool:
    if field == "day-of-month" and (part in ("L", "LW") or (part.endswith("W") and _cron_value(part[:-1], 1, 31, {}))):
        return True
    if field == "day-of-week":
        if part == "L" or (part.endswith("L") and _cron_value(part[:-1], low, high, names)):
            return True
        if "#" in part:
            day, _, nth = part.partition("#")
            return _cron_value(day, low, high, names) and nth in ("1", "2", "3", "4", "5")
    base, slash, step = part.partition("/")
    if slash and not (step.isascii() and step.isdigit() and 1 <= int(step) <= high):
        return False
    if base == "*":
        return True
    first, dash, last = base.partition("-")
    if dash:
        return _cron_value(first, low, high, names) and _cron_value(last, low, high, names)
    return _cron_value(base, low, high, names)


def check_schedule(value: str) -> str:
    """An Application Auto Scaling (EventBridge-style) schedule: ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(<n> <unit>)``
    or ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`` with exactly one of the two day
    fields ``?``. Raises ValueError naming the part that is wrong; a token is not checked."""
    if is_token(value):
        return value
    if re.fullmatch(r"at\([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\)", value):
        return value
    rate = re.fullmatch(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)", value)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount < 1 or (amount == 1) == unit.endswith("s"):
            raise ValueError("rate(1 unit) or rate(<n> units) with n >= 1, e.g. rate(5 minutes)")
        return value
    cron = re.fullmatch(r"cron\(([^()]*)\)", value)
    if not cron:
        raise ValueError("a schedule is at(yyyy-mm-ddThh:mm:ss), rate(<n> <unit>) or cron(<6 fields>)")
    fields = cron.group(1).split(" ")
    if len(fields) != 6:
        raise ValueError(f"cron takes 6 fields separated by single spaces, got {len(fields)}")
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        if text == "?" and name in ("day-of-month", "day-of-week"):
            continue
        if not all(_cron_part(part, name, low, high, names) for part in text.split(",")):
            raise ValueError(f"cron {name} field {text!r} is not valid ({low}-{high}, ',', '-', '*', '/')")
    if (fields[2] == "?") == (fields[4] == "?"):
        raise ValueError("cron: exactly one of day-of-month and day-of-week must be '?'")
    return value


