"""Account resolves synthesized templates into concrete policies, values and ARNs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROOT, synthesized
from tests.iam.evaluator import Decision, Request, evaluate
from tests.iam.template import Account


def arn(service: str, resource: Any) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, f":{service}:", {"Ref": "AWS::Region"}, ":",
             {"Ref": "AWS::AccountId"}, ":", resource],
        ]
    }


ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def producer() -> dict[str, Any]:
    return {
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
        "Resources": {
            "Domain": {"Type": "AWS::SageMaker::Domain", "Properties": {"DomainName": "lab"}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                    "Action": "kms:*",
                    "Resource": "*",
                }],
            }}},
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Bucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                    "Resource": [{"Fn::GetAtt": ["Bucket", "Arn"]}, {"Fn::Sub": "${Bucket.Arn}/*"}],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }]},
            }},
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms"}},
            "TopicPolicy": {"Type": "AWS::SNS::TopicPolicy", "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish", "Resource": {"Ref": "Topic"},
                }]},
            }},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": ROLE_TRUST,
                "ManagedPolicyArns": [
                    {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                       ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]},
                    {"Ref": "Managed"},
                ],
                "Policies": [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "sagemaker:ListApps", "Resource": "*",
                }]}}],
            }},
            "RolePolicy": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "default",
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": "sagemaker:DeleteApp",
                    "Resource": arn("sagemaker", {"Fn::Join": ["", [
                        "app/", {"Fn::GetAtt": ["Domain", "DomainId"]}, "/*"]]}),
                }, {
                    "Effect": {"Fn::If": ["IsProd", "Deny", "Allow"]},
                    "Action": "sagemaker:DeleteDomain",
                    "Resource": {"Fn::Sub": [
                        "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:domain/${Id}",
                        {"Id": {"Fn::GetAtt": ["Domain", "DomainId"]}},
                    ]},
                }]},
            }},
            "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": "kms:Decrypt", "Resource": {"Fn::GetAtt": ["Key", "Arn"]},
                }]},
            }},
            "OtherRole": {"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": ROLE_TRUST, "RoleName": "fixed-name", "Path": "/platform/"}},
            "DomainIdParam": {"Type": "AWS::SSM::Parameter", "Properties": {
                "Name": "/platform/domain-id", "Type": "String", "Value": {"Fn::GetAtt": ["Domain", "DomainId"]}}},
            "Efs": {"Type": "AWS::EFS::FileSystem"},
        },
        "Outputs": {
            "DomainArnOut": {"Value": {"Fn::GetAtt": ["Domain", "DomainArn"]}},
            "KeyExport": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}, "Export": {"Name": "platform-key"}},
        },
    }


def consumer() -> dict[str, Any]:
    return {
        "Parameters": {
            "DomainIdValue": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/platform/domain-id"},
        },
        "Resources": {
            "Profile": {"Type": "AWS::SageMaker::UserProfile", "Properties": {
                "DomainId": {"Ref": "DomainIdValue"}, "UserProfileName": "ana"}},
            "Space": {"Type": "AWS::SageMaker::Space", "Properties": {
                "DomainId": "{{resolve:ssm:/platform/domain-id}}", "SpaceName": "lab"}},
            "Handler": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": ROLE_TRUST}},
            "HandlerPolicy": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "p",
                "Roles": [{"Ref": "Handler"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": "sagemaker:UpdateDomain",
                    "Resource": {"Fn::GetStackOutput": {
                        "StackName": "producer", "Region": {"Ref": "AWS::Region"}, "OutputName": "DomainArnOut"}},
                }, {
                    "Effect": "Allow",
                    "Action": "kms:CreateGrant",
                    "Resource": {"Fn::ImportValue": "platform-key"},
                }, {
                    "Effect": "Allow",
                    "Action": "ec2:DescribeSubnets",
                    "Resource": {"Fn::Select": [1, {"Fn::Split": [",", "a,*,c"]}]},
                }]},
            }},
        },
    }


@pytest.fixture(scope="module")
def account() -> Account:
    paths = {"producer": {"Role": "/producer/Handlers/Role"}, "consumer": {"Handler": "/consumer/Handlers/Role"}}
    return Account({"producer": producer(), "consumer": consumer()}, paths=paths)


def test_pseudo_parameters_and_generated_values(account: Account) -> None:
    domain_id = account.attr("producer", "Domain", "DomainId")
    assert domain_id.startswith("d-") and len(domain_id) == 14
    domain_arn = f"arn:aws:sagemaker:eu-west-1:111122223333:domain/{domain_id}"
    assert account.attr("producer", "Domain", "DomainArn") == domain_arn
    assert account.attr("producer", "Domain", "Ref") == domain_id
    assert account.attr("producer", "Key", "Arn").startswith("arn:aws:kms:eu-west-1:111122223333:key/")
    assert account.attr("producer", "OtherRole", "Arn") == "arn:aws:iam::111122223333:role/platform/fixed-name"
    bucket = account.attr("producer", "Bucket", "Ref")
    assert bucket == bucket.lower() and len(bucket) <= 63
    assert account.resource_arn("producer", "Bucket") == f"arn:aws:s3:::{bucket}"
    assert account.resource_arn("producer", "Topic") == "arn:aws:sns:eu-west-1:111122223333:alarms"
    assert account.attr("producer", "Efs", "FileSystemId").startswith("fs-")


def test_values_are_deterministic_and_distinct() -> None:
    a = Account({"producer": producer(), "consumer": consumer()})
    b = Account({"producer": producer(), "consumer": consumer()})
    assert a.attr("producer", "Domain", "DomainId") == b.attr("producer", "Domain", "DomainId")
    assert a.attr("producer", "Role", "Arn") != a.attr("producer", "OtherRole", "Arn")
    other_account = Account({"producer": producer()}, account="444455556666")
    assert "444455556666" in other_account.attr("producer", "Role", "Arn")


def test_cross_stack_references_follow_ssm_and_outputs(account: Account) -> None:
    domain_id = account.attr("producer", "Domain", "DomainId")
    assert account.resource_arn("consumer", "Profile") == (
        f"arn:aws:sagemaker:eu-west-1:111122223333:user-profile/{domain_id}/ana"
    )
    space_arn = f"arn:aws:sagemaker:eu-west-1:111122223333:space/{domain_id}/lab"
    assert account.resource_arn("consumer", "Space") == space_arn
    (document,) = account.identity_policies("consumer", "Handler")
    update, grant, select = document["Statement"]
    assert update["Resource"] == account.attr("producer", "Domain", "DomainArn")
    assert grant["Resource"] == account.attr("producer", "Key", "Arn")
    assert select["Resource"] == "*"


def test_identity_policies_collects_every_attachment(account: Account) -> None:
    policies = account.identity_policies("producer", "Role")
    actions = sorted(str(s["Action"]) for p in policies for s in p["Statement"])
    assert actions == ["kms:Decrypt", "sagemaker:DeleteApp", "sagemaker:DeleteDomain", "sagemaker:ListApps"]
    assert account.managed_policy_arns("producer", "Role") == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    assert account.identity_policies("producer", "OtherRole") == []
    domain_id = account.attr("producer", "Domain", "DomainId")
    app = f"arn:aws:sagemaker:eu-west-1:111122223333:app/{domain_id}/ana/jupyterlab/default"
    assert evaluate(policies, Request("sagemaker:DeleteApp", app)) is Decision.ALLOW
    other = app.replace(domain_id, "d-someoneelse")
    assert evaluate(policies, Request("sagemaker:DeleteApp", other)) is Decision.IMPLICIT_DENY
    # Fn::If picked Deny (the condition compares the region).
    domain = account.attr("producer", "Domain", "DomainArn")
    assert evaluate(policies, Request("sagemaker:DeleteDomain", domain)) is Decision.EXPLICIT_DENY
    elsewhere = Account({"producer": producer()}, region="us-east-1")
    assert evaluate(
        elsewhere.identity_policies("producer", "Role"),
        Request("sagemaker:DeleteDomain", elsewhere.attr("producer", "Domain", "DomainArn")),
    ) is Decision.ALLOW


def test_resource_policies(account: Account) -> None:
    key_policy = account.resource_policy("producer", "Key")
    assert key_policy is not None
    assert key_policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    bucket_policy = account.resource_policy("producer", "Bucket")
    assert bucket_policy is not None
    bucket_arn = account.resource_arn("producer", "Bucket")
    assert bucket_policy["Statement"][0]["Resource"] == [bucket_arn, f"{bucket_arn}/*"]
    topic_policy = account.resource_policy("producer", "Topic")
    assert topic_policy is not None and topic_policy["Statement"][0]["Resource"] == account.resource_arn(
        "producer", "Topic"
    )
    assert account.resource_policy("producer", "Domain") is None


def test_find_roles_by_construct_path(account: Account) -> None:
    assert account.find_roles("/Handlers/") == [("consumer", "Handler"), ("producer", "Role")]
    assert account.find_roles("/nothing/") == []
    assert account.trust_policy("producer", "Role")["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_unresolvable_input_fails_with_a_clear_message(account: Account) -> None:
    with pytest.raises(ValueError, match="no stack named 'nope'"):
        account.resources("nope")
    with pytest.raises(ValueError, match="no resource with logical id 'Missing'"):
        account.attr("producer", "Missing", "Arn")
    with pytest.raises(ValueError, match=r"Fn::GetAtt Domain.Color"):
        account.attr("producer", "Domain", "Color")
    with pytest.raises(ValueError, match="not an AWS::IAM::Role"):
        account.identity_policies("producer", "Bucket")
    lonely = Account({"consumer": consumer()})
    with pytest.raises(ValueError, match="SSM parameter '/platform/domain-id' is not published"):
        lonely.resource_arn("consumer", "Profile")
    with pytest.raises(ValueError, match="12 digits"):
        Account({}, account="123")


def test_the_default_config_resolves_completely() -> None:
    """Every resource property and output of the synthesized default config resolves, and paths are known."""
    built = synthesized(ROOT / "config" / "default.yaml")
    account = Account.from_assembly(built.assembly)
    for stack, template in account.templates.items():
        for logical_id, resource in template["Resources"].items():
            account.resolve(stack, resource.get("Properties", {}))
            if resource["Type"] == "AWS::IAM::Role":
                account.identity_policies(stack, logical_id)
        account.resolve(stack, template.get("Outputs", {}))
    handler_roles = account.find_roles("/HandlerRole")
    assert handler_roles, "no handler roles found by construct path"
    studio = next(s for s in account.templates if s.endswith("-studio"))
    users = next(s for s in account.templates if s.endswith("-users-1"))
    (domain,) = account.find_resources("AWS::SageMaker::Domain")
    domain_id = account.attr(*domain, "DomainId")
    profiles = account.find_resources("AWS::SageMaker::UserProfile")
    assert profiles and all(s == users for s, _ in profiles)
    assert all(f"user-profile/{domain_id}/" in account.resource_arn(*p) for p in profiles)
    assert domain[0] == studio
