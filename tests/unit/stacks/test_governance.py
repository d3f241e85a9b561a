"""GovernanceStack from config: groups, cards, approval topic; clean under every pack with no acknowledgement."""

from __future__ import annotations

import tempfile

import aws_cdk as cdk
from aws_cdk.assertions import Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.compliance import apply_compliance, list_acknowledgements
from sagemaker_platform.config import parse_config
from sagemaker_platform.stacks.governance import GovernanceStack

CONFIG = {
    "governance": {
        "model_package_groups": [
            {"name": "churn", "description": "Churn", "cross_account_ids": ["222222222222"],
             "approval_notifications": True},
            {"name": "fraud"},
        ],
        "model_cards": [
            {"name": "churn-card", "status": "PendingReview", "risk_rating": "Medium", "description": "d",
             "business_problem": "churn", "training_details": "t", "evaluation_details": "e",
             "custom_details": {"data_owner": "crm"}},
            {"name": "fraud-card"},
        ],
    }
}


def build(config: dict) -> tuple[cdk.App, GovernanceStack]:
    app = new_app(outdir=tempfile.mkdtemp(prefix="gov-"))
    stack = GovernanceStack(app, "Gov", config=parse_config(config),
                            env=cdk.Environment(account="111111111111", region="eu-west-1"))
    return app, stack


def test_resources_from_config() -> None:
    _, stack = build(CONFIG)
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::SageMaker::ModelPackageGroup", 2)
    t.resource_count_is("AWS::SageMaker::ModelCard", 2)
    t.resource_count_is("AWS::Events::Rule", 1)
    t.resource_count_is("AWS::SNS::Topic", 1)
    t.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    assert set(stack.model_package_groups) == {"churn", "fraud"}
    assert set(stack.model_cards) == {"churn-card", "fraud-card"}
    assert stack.approval_topic is not None


def test_no_topic_without_notifications() -> None:
    _, stack = build({"governance": {"model_package_groups": [{"name": "a"}]}})
    assert stack.approval_topic is None
    Template.from_stack(stack).resource_count_is("AWS::SNS::Topic", 0)


def test_clean_under_all_packs_without_acknowledgements() -> None:
    app, stack = build(CONFIG)
    apply_compliance(app)
    app.synth()  # raises ValidationFailed on any error-level finding
    # Only the approval events' dead-letter queue and its alarm (no alarm topic configured) are acknowledged.
    assert {(path.split("/", 2)[-1], rule) for path, rule, _ in list_acknowledgements(stack)} == {
        ("ApprovalEventsDeadLetters/Queue", "AwsSolutions-SQS3"),
        ("ApprovalEventsDeadLetters/MessagesAlarm", "HIPAA.Security-CloudWatchAlarmAction"),
        ("ApprovalEventsDeadLetters/MessagesAlarm", "NIST.800.53.R5-CloudWatchAlarmAction"),
    }
