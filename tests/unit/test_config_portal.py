"""Config: portal governance (domain.portal, domain.default_apps, domain.personas), custom images and remote access;
every bad value is one line naming the field."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cfnlint.schema.manager import PROVIDER_SCHEMA_MANAGER

from sagemaker_platform.config import ConfigError, MlTool, parse_config
from sagemaker_platform.constructs.studio_settings import ML_TOOLS

URI = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/studio/team-lab:2.1.0"
BASE: dict[str, Any] = {
    "platform": {"account": "111111111111", "region": "eu-west-1"},
    "domain": {
        "portal": {"hidden_ml_tools": ["JumpStart"], "hidden_image_version_aliases": ["1.9"]},
        "default_apps": {"jupyter_lab": {"instance_type": "ml.t3.medium", "custom_image": "team-lab"}},
        "personas": {
            "ml_engineer": {
                "portal": {"hidden_app_types": ["Canvas"], "hidden_instance_types": ["ml.p5.48xlarge"]},
                "default_apps": {"code_editor": {"custom_image": "eng-editor"}},
            }
        },
        "custom_images": [
            {"name": "team-lab", "app_type": "JupyterLab", "image_uri": URI},
            {"name": "eng-editor", "app_type": "CodeEditor", "image_uri": URI.replace("team-lab", "editor"),
             "personas": ["ml_engineer"]},
            {"name": "classic", "app_type": "KernelGateway", "image_uri": URI, "uid": 0, "gid": 0},
        ],
    },
    "users": [{"name": "ana"}, {"name": "max", "persona": "ml_engineer"}],
    "spaces": [{"name": "team"}],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node: Any = data
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return data


_DELETE = object()


def test_the_base_config_is_valid() -> None:
    cfg = parse_config(BASE)
    assert cfg.domain.personas["ml_engineer"].portal.hidden_app_types == ["Canvas"]
    assert [i.name for i in cfg.domain.custom_images] == ["team-lab", "eng-editor", "classic"]
    assert cfg.domain.remote_access is False and cfg.spaces[0].remote_access is False


def test_ml_tools_literal_matches_the_schema_and_the_construct() -> None:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::SageMaker::Domain").schema
    assert sorted(MlTool.__args__) == sorted(schema["definitions"]["MlTools"]["enum"]) == sorted(ML_TOOLS)


@pytest.mark.parametrize(
    "path,value,field,message",
    [
        ("domain.portal.hidden_ml_tools", ["Notebooks"], "domain.portal.hidden_ml_tools[0]", "Input should be"),
        ("domain.portal.hidden_image_version_aliases", ["1.9.1"], "domain.portal.hidden_image_version_aliases[0]",
         "pattern"),
        ("domain.portal.hidden_ml_tools", ["JumpStart", "JumpStart"], "domain.portal.hidden_ml_tools",
         "duplicate entry"),
        ("domain.personas.ml_engineer.portal.hidden_instance_types", ["ml.t3.nano"],
         "domain.personas.ml_engineer.portal.hidden_instance_types[0]", "Studio app instance type"),
        ("domain.personas.data_wizard", {}, "domain.personas.data_wizard", "data_wizard"),
        ("domain.personas.business_analyst", {}, "domain.personas.business_analyst",
         "no user has this persona"),
        ("domain.default_apps.jupyter_lab.instance_type", "ml.m5.huge",
         "domain.default_apps.jupyter_lab.instance_type", "Studio app instance type"),
        ("domain.default_apps.jupyter_lab.image_arn", "arn:aws:sagemaker:eu-west-1:111111111111:image/x",
         "domain.default_apps.jupyter_lab", "either custom_image or image_arn"),
        ("domain.default_apps.jupyter_lab.image_arn", "arn:aws:sagemaker:eu-west-1:1:image/x",
         "domain.default_apps.jupyter_lab.image_arn", "pattern"),
        ("domain.default_apps.jupyter_lab.custom_image", "missing", "domain.default_apps.jupyter_lab.custom_image",
         "unknown custom image"),
        ("domain.default_apps.jupyter_lab.custom_image", "classic", "domain.default_apps.jupyter_lab.custom_image",
         "for KernelGateway apps, not JupyterLab"),
        ("domain.default_apps.code_editor", {"custom_image": "eng-editor"},
         "domain.default_apps.code_editor.custom_image", "only for personas ml_engineer"),
        ("domain.custom_images.0.image_uri", "docker.io/library/python:3", "domain.custom_images[0].image_uri",
         "pattern"),
        ("domain.custom_images.0.image_uri", URI.replace("111111111111", "222222222222"),
         "domain.custom_images[0].image_uri", "neither platform.account nor in domain.ecr_pull_accounts"),
        ("domain.custom_images.0.image_uri", URI.replace("eu-west-1", "us-east-1"),
         "domain.custom_images[0].image_uri", "not in platform.region"),
        ("domain.custom_images.0.name", "Team_Lab", "domain.custom_images[0].name", "pattern"),
        ("domain.custom_images.1.name", "team-lab", "domain.custom_images[1].name", "duplicate custom image"),
        ("domain.custom_images.0.uid", 1001, "domain.custom_images[0]", "UID/GID 1000/100, not 1001/100"),
        ("domain.custom_images.0.port", 8080, "domain.custom_images[0]", "port 8888, not 8080"),
        ("domain.custom_images.0.base_url", "lab", "domain.custom_images[0]", "under jupyterlab/default"),
        ("domain.custom_images.2.gid", 100, "domain.custom_images[2]", "1000/100 or 0/0, not 0/100"),
        ("domain.custom_images.2.port", 8888, "domain.custom_images[2]", "take no port or base URL, not 8888"),
        ("domain.custom_images.1.personas", ["business_analyst"], "domain.custom_images[1].personas[0]",
         "no user has this persona"),
        ("spaces.0.remote_access", True, "spaces[0].remote_access", "needs domain.remote_access: true"),
    ],
)
def test_bad_portal_and_image_settings_are_one_line(path: str, value: Any, field: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with(path, value), source="portal.yaml")
    text = str(err.value)
    assert text.startswith(f"portal.yaml: {field}"), text
    assert message in text, text
    assert "\n" not in text


def test_code_editor_base_url_accepts_both_spellings_of_the_guides() -> None:
    for url in ("codeeditor/default", "/CodeEditor/default"):
        data = _with("domain.custom_images.1.base_url", url)
        assert parse_config(data).domain.custom_images[1].base_url == url


def test_remote_access_needs_its_finding_accepted() -> None:
    data = _with("spaces.0.remote_access", True)
    data["domain"]["remote_access"] = True
    with pytest.raises(ConfigError, match=r"domain.remote_access: fails compliance rule SageMakerPlatform-SM7"):
        parse_config(data)
    data["compliance"] = {"accept": [{"rule": "SageMakerPlatform-SM7", "reason": "VS Code remote for the team"}]}
    assert parse_config(data).spaces[0].remote_access is True
