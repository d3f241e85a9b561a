"""One custom-resource Provider (and one Lambda pair) per handler kind per stack, shared by every resource of
that kind. Handlers are plain files in ``sagemaker_platform/lambda`` packaged as-is: no bundling, no Docker."""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.typecheck import require

LAMBDA_DIR = Path(__file__).resolve().parent.parent / "lambda"


@functools.cache
def load_contracts() -> ModuleType:
    """The custom-resource property contracts (``lambda/_contracts.py``), loaded by its path.

    The handlers import it as a top-level module inside the function (the Lambda asset is its own code root, not
    part of this package), and the constructs build their properties from the same file, so each contract is
    written once. This is the one module the package loads by path.
    """
    spec = importlib.util.spec_from_file_location("sagemaker_platform_contracts", LAMBDA_DIR / "_contracts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module
RUNTIME = lambda_.Runtime.PYTHON_3_14
# One invocation's budget. The handlers read it from the Lambda context (get_remaining_time_in_millis), so it
# is set only here; they stop starting work when _common.SAFETY_MARGIN_MS is left.
HANDLER_TIMEOUT = cdk.Duration.minutes(5)
# The Provider's settings, passed to the handlers: is_complete bounds its polling by the waiter's deadline
# (names shared with lambda/_common.py).
TOTAL_TIMEOUT_ENV = "PROVIDER_TOTAL_TIMEOUT_SECONDS"
QUERY_INTERVAL_ENV = "PROVIDER_QUERY_INTERVAL_SECONDS"
DEFAULT_TOTAL_TIMEOUT = cdk.Duration.hours(1)
DEFAULT_QUERY_INTERVAL = cdk.Duration.seconds(30)

_NOT_IN_VPC = (
    "Custom-resource handlers call only AWS APIs. Inside the platform's isolated VPC they would need more "
    "interface endpoints, and their ENIs would hold the subnets that the teardown must release."
)
_NO_CONCURRENCY_LIMIT = (
    "Invoked only by CloudFormation for this stack; concurrency is bounded by the stack itself."
)
_NO_DLQ = (
    "The Provider framework invokes these functions synchronously and reports their failures to CloudFormation, "
    "which fails the deployment; a function's dead-letter queue only receives failed asynchronous invocations."
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
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param kind: the handler module (``lambda/<kind>.py``).
        :param waits: the handler polls until the change is done (an is-complete function and a Provider deadline).
        :param total_timeout: the Provider's deadline for one change.
        :param query_interval: how often the is-complete function polls.
        :param encryption_key: encrypts the functions' logs.
        """
        if encryption_key is not None:
            require("HandlerProvider", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        if not (LAMBDA_DIR / f"{kind}.py").is_file():
            raise ValueError(f"HandlerProvider kind: no handler module lambda/{kind}.py (got {kind!r})")
        self.kind = kind
        self.total_timeout = (total_timeout or DEFAULT_TOTAL_TIMEOUT) if waits else None
        self.query_interval = (query_interval or DEFAULT_QUERY_INTERVAL) if waits else None
        environment = {"PLATFORM_HANDLER": kind}
        if self.total_timeout is not None and self.query_interval is not None:
            environment[TOTAL_TIMEOUT_ENV] = str(int(self.total_timeout.to_seconds()))
            environment[QUERY_INTERVAL_ENV] = str(int(self.query_interval.to_seconds()))
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            removal_policy=cdk.RemovalPolicy.RETAIN,
            encryption_key=encryption_key,
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
            "timeout": HANDLER_TIMEOUT,
            "role": self.role,
            "log_group": self.log_group,
            "logging_format": lambda_.LoggingFormat.JSON,
            "environment": environment,
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
            encryption_key=encryption_key,
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
            total_timeout=self.total_timeout,
            query_interval=self.query_interval,
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
        encryption_key: kms.IKey | None = None,
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
            encryption_key=encryption_key,
        )

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def add_to_policy(self, *statements: iam.PolicyStatement) -> None:
        """Let the handler make more calls.

        :param statements: statements added to the handler role's policy.
        """
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


# ----------------------------------------------------------------------------------------------------------------
# Failure destinations for functions and rules that nothing else watches (scheduled and event-driven ones)
# ----------------------------------------------------------------------------------------------------------------
DEAD_LETTER_RETENTION = cdk.Duration.days(14)  # SQS's maximum
ALARM_PERIOD = cdk.Duration.minutes(5)
_NO_ALARM_TOPIC = (
    "No alarm topic was configured for this construct; the alarm is exposed as `.alarms` for the operator's "
    "own notification wiring and its state shows in the CloudWatch console."
)


def failure_alarm(
    scope: Construct,
    construct_id: str,
    *,
    metric: cloudwatch.IMetric,
    description: str,
    alarm_topic: sns.ITopic | None = None,
) -> cloudwatch.Alarm:
    """An alarm at one or more occurrences of ``metric`` in a period, notifying ``alarm_topic`` when given."""
    alarm = cloudwatch.Alarm(
        scope,
        construct_id,
        metric=metric,
        threshold=1,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        alarm_description=description,
    )
    if alarm_topic is None:
        acknowledge(
            alarm,
            ["HIPAA.Security-CloudWatchAlarmAction", "NIST.800.53.R5-CloudWatchAlarmAction"],
            _NO_ALARM_TOPIC,
        )
        return alarm
    alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
    alarm.add_ok_action(cloudwatch_actions.SnsAction(alarm_topic))
    # CloudWatch publishes only if the topic policy allows it (and, for an encrypted topic, its key).
    alarm_topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid=f"CloudWatchAlarm{cdk.Names.unique_id(alarm)[-40:]}",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[alarm_topic.topic_arn],
            conditions={"ArnEquals": {"aws:SourceArn": alarm.alarm_arn}},
        )
    )
    if alarm_topic.master_key is not None:
        alarm_topic.master_key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(scope).account}},
            )
        )
    return alarm


def _logical_id(construct: IConstruct) -> str:
    resource = construct.node.default_child
    if not isinstance(resource, cdk.CfnElement):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource")
    return cdk.Stack.of(construct).get_logical_id(resource)[-60:]


class DeadLetterQueue(Construct):
    """An SQS queue for events and asynchronous invocations that failed: encrypted with ``encryption_key``, SSL-only,
    messages kept 14 days, and an alarm (``alarm``) as soon as one is waiting.

    Attributes: ``queue``, ``alarm``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey,
        purpose: str,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param encryption_key: encrypts the queue.
        :param purpose: what failed deliveries it holds (used in the alarm's description).
        :param alarm_topic: notified by the alarm.
        """
        require("DeadLetterQueue", "encryption_key", encryption_key, kms.IKey)
        if alarm_topic is not None:
            require("DeadLetterQueue", "alarm_topic", alarm_topic, sns.ITopic)
        super().__init__(scope, construct_id)
        self.encryption_key = encryption_key
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=encryption_key,
            enforce_ssl=True,
            retention_period=DEAD_LETTER_RETENTION,
        )
        self.alarm = failure_alarm(
            self,
            "MessagesAlarm",
            metric=self.queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD, statistic="Maximum"),
            description=f"Failed events of {purpose} are waiting in the dead-letter queue",
            alarm_topic=alarm_topic,
        )

    def allow_eventbridge(self, rule: events.IRule, *, queue_policy: bool = True) -> None:
        """Let EventBridge put ``rule``'s undeliverable events here: the key policy, and the queue policy unless
        the rule's target added it already (``aws_events_targets`` targets do when given a dead-letter queue)."""
        if queue_policy:
            self.queue.add_to_resource_policy(
                iam.PolicyStatement(
                    # Named after the rule's logical id, not its full construct path: the same stack built in a
                    # pipeline's stage must render the same policy.
                    sid=f"EventBridgeDeadLetter{_logical_id(rule)}",
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    actions=["sqs:SendMessage"],
                    resources=[self.queue.queue_arn],
                    conditions={"ArnEquals": {"aws:SourceArn": rule.rule_arn}},
                )
            )
        # The key policy cannot name the rule (the rule depends on the queue, the queue on the key): the account
        # is the narrowest condition without a cycle.
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowEventBridgeDeadLetters",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}},
            )
        )
