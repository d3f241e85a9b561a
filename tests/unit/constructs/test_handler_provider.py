"""Handler time budgets and failure destinations: the Lambda timeout and the Provider's deadline reach the handlers;
the scheduled Canvas function and the approval-event rule have an encrypted dead-letter queue and alarms."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.compliance import apply_compliance, list_acknowledgements
from sagemaker_platform.constructs import handler_provider as hp
from sagemaker_platform.constructs.canvas import CanvasIdleShutdown
from sagemaker_platform.constructs.domain import ImportedStudioDomain
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup
from sagemaker_platform.constructs.teardown import StudioTeardown

ROOT = Path(__file__).resolve().parents[3]
ACCOUNT = "111111111111"
FOURTEEN_DAYS = 14 * 24 * 3600


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The Lambda asset folder is the handlers' code root: ``_common`` imports its sibling ``_contracts`` from there.
if str(hp.LAMBDA_DIR) not in sys.path:
    sys.path.insert(0, str(hp.LAMBDA_DIR))
_common = _load("handler_common", hp.LAMBDA_DIR / "_common.py")
# The handler tests' harness (it imports its fakes as top-level modules, as the handler tests do).
if str(ROOT / "tests" / "handlers") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "handlers"))
harness = importlib.import_module("provider_harness")


def _stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "T", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))


def _functions(template: Template, handler_suffix: str) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in template.find_resources("AWS::Lambda::Function").values()
        if str(r["Properties"].get("Handler", "")).endswith(handler_suffix)
    ]


def _waiter_retry(template: Template) -> tuple[int, int]:
    """(IntervalSeconds, MaxAttempts) of the Provider's waiter state machine."""
    (machine,) = template.find_resources("AWS::StepFunctions::StateMachine").values()
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    interval = re.search(r'IntervalSeconds\\\\?":(\d+)', definition)
    attempts = re.search(r'MaxAttempts\\\\?":(\d+)', definition)
    assert interval and attempts, definition
    return int(interval.group(1)), int(attempts.group(1))


# ------------------------------------------------------------------------------------------------ time budget
def test_handler_budget_matches_the_lambda_timeout() -> None:
    """The handlers assume what the construct configures: the harness's timeout and the safety margin."""
    assert hp.HANDLER_TIMEOUT.to_milliseconds() == harness.LAMBDA_TIMEOUT_MS
    assert _common.worst_case_call_seconds() * 1000 < _common.SAFETY_MARGIN_MS < harness.LAMBDA_TIMEOUT_MS
    assert (hp.TOTAL_TIMEOUT_ENV, hp.QUERY_INTERVAL_ENV) == (_common.TOTAL_TIMEOUT_ENV, _common.QUERY_INTERVAL_ENV)


@pytest.mark.parametrize(("total", "interval"), [(None, None), (cdk.Duration.minutes(20), cdk.Duration.seconds(15))])
def test_provider_deadline_reaches_both_functions(total: cdk.Duration | None, interval: cdk.Duration | None) -> None:
    stack = _stack()
    provider = hp.HandlerProvider(stack, "P", kind="studio_teardown", total_timeout=total, query_interval=interval)
    t = Template.from_stack(stack)
    expected_total = int((total or hp.DEFAULT_TOTAL_TIMEOUT).to_seconds())
    expected_interval = int((interval or hp.DEFAULT_QUERY_INTERVAL).to_seconds())
    for suffix in ("studio_teardown.on_event", "studio_teardown.is_complete"):
        (props,) = _functions(t, suffix)
        assert props["Timeout"] == harness.LAMBDA_TIMEOUT_MS // 1000
        env = props["Environment"]["Variables"]
        assert env[hp.TOTAL_TIMEOUT_ENV] == str(expected_total)
        assert env[hp.QUERY_INTERVAL_ENV] == str(expected_interval)
    # What the handler is told is what the framework's waiter enforces.
    waiter_interval, attempts = _waiter_retry(t)
    assert waiter_interval == expected_interval
    assert waiter_interval * attempts == expected_total
    assert provider.total_timeout is not None and provider.total_timeout.to_seconds() == expected_total


def test_provider_without_waiter_passes_no_deadline() -> None:
    stack = _stack()
    hp.HandlerProvider(stack, "P", kind="bucket_cors", waits=False)
    (props,) = _functions(Template.from_stack(stack), "bucket_cors.on_event")
    assert hp.TOTAL_TIMEOUT_ENV not in props["Environment"]["Variables"]


def test_teardown_deadline_leaves_room_after_timeout_minutes() -> None:
    stack = _stack()
    domain = ImportedStudioDomain(stack, "D", domain_id="d-abc", domain_arn=None)
    StudioTeardown(stack, "Teardown", domain=domain, timeout=cdk.Duration.minutes(30))
    (props,) = _functions(Template.from_stack(stack), "studio_teardown.is_complete")
    assert props["Environment"]["Variables"][hp.TOTAL_TIMEOUT_ENV] == str(35 * 60)


# ------------------------------------------------------------------------------------------ failure destinations
def _queue_is_encrypted_ssl_only_and_kept(t: Template, key_logical_id: str) -> str:
    (queue_id,) = t.find_resources(
        "AWS::SQS::Queue",
        {
            "Properties": {
                "KmsMasterKeyId": {"Fn::GetAtt": [key_logical_id, "Arn"]},
                "MessageRetentionPeriod": FOURTEEN_DAYS,
            }
        },
    )
    t.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [{"Ref": queue_id}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Condition": {"ArnEquals": {"aws:SourceArn": Match.any_value()}},
                            }
                        ),
                    ]
                )
            },
        },
    )
    t.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "events.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            }
        },
    )
    return queue_id


def _key_id(stack: cdk.Stack, key: PlatformKey) -> str:
    arn = stack.resolve(key.key.key_arn)
    return str(arn["Fn::GetAtt"][0])


def test_canvas_idle_shutdown_has_a_dead_letter_queue_and_alarms() -> None:
    stack = _stack()
    key = PlatformKey(stack, "Key", alias="studio", description="k")
    domain = ImportedStudioDomain(stack, "D", domain_id="d-abc", domain_arn=None)
    idle = CanvasIdleShutdown(stack, "Idle", domain=domain, encryption_key=key)
    t = Template.from_stack(stack)
    queue_id = _queue_is_encrypted_ssl_only_and_kept(t, _key_id(stack, key))
    queue_arn = {"Fn::GetAtt": [queue_id, "Arn"]}

    (function,) = _functions(t, "canvas_idle.handler")
    assert function["DeadLetterConfig"] == {"TargetArn": queue_arn}
    assert function["Timeout"] == harness.LAMBDA_TIMEOUT_MS // 1000
    t.has_resource_properties(
        "AWS::Events::Rule",
        {"Targets": [Match.object_like({"DeadLetterConfig": {"Arn": queue_arn}, "RetryPolicy": Match.any_value()})]},
    )
    # The function's role can put failed invocations into the encrypted queue.
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                                "Resource": {"Fn::GetAtt": [_key_id(stack, key), "Arn"]},
                            }
                        ),
                        Match.object_like({"Action": "sqs:SendMessage", "Resource": queue_arn}),
                    ]
                )
            }
        },
    )
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    assert len(idle.alarms) == len(alarms) == 2
    by_metric = {a["Properties"]["MetricName"]: a["Properties"] for a in alarms.values()}
    assert by_metric["Errors"]["Namespace"] == "AWS/Lambda"
    assert by_metric["ApproximateNumberOfMessagesVisible"]["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [queue_id, "QueueName"]}}
    ]
    for props in by_metric.values():
        assert props["Threshold"] == 1
        assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert "AlarmActions" not in props


def test_canvas_idle_shutdown_needs_a_key() -> None:
    stack = _stack()
    domain = ImportedStudioDomain(stack, "D", domain_id="d-abc", domain_arn=None)
    with pytest.raises(ValueError, match=r"dead_letter_key.*got None"):
        CanvasIdleShutdown(stack, "Idle", domain=domain)


def test_alarm_topic_is_notified_and_may_publish() -> None:
    stack = _stack()
    key = PlatformKey(stack, "Key", alias="studio", description="k")
    topic = sns.Topic(stack, "Ops", master_key=key.key, enforce_ssl=True)
    domain = ImportedStudioDomain(stack, "D", domain_id="d-abc", domain_arn=None)
    CanvasIdleShutdown(stack, "Idle", domain=domain, encryption_key=key, alarm_topic=topic)
    t = Template.from_stack(stack)
    topic_ref = stack.resolve(topic.topic_arn)
    for alarm in t.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [topic_ref]
    t.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": "sns:Publish",
                                "Condition": {"ArnEquals": {"aws:SourceArn": Match.any_value()}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_approval_rule_has_a_dead_letter_queue_and_alarm() -> None:
    stack = _stack()
    key = PlatformKey(stack, "Key", alias="gov", description="k")
    topic = ApprovalTopic(stack, "Topic", encryption_key=key)
    group = ModelPackageGroup(stack, "G", model_package_group_name="churn", notification_topic=topic.topic)
    t = Template.from_stack(stack)
    queue_id = _queue_is_encrypted_ssl_only_and_kept(t, _key_id(stack, key))
    t.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Targets": [
                Match.object_like(
                    {
                        "DeadLetterConfig": {"Arn": {"Fn::GetAtt": [queue_id, "Arn"]}},
                        "RetryPolicy": {"MaximumRetryAttempts": 10, "MaximumEventAgeInSeconds": 86400},
                    }
                )
            ]
        },
    )
    assert group.approval_dead_letter_queue is not None
    assert len(group.alarms) == 1
    (alarm,) = t.find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"


def test_approval_rule_needs_a_key_for_its_queue() -> None:
    stack = _stack()
    plain = sns.Topic(stack, "Plain")
    with pytest.raises(ValueError, match=r"dead_letter_key"):
        ModelPackageGroup(stack, "G", model_package_group_name="churn", notification_topic=plain)
    other = PlatformKey(stack, "Key", alias="gov", description="k")
    ModelPackageGroup(
        stack, "G2", model_package_group_name="fraud", notification_topic=plain, dead_letter_key=other.key
    )
    _queue_is_encrypted_ssl_only_and_kept(Template.from_stack(stack), _key_id(stack, other))


# ------------------------------------------------------------------------------------------------ compliance
@pytest.mark.parametrize("with_topic", [False, True], ids=["no-alarm-topic", "alarm-topic"])
def test_clean_under_every_pack_with_narrow_acknowledgements(with_topic: bool) -> None:
    app = new_app(outdir=tempfile.mkdtemp(prefix="dlq-"))
    stack = cdk.Stack(app, "T", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    key = PlatformKey(stack, "Key", alias="platform", description="k")
    alarm_topic = ApprovalTopic(stack, "Ops", encryption_key=key).topic if with_topic else None
    domain = ImportedStudioDomain(stack, "D", domain_id="d-abc", domain_arn=None)
    CanvasIdleShutdown(stack, "Idle", domain=domain, encryption_key=key, alarm_topic=alarm_topic)
    topic = ApprovalTopic(stack, "Topic", encryption_key=key)
    ModelPackageGroup(
        stack, "G", model_package_group_name="churn", notification_topic=topic.topic, alarm_topic=alarm_topic
    )
    apply_compliance(app)
    app.synth()  # raises ValidationFailed on any error-level finding
    acks = {(path, rule) for path, rule, _ in list_acknowledgements(stack)}
    failure_parts = {(p, r) for p, r in acks if "DeadLetters" in p or "Alarm" in p}
    expected = {("T/G/ApprovalEventsDeadLetters/Queue", "AwsSolutions-SQS3")}
    if not with_topic:
        for alarm in (
            "T/Idle/ErrorsAlarm",
            "T/Idle/DeadLetters/MessagesAlarm",
            "T/G/ApprovalEventsDeadLetters/MessagesAlarm",
        ):
            expected |= {(alarm, f"{pack}-CloudWatchAlarmAction") for pack in ("HIPAA.Security", "NIST.800.53.R5")}
    assert failure_parts == expected
    # The scheduled function no longer needs its dead-letter findings acknowledged.
    assert not {r for p, r in acks if p.startswith("T/Idle") and r.endswith("LambdaDLQ")}
