"""Mimics the CDK Provider framework around a handler module, with CloudFormation's event shapes."""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from fake_sagemaker import ACCOUNT, REGION, ErrorInjector, FakeSageMaker, FakeServiceCatalog, SimClock

STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/platform/11111111-2222-3333-4444-555555555555"


@dataclass
class Aws:
    clock: SimClock
    sagemaker: FakeSageMaker
    catalog: FakeServiceCatalog
    injectors: dict[str, ErrorInjector]
    created: Counter[str] = field(default_factory=Counter)


# The handlers' Lambda timeout (HandlerProvider and CanvasIdleShutdown set 5 minutes; a construct test checks it).
LAMBDA_TIMEOUT_MS = 300_000


class FakeContext:
    """A Lambda context. With a clock, each invocation (``begin``) gets ``timeout_ms`` of simulated time and the
    remaining time shrinks as the clock advances; without one, the remaining time is fixed."""

    def __init__(self, function_arn: str, timeout_ms: int = LAMBDA_TIMEOUT_MS, clock: SimClock | None = None) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.aws_request_id = str(uuid.uuid4())
        self.timeout_ms = timeout_ms
        self.clock = clock
        self.started = clock.time() if clock else 0.0
        self.longest_ms = 0.0  # the longest invocation seen, in simulated milliseconds

    def begin(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        if self.clock is not None:
            self.started = self.clock.time()

    def end(self) -> None:
        """Record the invocation; fail like Lambda does when it ran past the timeout."""
        if self.clock is None:
            return
        used = (self.clock.time() - self.started) * 1000
        self.longest_ms = max(self.longest_ms, used)
        if used > self.timeout_ms:
            raise AssertionError(f"Task timed out after {self.timeout_ms / 1000:.2f} seconds (used {used / 1000:.1f})")

    def get_remaining_time_in_millis(self) -> int:
        if self.clock is None:
            return self.timeout_ms
        return int(self.timeout_ms - (self.clock.time() - self.started) * 1000)


def cfn_value(value: Any) -> Any:
    """CloudFormation turns every scalar into a string (booleans into "true"/"false")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [cfn_value(v) for v in value]
    if isinstance(value, dict):
        return {k: cfn_value(v) for k, v in value.items()}
    return value


def cfn_event(
    request_type: str,
    props: dict[str, Any],
    old_props: dict[str, Any] | None = None,
    physical_id: str | None = None,
    logical_id: str = "Resource",
    resource_type: str = "Custom::Test",
) -> dict[str, Any]:
    service_token = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:provider-framework-onEvent"
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/...",
        "StackId": STACK_ID,
        "RequestId": str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": resource_type,
        "ResourceProperties": {"ServiceToken": service_token, **cfn_value(props)},
    }
    if request_type != "Create":
        assert physical_id, "Update and Delete carry the physical id"
        event["PhysicalResourceId"] = physical_id
    if request_type == "Update":
        event["OldResourceProperties"] = {"ServiceToken": service_token, **cfn_value(old_props or {})}
    return event


class Provider:
    """Runs on_event then polls is_complete like the Provider's waiter state machine (simulated clock)."""

    def __init__(
        self, module: ModuleType, clock: SimClock, context: Any, interval: float = 30, max_polls: int = 500
    ) -> None:
        self.module = module
        self.clock = clock
        self.context = context
        self.interval = interval
        self.max_polls = max_polls
        self.polls = 0
        self.physical_id: str | None = None
        self.last_props: dict[str, Any] | None = None

    def _invoke(self, function: Any, event: dict[str, Any]) -> dict[str, Any]:
        begin, end = getattr(self.context, "begin", None), getattr(self.context, "end", None)
        if begin:
            begin()
        result = function(copy.deepcopy(event), self.context) or {}
        if end:
            end()
        return dict(result)

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        result = self._invoke(self.module.on_event, event)
        physical_id = result.get("PhysicalResourceId") or (
            event["RequestId"] if event["RequestType"] == "Create" else event["PhysicalResourceId"]
        )
        if event["RequestType"] == "Delete" and physical_id != event["PhysicalResourceId"]:
            raise AssertionError("DELETE: cannot change the physical resource ID")
        waiter = {**event, **result, "PhysicalResourceId": physical_id}
        self.polls = 0
        while True:
            self.polls += 1
            if self.polls > self.max_polls:
                raise AssertionError(f"is_complete did not finish within {self.max_polls} polls")
            answer = self._invoke(self.module.is_complete, waiter)
            if answer.get("IsComplete"):
                break
            if answer.get("Data"):
                raise AssertionError('"Data" is not allowed if "IsComplete" is "False"')
            self.clock.advance(self.interval)
        response = {**waiter, **answer, "Data": {**(waiter.get("Data") or {}), **(answer.get("Data") or {})}}
        self.physical_id = physical_id
        self.last_props = event["ResourceProperties"]
        return response

    # -- convenience for a resource's lifecycle
    def create(self, props: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return self.run(cfn_event("Create", props, **kw))

    def update(
        self, props: dict[str, Any], old_props: dict[str, Any], physical_id: str | None = None, **kw: Any
    ) -> dict[str, Any]:
        return self.run(cfn_event("Update", props, old_props, physical_id or self.physical_id, **kw))

    def delete(self, props: dict[str, Any], physical_id: str | None = None, **kw: Any) -> dict[str, Any]:
        return self.run(cfn_event("Delete", props, physical_id=physical_id or self.physical_id, **kw))
