"""Model: container source, content-hashed name, least-privilege execution role, VPC and isolation options."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.model import Model

IMAGE = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.0"
URL = "s3://models-bucket/churn/1.0/model.tar.gz"
PACKAGE = "arn:aws:sagemaker:eu-west-1:222222222222:model-package/churn/3"


def _stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))


def _statements(template: Template) -> list[dict]:
    policies = template.find_resources("AWS::IAM::Policy")
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _by_sid(template: Template) -> dict[str, dict]:
    return {s["Sid"]: s for s in _statements(template) if "Sid" in s}


def _subnets(stack: cdk.Stack, zones: list[str]) -> list[ec2.ISubnet]:
    return [ec2.Subnet.from_subnet_attributes(stack, f"S{i}", subnet_id=f"subnet-0000000{i}", availability_zone=z)
            for i, z in enumerate(zones)]


def test_image_model_has_hashed_name_and_container(stack: cdk.Stack) -> None:
    model = Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url=URL, environment={"A": "1"})
    name = stack.resolve(model.model_name)  # derived at synth
    assert re.fullmatch(r"churn-[0-9a-f]{10}", name)
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::SageMaker::Model", {
        "ModelName": name,
        "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": URL, "Environment": {"A": "1"}},
        "EnableNetworkIsolation": Match.absent(),
        "VpcConfig": Match.absent(),
    })


def test_role_trusts_sagemaker_for_this_account_only(stack: cdk.Stack) -> None:
    Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url=URL)
    Template.from_stack(stack).has_resource_properties("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Statement": [Match.object_like({
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Condition": Match.object_like({"StringEquals": {"aws:SourceAccount": "111111111111"}}),
        })]},
        "ManagedPolicyArns": Match.absent(),
    })


def test_role_reads_one_artifact_and_pulls_one_repository(stack: cdk.Stack) -> None:
    Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url=URL)
    sids = _by_sid(Template.from_stack(stack))
    assert sids["ReadArtifact"]["Resource"] == "arn:aws:s3:::models-bucket/churn/1.0/model.tar.gz"
    assert sids["ReadArtifact"]["Action"] == "s3:GetObject"
    assert sids["EcrPull"]["Resource"] == "arn:aws:ecr:eu-west-1:111111111111:repository/churn"
    assert sids["EcrAuth"]["Resource"] == "*"
    assert sids["Logs"]["Resource"] == (
        "arn:aws:logs:eu-west-1:111111111111:log-group:/aws/sagemaker/Endpoints/*")
    assert "VpcNetworkInterfaces" not in sids


def test_uncompressed_artifact_prefix_is_listed_by_prefix(stack: cdk.Stack) -> None:
    Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url="s3://models-bucket/churn/1.0/")
    sids = _by_sid(Template.from_stack(stack))
    assert sids["ReadArtifactPrefix"]["Resource"] == "arn:aws:s3:::models-bucket/churn/1.0/*"
    assert sids["ListArtifactPrefix"]["Condition"] == {"StringLike": {"s3:prefix": ["churn/1.0/*"]}}


def test_package_model_pulls_from_the_package_account(stack: cdk.Stack) -> None:
    model = Model(stack, "M", name_prefix="pkg", model_package_arn=PACKAGE)
    assert model.kind == "package"
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::SageMaker::Model", {"PrimaryContainer": {"ModelPackageName": PACKAGE}})
    assert _by_sid(t)["EcrPull"]["Resource"] == "arn:aws:ecr:eu-west-1:222222222222:repository/*"


def test_vpc_and_network_isolation(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Vpc", vpc_id="vpc-12345678", availability_zones=["eu-west-1a"])
    sg = ec2.SecurityGroup(stack, "Sg", vpc=vpc)
    model = Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url=URL, network_isolation=True,
                  vpc_subnets=ec2.SubnetSelection(subnets=_subnets(stack, ["eu-west-1a", "eu-west-1b"])),
                  security_groups=[sg])
    assert model.in_vpc and model.network_isolation
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::SageMaker::Model", {
        "EnableNetworkIsolation": True,
        "VpcConfig": {"Subnets": ["subnet-00000000", "subnet-00000001"],
                      "SecurityGroupIds": [Match.any_value()]},
    })
    assert "ec2:CreateNetworkInterface" in _by_sid(t)["VpcNetworkInterfaces"]["Action"]


def test_model_waits_for_its_role_policy(stack: cdk.Stack) -> None:
    Model(stack, "M", name_prefix="churn", image=IMAGE, model_data_url=URL)
    models = Template.from_stack(stack).find_resources("AWS::SageMaker::Model")
    (model,) = models.values()
    assert any("DefaultPolicy" in d for d in model["DependsOn"])


def _name(**changes: object) -> str:
    stack = _stack()
    kwargs: dict = {"name_prefix": "churn", "image": IMAGE, "model_data_url": URL, **changes}
    name: str = stack.resolve(Model(stack, "M", **kwargs).model_name)
    return name


def test_name_is_stable_and_follows_content() -> None:
    base = _name()
    assert base == _name()
    assert base != _name(image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/churn:1.1")
    assert base != _name(model_data_url="s3://models-bucket/churn/1.1/model.tar.gz")
    assert base != _name(environment={"A": "2"})
    assert base != _name(network_isolation=True)


def test_long_prefix_keeps_the_63_character_limit() -> None:
    name = _name(name_prefix="a" * 63)
    assert len(name) <= 63


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"image": IMAGE, "model_data_url": URL, "model_package_arn": PACKAGE}, "Model image: give exactly one"),
    ({}, "Model image: give exactly one"),
    ({"image": IMAGE}, "Model model_data_url: required with an image"),
    ({"image": IMAGE, "model_data_url": "https://x/y"}, "Model model_data_url: must be s3://"),
    ({"image": "docker.io/library/churn:1", "model_data_url": URL}, "Model image: must be an ECR image URI"),
    ({"model_package_arn": PACKAGE, "model_data_url": URL}, "Model model_data_url: not used with a model package"),
    ({"model_package_arn": "arn:aws:sagemaker:eu-west-1:222222222222:model/x"}, "Model model_package_arn"),
    ({"image": IMAGE, "model_data_url": URL, "name_prefix": "bad_name"}, "Model name_prefix"),
])
def test_invalid_sources_are_rejected(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    args = {"name_prefix": "churn", **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        Model(stack, "M", **args)


def test_vpc_needs_two_subnets_in_two_zones_and_a_security_group(stack: cdk.Stack) -> None:
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Vpc", vpc_id="vpc-12345678", availability_zones=["eu-west-1a"])
    sg = ec2.SecurityGroup(stack, "Sg", vpc=vpc)
    common = {"name_prefix": "churn", "image": IMAGE, "model_data_url": URL}
    with pytest.raises(ValueError, match=r"Model vpc_subnets: .*at least two subnets.*\(got 1\)"):
        Model(stack, "A", **common, vpc_subnets=ec2.SubnetSelection(subnets=_subnets(stack, ["eu-west-1a"])),
              security_groups=[sg])
    with pytest.raises(ValueError, match=r"Model vpc_subnets: .*different availability zones"):
        Model(stack, "B", **common, vpc_subnets=ec2.SubnetSelection(subnets=[
            ec2.Subnet.from_subnet_attributes(stack, f"Same{i}", subnet_id=f"subnet-1111111{i}",
                                              availability_zone="eu-west-1a") for i in range(2)
        ]), security_groups=[sg])
    with pytest.raises(ValueError, match=r"Model security_groups: required"):
        Model(stack, "C", **common, vpc_subnets=ec2.SubnetSelection(subnets=[
            ec2.Subnet.from_subnet_attributes(stack, f"Two{i}", subnet_id=f"subnet-2222222{i}",
                                              availability_zone=z) for i, z in enumerate(["eu-west-1a", "eu-west-1b"])
        ]))
