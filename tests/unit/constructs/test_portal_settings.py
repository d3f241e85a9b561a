"""Portal governance: what Studio hides, pinned default images and instance types, default space settings and
remote access, at the domain and on profiles."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

from sagemaker_platform.constructs.studio_settings import ML_TOOLS, AppDefaults, PortalSettings
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain, build_lifecycle_config

IMAGE = "arn:aws:sagemaker:eu-west-1:470317259841:image/sagemaker-distribution-cpu"
VERSION = "arn:aws:sagemaker:eu-west-1:470317259841:image-version/sagemaker-distribution-cpu/12"


def _domain_settings(stack: cdk.Stack) -> dict:
    (domain,) = Template.from_stack(stack).find_resources("AWS::SageMaker::Domain").values()
    return domain["Properties"]


def test_ml_tools_match_the_schemas() -> None:
    for resource_type in ("AWS::SageMaker::Domain", "AWS::SageMaker::UserProfile"):
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
        assert sorted(schema["definitions"]["MlTools"]["enum"]) == sorted(ML_TOOLS)


def test_domain_portal_extends_hidden_app_and_instance_types(stack: cdk.Stack) -> None:
    build_domain(
        stack,
        hidden_app_types=["JupyterServer"],
        hidden_instance_types=["ml.p4d.24xlarge"],
        collaboration=False,
        portal=PortalSettings(
            hidden_ml_tools=["JumpStart", "Projects"],
            hidden_app_types=["JupyterServer", "RStudioServerPro"],
            hidden_image_version_aliases=["1.9", "2.0"],
        ),
    )
    portal = _domain_settings(stack)["DefaultUserSettings"]["StudioWebPortalSettings"]
    assert portal == {
        "HiddenMlTools": ["JumpStart", "Projects"],
        "HiddenAppTypes": ["JupyterServer", "RStudioServerPro"],  # once each, the domain's first
        "HiddenInstanceTypes": ["ml.p4d.24xlarge"],
        "HiddenSageMakerImageVersionAliases": [
            {"SageMakerImageName": "sagemaker_distribution", "VersionAliases": ["1.9", "2.0"]}
        ],
    }


def test_domain_without_portal_settings_hides_nothing(stack: cdk.Stack) -> None:
    build_domain(stack)
    assert "StudioWebPortalSettings" not in _domain_settings(stack)["DefaultUserSettings"]


def test_default_apps_join_the_default_lifecycle_config(stack: cdk.Stack) -> None:
    lcc = build_lifecycle_config(stack, "jl")
    build_domain(
        stack,
        lifecycle_configs=[lcc],
        default_lifecycle_configs={"JupyterLab": lcc},
        default_apps={
            "JupyterLab": AppDefaults(instance_type="ml.t3.large", image_arn=IMAGE, image_version_arn=VERSION),
            "CodeEditor": AppDefaults(instance_type="ml.m5.large"),
        },
    )
    props = _domain_settings(stack)
    jupyter = props["DefaultUserSettings"]["JupyterLabAppSettings"]
    spec = dict(jupyter["DefaultResourceSpec"])
    assert spec.pop("LifecycleConfigArn")  # the default lifecycle config stays next to the pinned image
    assert spec == {"InstanceType": "ml.t3.large", "SageMakerImageArn": IMAGE, "SageMakerImageVersionArn": VERSION}
    assert props["DefaultUserSettings"]["CodeEditorAppSettings"]["DefaultResourceSpec"] == {
        "InstanceType": "ml.m5.large"
    }
    # Spaces users create start from the same JupyterLab block and the domain's volume sizes.
    space = props["DefaultSpaceSettings"]
    assert space["JupyterLabAppSettings"] == jupyter
    assert space["SpaceStorageSettings"] == {
        "DefaultEbsStorageSettings": {"DefaultEbsVolumeSizeInGb": 5, "MaximumEbsVolumeSizeInGb": 100}
    }
    assert "ExecutionRole" in space


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"portal": PortalSettings(hidden_ml_tools=["Notebooks"])}, "portal hidden_ml_tools[0]: must be one of"),
        ({"portal": PortalSettings(hidden_image_version_aliases=["1.9.0"])},
         "portal hidden_image_version_aliases[0]: a SageMaker Distribution version"),
        ({"portal": PortalSettings(hidden_image_version_aliases=[f"1.{i}" for i in range(21)])},
         "hidden_image_version_aliases: at most 20"),
        ({"portal": PortalSettings(hidden_instance_types=["ml.t3.nano"])}, "portal hidden_instance_types[0]"),
        ({"portal": PortalSettings(hidden_app_types=["Notebook"])}, "portal hidden_app_types[0]"),
        ({"collaboration": True, "portal": PortalSettings(hidden_app_types=["JupyterServer"])},
         "portal.hidden_app_types: collaboration"),
        ({"default_apps": {"KernelGateway": AppDefaults(instance_type="ml.t3.medium")}},
         "default_apps: must be keyed by JupyterLab or CodeEditor (got 'KernelGateway')"),
        ({"default_apps": {"JupyterLab": AppDefaults(instance_type="ml.m5.huge")}},
         "default_apps[JupyterLab].instance_type"),
        ({"default_apps": {"JupyterLab": AppDefaults(image_arn="arn:aws:sagemaker:eu-west-1:1:image/x")}},
         "default_apps[JupyterLab].image_arn"),
        ({"default_apps": {"JupyterLab": AppDefaults(image_arn=IMAGE, image_version_arn=VERSION.replace(
            "sagemaker-distribution-cpu/", "other/"))}}, "default_apps[JupyterLab].image_version_arn: a version of"),
    ],
)
def test_domain_rejects_bad_portal_and_default_settings(
    stack: cdk.Stack, kwargs: dict, message: str
) -> None:
    with pytest.raises(ValueError) as err:
        build_domain(stack, **kwargs)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_profile_portal_and_default_apps(stack: cdk.Stack) -> None:
    domain = build_domain(stack, hidden_app_types=["RStudioServerPro"])
    lcc = build_lifecycle_config(stack, "jl")
    UserProfile(
        stack, "P", domain=domain, user_profile_name="ana",
        default_lifecycle_configs={"JupyterLab": lcc},
        portal=domain.portal.merged(PortalSettings(hidden_ml_tools=["Training"], hidden_app_types=["Canvas"])),
        default_apps={"JupyterLab": AppDefaults(instance_type="ml.g5.xlarge")},
    )
    (profile,) = Template.from_stack(stack).find_resources("AWS::SageMaker::UserProfile").values()
    settings = profile["Properties"]["UserSettings"]
    assert settings["StudioWebPortalSettings"] == {
        "HiddenMlTools": ["Training"], "HiddenAppTypes": ["RStudioServerPro", "Canvas"]
    }
    spec = settings["JupyterLabAppSettings"]["DefaultResourceSpec"]
    assert spec["InstanceType"] == "ml.g5.xlarge" and "LifecycleConfigArn" in spec


def test_profile_rejects_a_bad_ml_tool(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    with pytest.raises(ValueError, match=r"UserProfile portal hidden_ml_tools\[0\]: .*\(got 'Studio'\)"):
        UserProfile(stack, "P", domain=domain, user_profile_name="ana",
                    portal=PortalSettings(hidden_ml_tools=["Studio"]))


def test_remote_access_only_when_asked(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    domain.add_shared_space("S1", space_name="team")
    domain.add_shared_space("S2", space_name="remote", remote_access=True)
    spaces = {
        r["Properties"]["SpaceName"]: r["Properties"]["SpaceSettings"]
        for r in Template.from_stack(stack).find_resources("AWS::SageMaker::Space").values()
    }
    assert "RemoteAccess" not in spaces["team"]
    assert spaces["remote"]["RemoteAccess"] == "ENABLED"
