"""One custom-resource Provider (and one Lambda pair) per handler kind per stack, shared by every resource of
that kind. Handlers are plain files in ``sagemaker_platform/lambda`` packaged as-is: no bundling, no Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from sagemaker_platform.compliance import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)

LAMBDA_DIR = Path(__file__).resolve().parent.parent / "lambda"
RUNTIME = lambda_.Runtime.PYTHON_3_14

_NOT_IN_VPC = (
    "Custom-resource handlers call only AWS APIs. Inside the platform's isolated VPC they would need more "
    "interface endpoints, and their ENIs would hold the subnets that the teardown must release."
)
_NO_CONCURRENCY_LIMIT = (
    "Invoked only by CloudFormation for this stack; concurrency is bounded by the stack itself."
)
_NO_DLQ = (
    "Failures are returned to CloudFormation by the Provider framework, which fails the deployment; a dead-letter "
    "queue would hold events no one replays."
)


def _pascal(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


class HandlerProvider(Construct):
    """The Lambda functions and Provider for one handler module (``lambda/<kind>.py``).

    Use :meth:`of` to get the stack's single instance; add permissions with :meth:`add_to_policy`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kind: str,
        waits: bool = True,
        total_timeout: cdk.Duration | None = None,
        query_interval: cdk.Duration | None = None,
        log_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        if not (LAMBDA_DIR / f"{kind}.py").is_file():
            raise ValueError(f"HandlerProvider kind: no handler module lambda/{kind}.py (got {kind!r})")
        self.kind = kind
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            encryption_key=log_key,
        )
        self.role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Runs the {kind} custom-resource handler",
        )
        self.log_group.grant_write(self.role)
        code = lambda_.Code.from_asset(str(LAMBDA_DIR), exclude=["__pycache__", "*.pyc"])
        common: dict[str, Any] = {
            "code": code,
            "runtime": RUNTIME,
            "architecture": lambda_.Architecture.ARM_64,
            "memory_size": 256,
            "timeout": cdk.Duration.minutes(5),
            "role": self.role,
            "log_group": self.log_group,
            "logging_format": lambda_.LoggingFormat.JSON,
            "environment": {"PLATFORM_HANDLER": kind},
        }
        self.on_event_function = lambda_.Function(self, "OnEvent", handler=f"{kind}.on_event", **common)
        self.is_complete_function = (
            lambda_.Function(self, "IsComplete", handler=f"{kind}.is_complete", **common) if waits else None
        )
        framework_logs = logs.LogGroup(
            self,
            "FrameworkLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            encryption_key=log_key,
        )
        # Separate roles for the framework's functions: one shared role would make the waiter state machine and
        # the functions that start and are started by it depend on each other's policies (a cycle).
        framework_on_event_role = iam.Role(
            self, "FrameworkOnEventRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        framework_logs.grant_write(framework_on_event_role)
        framework_waiter_role = iam.Role(
            self, "FrameworkWaiterRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        framework_logs.grant_write(framework_waiter_role)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event_function,
            is_complete_handler=self.is_complete_function,
            total_timeout=(total_timeout or cdk.Duration.hours(1)) if waits else None,
            query_interval=(query_interval or cdk.Duration.seconds(30)) if waits else None,
            log_group=framework_logs,
            framework_on_event_role=framework_on_event_role,
            framework_complete_and_timeout_role=framework_waiter_role if waits else None,
            disable_waiter_state_machine_logging=False if waits else None,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=framework_logs,
                level=cdk.aws_stepfunctions.LogLevel.ALL,
                include_execution_data=False,
            )
            if waits
            else None,
        )
        self._acknowledge()

    @classmethod
    def of(
        cls,
        scope: Construct,
        kind: str,
        *,
        waits: bool = True,
        total_timeout: cdk.Duration | None = None,
        query_interval: cdk.Duration | None = None,
        log_key: kms.IKey | None = None,
    ) -> HandlerProvider:
        """The stack's provider for ``kind``, created on first use."""
        stack = cdk.Stack.of(scope)
        construct_id = f"{_pascal(kind)}Provider"
        existing = stack.node.try_find_child(construct_id)
        if isinstance(existing, HandlerProvider):
            return existing
        return cls(
            stack,
            construct_id,
            kind=kind,
            waits=waits,
            total_timeout=total_timeout,
            query_interval=query_interval,
            log_key=log_key,
        )

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def add_to_policy(self, *statements: iam.PolicyStatement) -> None:
        for statement in statements:
            self.role.add_to_principal_policy(statement)

    def _acknowledge(self) -> None:
        acknowledge(self, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        for framework in (
            self.provider,
            self.node.find_child("FrameworkOnEventRole"),
            self.node.try_find_child("FrameworkWaiterRole"),
        ):
            if framework is None:
                continue
            acknowledge_wildcards(
                framework,
                "The Provider framework invokes its handler functions by ARN including versions (<arn>:*), and the "
                "handlers write only to their own log group's streams.",
            )
        acknowledge(
            self,
            "AwsSolutions-SF2",
            "The Provider framework's waiter state machine only polls a handler; its execution history and "
            "logs (level ALL) trace it, X-Ray would add nothing.",
        )
        acknowledge(
            self,
            [
                "HIPAA.Security-LambdaInsideVPC",
                "NIST.800.53.R5-LambdaInsideVPC",
                "PCI.DSS.321-LambdaInsideVPC",
            ],
            _NOT_IN_VPC,
        )
        acknowledge(
            self,
            ["HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency"],
            _NO_CONCURRENCY_LIMIT,
        )
        acknowledge(self, ["HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ"], _NO_DLQ)
