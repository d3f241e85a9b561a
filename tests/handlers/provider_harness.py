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


class FakeContext:
    def __init__(self, function_arn: str, remaining_ms: int = 900_000) -> None:
        self.invoked_function_arn = function_arn
        self.function_name = function_arn.rsplit(":", 1)[-1]
        self.aws_request_id = str(uuid.uuid4())
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


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

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        result = self.module.on_event(copy.deepcopy(event), self.context) or {}
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
            answer = self.module.is_complete(copy.deepcopy(waiter), self.context)
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
