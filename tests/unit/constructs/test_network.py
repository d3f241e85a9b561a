"""StudioNetwork: a new VPC or an existing one by id, its endpoints and rules, validation errors."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_platform.constructs.network import ExistingSubnet, StudioNetwork


def test_network_new_vpc_endpoints_and_rules(stack: cdk.Stack) -> None:
    StudioNetwork(stack, "Net", canvas=True)
    t = Template.from_stack(stack)
    t.resource_properties_count_is("AWS::EC2::Subnet", {"MapPublicIpOnLaunch": False}, 2)
    t.resource_count_is("AWS::EC2::NatGateway", 0)
    t.resource_count_is("AWS::EC2::InternetGateway", 0)
    endpoints = t.find_resources("AWS::EC2::VPCEndpoint")
    names = {str(e["Properties"]["ServiceName"]) for e in endpoints.values()}
    for service in (
        "sagemaker.api",
        "sagemaker.runtime",
        "sts",
        "logs",
        "ecr.dkr",
        "servicecatalog",
        "forecast",
        "bedrock-runtime",
    ):
        assert any(service in n for n in names), service
    assert "aws.sagemaker.eu-west-1.studio" in names
    interface = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType") == "Interface"]
    assert interface and all(e["Properties"]["PrivateDnsEnabled"] is True for e in interface)
    gateway = [e for e in endpoints.values() if e["Properties"].get("VpcEndpointType") == "Gateway"]
    assert len(gateway) == 1
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {"FromPort": 2049, "ToPort": 2049})
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {"FromPort": 8192, "ToPort": 65535})


def test_network_without_canvas_has_only_studio_endpoints(stack: cdk.Stack) -> None:
    StudioNetwork(stack, "Net")
    names = [
        str(e["Properties"]["ServiceName"])
        for e in Template.from_stack(stack).find_resources("AWS::EC2::VPCEndpoint").values()
    ]
    assert not any("forecast" in n for n in names)
    assert len(names) == 7 + 1 + 1  # Studio interface set, the studio UI endpoint, the S3 gateway


def test_network_existing_vpc_by_id(stack: cdk.Stack) -> None:
    net = StudioNetwork(
        stack,
        "Net",
        existing_vpc_id="vpc-0123456789abcdef0",
        existing_subnets=[
            ExistingSubnet("subnet-0123456789abcdef0", "eu-west-1a"),
            ExistingSubnet("subnet-0123456789abcdef1", "eu-west-1b"),
        ],
    )
    assert net.subnet_ids == ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::EC2::VPC", 0)
    t.has_resource_properties("AWS::EC2::VPCEndpoint", {"VpcId": "vpc-0123456789abcdef0"})
    assert not [
        e
        for e in t.find_resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"].get("VpcEndpointType") == "Gateway"
    ]  # no route tables given: none created
    with_routes = cdk.Stack(cdk.App(), "WithRoutes", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    StudioNetwork(
        with_routes,
        "Net",
        existing_vpc_id="vpc-0123456789abcdef0",
        existing_subnets=[
            ExistingSubnet("subnet-0123456789abcdef0", "eu-west-1a", "rtb-0123456789abcdef0"),
            ExistingSubnet("subnet-0123456789abcdef1", "eu-west-1b", "rtb-0123456789abcdef1"),
        ],
    )
    Template.from_stack(with_routes).has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {"VpcEndpointType": "Gateway", "RouteTableIds": ["rtb-0123456789abcdef0", "rtb-0123456789abcdef1"]},
    )


def test_network_validation(stack: cdk.Stack) -> None:
    with pytest.raises(ValueError, match=r"existing_subnets: .*different availability zones"):
        StudioNetwork(
            stack,
            "A",
            existing_vpc_id="vpc-0123456789abcdef0",
            existing_subnets=[ExistingSubnet("subnet-a", "eu-west-1a")],
        )
    with pytest.raises(ValueError, match=r"max_azs: must be between 2 and 6 \(got 1\)"):
        StudioNetwork(stack, "B", max_azs=1)
