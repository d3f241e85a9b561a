"""CustomImage: the image, its version and app image config, the pull role limited to the repository, Studio's
image contract checked at synth, and registration on the domain and profiles."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from sagemaker_platform.constructs.image import CustomImage, image_physical_name
from sagemaker_platform.constructs.studio_settings import AppDefaults
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain

URI = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/studio/team-lab:2.1.0"


def _image(stack: cdk.Stack, **overrides: Any) -> CustomImage:
    props: dict[str, Any] = {"name": "team-lab", "app_type": "JupyterLab", "image_uri": URI, "namespace": "mlp-dev"}
    props.update(overrides)
    return CustomImage(stack, f"Image-{props['name']}-{props['app_type']}", **props)


def test_jupyterlab_image_resources(stack: cdk.Stack) -> None:
    image = _image(stack, display_name="Team Lab", environment={"PIP_INDEX_URL": "https://pypi.example.com"})
    t = Template.from_stack(stack)
    name = image_physical_name("team-lab", "mlp-dev")
    assert image.image_name == image.app_image_config_name == name and name.startswith("team-lab-")
    t.has_resource_properties("AWS::SageMaker::Image", {"ImageName": name, "ImageDisplayName": "Team Lab"})
    t.has_resource_properties("AWS::SageMaker::ImageVersion", {"ImageName": name, "BaseImage": URI})
    t.has_resource_properties("AWS::SageMaker::AppImageConfig", {
        "AppImageConfigName": name,
        "JupyterLabAppImageConfig": {"ContainerConfig": {"ContainerEnvironmentVariables": [
            {"Key": "PIP_INDEX_URL", "Value": "https://pypi.example.com"}
        ]}},
    })
    assert image.registration.image_name == name
    assert image.registration == CustomImage.registration_for("team-lab", "JupyterLab", "mlp-dev")
    # The version waits for the image and for the role's policy (SageMaker pulls the base image on creation).
    (version,) = t.find_resources("AWS::SageMaker::ImageVersion").values()
    policies = t.find_resources("AWS::IAM::Policy")
    assert set(policies) <= set(version["DependsOn"])


def test_pull_role_is_limited_to_the_repository(stack: cdk.Stack) -> None:
    _image(stack)
    t = Template.from_stack(stack)
    (role,) = t.find_resources("AWS::IAM::Role").values()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "111111111111"}
    (policy,) = t.find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statements == [
        {"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"},
        {
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Effect": "Allow",
            "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/studio/team-lab",
        },
    ]


def test_a_given_role_is_used_as_is(stack: cdk.Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Given", "arn:aws:iam::111111111111:role/image-puller")
    _image(stack, role=role)
    t = Template.from_stack(stack)
    assert not t.find_resources("AWS::IAM::Role")
    t.has_resource_properties("AWS::SageMaker::Image", {"ImageRoleArn": "arn:aws:iam::111111111111:role/image-puller"})


def test_kernel_gateway_image_gets_its_file_system_config(stack: cdk.Stack) -> None:
    _image(stack, name="classic", app_type="KernelGateway", uid=0, gid=0, kernel_display_name="Python 3 (team)")
    Template.from_stack(stack).has_resource_properties("AWS::SageMaker::AppImageConfig", {
        "KernelGatewayImageConfig": {
            "KernelSpecs": [{"Name": "python3", "DisplayName": "Python 3 (team)"}],
            "FileSystemConfig": {"DefaultUid": 0, "DefaultGid": 0, "MountPath": "/home/sagemaker-user"},
        }
    })


def test_namespaces_keep_names_apart() -> None:
    assert image_physical_name("team-lab", "mlp-dev") != image_physical_name("team-lab", "mlp-prod")
    assert len(image_physical_name("a" * 40, "x")) <= 63


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"name": "Team_Lab"}, "CustomImage name: 1-40 lower-case"),
        ({"name": "a" * 41}, "CustomImage name: 1-40 lower-case"),
        ({"app_type": "RStudioServerPro"}, "CustomImage app_type: must be one of JupyterLab, CodeEditor"),
        ({"image_uri": "docker.io/library/python:3.12"}, "CustomImage image_uri: an ECR image"),
        ({"image_uri": URI + ":again"}, "CustomImage image_uri: an ECR image"),
        ({"uid": 1001}, "CustomImage uid/gid: JupyterLab images run as UID/GID 1000/100 (got '1001/100')"),
        ({"uid": 0, "gid": 0}, "JupyterLab images run as UID/GID 1000/100 (got '0/0')"),
        ({"app_type": "CodeEditor", "port": 8080}, "CustomImage port: CodeEditor images serve on port 8888 (got 8080)"),
        ({"base_url": "lab/default"}, "CustomImage base_url: JupyterLab images serve under jupyterlab/default"),
        ({"app_type": "CodeEditor", "base_url": "jupyterlab/default"}, "serve under codeeditor/default"),
        ({"app_type": "KernelGateway", "uid": 1000, "gid": 0}, "UID/GID 1000/100 or 0/0 (got '1000/0')"),
        ({"app_type": "KernelGateway", "port": 8888}, "CustomImage port: Studio Classic (KernelGateway)"),
        ({"app_type": "KernelGateway", "environment": {"A": "b"}}, "CustomImage environment: only JupyterLab"),
        ({"mount_path": "home"}, "CustomImage mount_path: an absolute path"),
        ({"display_name": "Team/Lab"}, "CustomImage display_name"),
    ],
)
def test_bad_props_are_one_line_errors(stack: cdk.Stack, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        _image(stack, **overrides)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_code_editor_base_url_in_either_spelling(stack: cdk.Stack) -> None:
    _image(stack, name="ce1", app_type="CodeEditor", base_url="codeeditor/default", port=8888)
    _image(stack, name="ce2", app_type="CodeEditor", base_url="/CodeEditor/default")
    assert len(Template.from_stack(stack).find_resources("AWS::SageMaker::AppImageConfig")) == 2


def test_registered_on_the_domain_and_default_image(stack: cdk.Stack) -> None:
    lab = _image(stack)
    classic = _image(stack, name="classic", app_type="KernelGateway")
    build_domain(
        stack, custom_images=[lab, classic],
        default_apps={"JupyterLab": AppDefaults(instance_type="ml.t3.medium", image_arn=lab.image_arn)},
    )
    t = Template.from_stack(stack)
    (domain,) = t.find_resources("AWS::SageMaker::Domain").values()
    user = domain["Properties"]["DefaultUserSettings"]
    assert user["JupyterLabAppSettings"]["CustomImages"] == [
        {"ImageName": lab.image_name, "AppImageConfigName": lab.app_image_config_name}
    ]
    assert user["KernelGatewayAppSettings"]["CustomImages"] == [
        {"ImageName": classic.image_name, "AppImageConfigName": classic.app_image_config_name}
    ]
    assert user["JupyterLabAppSettings"]["DefaultResourceSpec"]["SageMakerImageArn"] == {
        "Fn::GetAtt": [stack.get_logical_id(lab.image), "ImageArn"]
    }
    # New spaces get the JupyterLab image too; the domain waits for the versions and app image configs.
    assert domain["Properties"]["DefaultSpaceSettings"]["JupyterLabAppSettings"]["CustomImages"]
    for resource in (lab.version, lab.app_image_config, classic.version, classic.app_image_config):
        assert stack.get_logical_id(resource) in domain["DependsOn"]


def test_registered_per_profile(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    editor = _image(stack, name="eng-editor", app_type="CodeEditor")
    UserProfile(stack, "P", domain=domain, user_profile_name="max", custom_images=[editor])
    t = Template.from_stack(stack)
    (profile,) = t.find_resources("AWS::SageMaker::UserProfile").values()
    assert profile["Properties"]["UserSettings"]["CodeEditorAppSettings"]["CustomImages"] == [
        {"ImageName": editor.image_name, "AppImageConfigName": editor.app_image_config_name}
    ]
    assert stack.get_logical_id(editor.version) in profile["DependsOn"]


def test_an_image_listed_twice_is_an_error(stack: cdk.Stack) -> None:
    lab = _image(stack)
    with pytest.raises(ValueError, match=r"StudioDomain custom_images\[1\]: .* is listed twice"):
        build_domain(stack, custom_images=[lab, lab.registration])
