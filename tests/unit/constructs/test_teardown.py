"""Teardown wiring: guarded profiles and spaces per stack, cleanup ordering, providers, validation."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.domain import TeardownOptions
from sagemaker_platform.constructs.teardown import StudioTeardown
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain


def test_teardown_depends_on_what_it_guards_and_cleanup_precedes_domain(stack: cdk.Stack) -> None:
    domain = build_domain(stack, teardown=TeardownOptions(delete_private_space_data=True))
    profile = domain.add_user_profile("U", user_profile_name="u1")
    space = profile.add_private_space("S", space_name="u1-lab")
    assert space.domain is domain
    t = Template.from_stack(stack)
    (teardown,) = t.find_resources("Custom::StudioTeardown").values()
    depends = teardown["DependsOn"]
    ids = {k for k in t.find_resources("AWS::SageMaker::UserProfile")} | set(t.find_resources("AWS::SageMaker::Space"))
    assert ids <= set(depends)
    assert teardown["Properties"]["UserProfileNames"] == ["u1"]
    assert teardown["Properties"]["SpaceNames"] == ["u1-lab"]
    assert teardown["Properties"]["DeletePrivateSpaceData"] == "true"
    (cleanup_resource,) = t.find_resources("Custom::StudioDomainCleanup").values()
    (domain_id,) = t.find_resources("AWS::SageMaker::Domain")
    assert domain_id in cleanup_resource["DependsOn"]
    cleanup_id = next(iter(t.find_resources("Custom::StudioDomainCleanup")))
    for resource in [
        *t.find_resources("AWS::SageMaker::UserProfile").values(),
        *t.find_resources("AWS::SageMaker::Space").values(),
    ]:
        assert cleanup_id in resource["DependsOn"]
    assert cleanup_resource["Properties"]["HomeEfs"] == "retain"
    assert cleanup_resource["Properties"]["VpcId"] == "vpc-0123456789abcdef0"
    t.resource_count_is("AWS::Lambda::Function", 2 * 2 + 2 * 3)  # handler pairs + framework functions


def test_members_in_another_stack_get_that_stacks_teardown() -> None:
    app = new_app()
    env = cdk.Environment(account="111111111111", region="eu-west-1")
    core = cdk.Stack(app, "Core", env=env)
    users = cdk.Stack(app, "Users", env=env)
    domain = build_domain(core)
    ana = domain.add_user_profile("Ana", scope=users, user_profile_name="ana")
    ana.add_private_space("AnaLab", space_name="ana-lab")
    UserProfile(users, "Bea", domain=domain, user_profile_name="bea")
    t = Template.from_stack(users)
    (teardown,) = t.find_resources("Custom::StudioTeardown").values()
    assert teardown["Properties"]["UserProfileNames"] == ["ana", "bea"]
    assert teardown["Properties"]["SpaceNames"] == ["ana-lab"]
    assert set(t.find_resources("AWS::SageMaker::UserProfile")) <= set(teardown["DependsOn"])
    Template.from_stack(core).resource_count_is("Custom::StudioTeardown", 0)


def test_hand_made_profile_is_reported_as_unguarded() -> None:
    app = new_app()
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    domain = build_domain(stack)
    domain.add_user_profile("Guarded", user_profile_name="ana")
    sagemaker.CfnUserProfile(stack, "HandMade", domain_id=domain.domain_id, user_profile_name="bob")
    assembly = app.synth()
    warnings = [
        (m.id, m.entry.data)
        for m in assembly.get_stack_artifact(stack.artifact_id).messages
        if m.entry.type == "aws:cdk:warning"
    ]
    unguarded = [(path, text) for path, text in warnings if "not guarded by a Studio teardown" in str(text)]
    assert [path for path, _ in unguarded] == ["/S/HandMade"], warnings


def test_one_provider_per_kind_per_stack(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    for i in range(3):
        StudioTeardown(stack, f"T{i}", domain=domain)
    t = Template.from_stack(stack)
    handlers = [
        f
        for f in t.find_resources("AWS::Lambda::Function").values()
        if str(f["Properties"].get("Handler", "")).startswith("studio_teardown.")
    ]
    assert len(handlers) == 2
    t.resource_count_is("Custom::StudioTeardown", 3)


def test_teardown_and_cleanup_validation(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    with pytest.raises(ValueError, match=r"timeout: must be 10-120 minutes \(got 5\)"):
        StudioTeardown(stack, "T", domain=domain, timeout=cdk.Duration.minutes(5))
    with pytest.raises(ValueError, match=r"home_efs: must be retain or delete \(got 'keep'\)"):
        build_domain(cdk.Stack(new_app(), "Other"), teardown=TeardownOptions(home_efs="keep"))
