"""Pinned logical ids: a construct that became its resource keeps the id its 0.1 path produced."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagemaker_platform.constructs.logical_ids import logical_id_of_path, pin_logical_id
from sagemaker_platform.constructs.roles import ExecutionRole


@pytest.mark.parametrize(
    "path",
    [
        ("Role-data_scientist", "Role"),
        ("Key", "Key"),
        ("A", "Default", "B"),
        ("Solo",),
        ("Users", "ana", "Space-x"),
        ("LogsKey", "Key"),
        ("StudioBucket", "Bucket", "Policy"),
        ("Key", "Resource", "Resource"),
    ],
)
def test_logical_id_of_path_matches_the_cdk(path: tuple[str, ...]) -> None:
    stack = cdk.Stack(cdk.App(), "S")
    scope: Construct = stack
    for component in path[:-1]:
        scope = Construct(scope, component)
    role = iam.Role(scope, path[-1], assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    expected = stack.get_logical_id(role.node.default_child)  # type: ignore[arg-type]
    assert logical_id_of_path([*path, "Resource"]) == expected


def test_execution_role_keeps_its_01_logical_id(stack: cdk.Stack) -> None:
    role = ExecutionRole(stack, "Role-ml_engineer", persona="ml_engineer")
    legacy = cdk.Stack(cdk.App(), "Legacy")
    wrapper = Construct(legacy, "Role-ml_engineer")
    old = iam.Role(wrapper, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    new_id = stack.resolve(role.node.default_child.logical_id)  # type: ignore[union-attr]
    assert new_id == legacy.get_logical_id(old.node.default_child)  # type: ignore[arg-type]


def test_pin_logical_id_needs_a_resource(stack: cdk.Stack) -> None:
    with pytest.raises(TypeError, match="no CloudFormation resource"):
        pin_logical_id(Construct(stack, "Empty"), "Resource")
