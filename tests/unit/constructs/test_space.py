"""PrivateSpace and SharedSpace: ownership, sharing, storage and validation errors."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs.space import PrivateSpace, SharedSpace
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain, build_lifecycle_config


def test_spaces_private_and_shared(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    owner = UserProfile(stack, "Owner", domain=domain, user_profile_name="owner")
    lab_default = build_lifecycle_config(stack, "lab")
    PrivateSpace(
        stack, "P", domain=domain, owner=owner, space_name="owner-lab", ebs_gb=50, default_lifecycle_config=lab_default
    )
    SharedSpace(stack, "S", domain=domain, space_name="team-editor", app_type="CodeEditor")
    t = Template.from_stack(stack)
    t.has_resource_properties(
        "AWS::SageMaker::Space",
        {
            "SpaceName": "owner-lab",
            "OwnershipSettings": {"OwnerUserProfileName": "owner"},
            "SpaceSharingSettings": {"SharingType": "Private"},
            "SpaceSettings": {
                "AppType": "JupyterLab",
                "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": Match.any_value()}},
                "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 50}},
            },
        },
    )
    t.has_resource_properties(
        "AWS::SageMaker::Space",
        {
            "SpaceName": "team-editor",
            "SpaceSharingSettings": {"SharingType": "Shared"},
            "OwnershipSettings": Match.absent(),
            "SpaceSettings": {"AppType": "CodeEditor"},
        },
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"space_name": "x" * 63}, r"space_name: 1-62"),
        ({"space_name": "ok", "app_type": "JupyterServer"}, r"app_type: .*'JupyterServer'"),
        ({"space_name": "ok", "ebs_gb": 1}, r"ebs_gb: must be 5-16384 \(got 1\)"),
    ],
)
def test_space_validation(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    domain = build_domain(stack)
    with pytest.raises(ValueError, match=message):
        SharedSpace(stack, "S", domain=domain, **kwargs)


def test_space_default_lcc_app_type_must_match(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    editor = build_lifecycle_config(stack, "e", "CodeEditor")
    with pytest.raises(ValueError, match=r"default_lifecycle_config: .*CodeEditor"):
        SharedSpace(stack, "S", domain=domain, space_name="s", default_lifecycle_config=editor)
