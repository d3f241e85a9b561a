"""ModelPackageGroup: cross-account policy, approval events to an encrypted SSL-only topic, grants."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup


def test_plain_group_has_no_policy_and_is_retained(stack: cdk.Stack) -> None:
    group = ModelPackageGroup(stack, "G", model_package_group_name="churn", description="Churn models")
    t = Template.from_stack(stack)
    t.has_resource("AWS::SageMaker::ModelPackageGroup", {
        "Properties": {"ModelPackageGroupName": "churn", "ModelPackageGroupDescription": "Churn models",
                       "ModelPackageGroupPolicy": Match.absent()},
        "DeletionPolicy": "Retain",
    })
    assert group.model_package_group_name == "churn"
    assert str(stack.resolve(group.model_package_group_arn)).endswith(":model-package-group/churn")
    t.resource_count_is("AWS::Events::Rule", 0)


def test_cross_account_policy_reads_and_deploys(stack: cdk.Stack) -> None:
    ModelPackageGroup(stack, "G", model_package_group_name="Churn", cross_account_ids=["222222222222"])
    policy = Template.from_stack(stack).find_resources("AWS::SageMaker::ModelPackageGroup")
    (props,) = [r["Properties"]["ModelPackageGroupPolicy"] for r in policy.values()]
    group_stmt, version_stmt = props["Statement"]
    assert group_stmt["Action"] == "sagemaker:DescribeModelPackageGroup"
    assert version_stmt["Action"] == ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages",
                                      "sagemaker:CreateModel"]
    assert "222222222222:root" in str(group_stmt["Principal"])
    resources = [str(r) for r in version_stmt["Resource"]]
    assert any("model-package/Churn/*" in r for r in resources)
    assert any("model-package/churn/*" in r for r in resources)
    assert "sagemaker:UpdateModelPackage" not in str(props)


def test_cross_account_without_deploy(stack: cdk.Stack) -> None:
    ModelPackageGroup(stack, "G", model_package_group_name="churn", cross_account_ids=["222222222222"],
                      allow_cross_account_deploy=False)
    assert "CreateModel" not in str(Template.from_stack(stack).to_json())


def test_approval_events_publish_to_encrypted_ssl_topic(stack: cdk.Stack) -> None:
    key = PlatformKey(stack, "Key", alias="gov", description="k")
    topic = ApprovalTopic(stack, "Topic", encryption_key=key)
    group = ModelPackageGroup(stack, "G", model_package_group_name="churn", notification_topic=topic.topic)
    assert group.approval_rule is not None
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::Events::Rule", {
        "EventPattern": {
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Model Package State Change"],
            "detail": {"ModelPackageGroupName": ["churn"], "ModelApprovalStatus": ["Approved", "Rejected"]},
        },
        "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("Topic")}})],
    })
    t.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    t.has_resource_properties("AWS::SNS::TopicPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
        Match.object_like({"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                           "Action": "sns:Publish",
                           "Condition": {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]}}}}),
    ])}})
    t.has_resource_properties("AWS::KMS::Key", {"KeyPolicy": {"Statement": Match.array_with([
        Match.object_like({"Principal": {"Service": "events.amazonaws.com"},
                           "Action": ["kms:Decrypt", "kms:GenerateDataKey*"]}),
    ])}})


def test_grants(stack: cdk.Stack) -> None:
    role = iam.Role(stack, "R", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    group = ModelPackageGroup(stack, "G", model_package_group_name="churn")
    group.grant_read(role)
    group.grant_approve(role)
    imported = ModelPackageGroup.from_model_package_group_name(stack, "I", "other")
    imported.grant_register(role)
    text = str(Template.from_stack(stack).find_resources("AWS::IAM::Policy"))
    for action in ("DescribeModelPackageGroup", "DescribeModelPackage", "ListModelPackages",
                   "UpdateModelPackage", "CreateModelPackage"):
        assert f"sagemaker:{action}" in text
    assert "model-package-group/other" in text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"model_package_group_name": "bad_name"}, "model_package_group_name"),
    ({"model_package_group_name": "ok", "cross_account_ids": ["123"]}, "cross_account_ids"),
    ({"model_package_group_name": "ok", "cross_account_ids": ["111111111111"]}, "own account"),
    ({"model_package_group_name": "ok", "description": "x" * 1025}, "description"),
])
def test_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ModelPackageGroup(stack, "G", **kwargs)


def test_a_token_name_skips_the_literal_checks(stack: cdk.Stack) -> None:
    """Like aws-cdk-lib: a name only known at deploy time (a parameter) is not checked against the pattern, while
    the same characters given literally are."""
    name = cdk.CfnParameter(stack, "GroupName", type="String").value_as_string
    ModelPackageGroup(stack, "FromParameter", model_package_group_name=name)
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": {"Ref": "GroupName"}}
    )
    with pytest.raises(ValueError, match="model_package_group_name"):
        ModelPackageGroup(stack, "Literal", model_package_group_name="not_valid!")
