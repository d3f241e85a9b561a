"""Custom-resource contracts: what the constructs synthesize is what the handlers parse.

Every ``Custom::*`` resource of the default and the full config is fed, with its properties as synthesized, to the
parser its handler uses (``_contracts.parse``, called by ``_common.resource_properties``): every required property
present, no unknown property, every value of its kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import _common
import _contracts
import pytest

from sagemaker_platform.constructs.handler_provider import LAMBDA_DIR, load_contracts
from tests.conftest import ROOT, synthesized

CONFIGS = [ROOT / "config" / "default.yaml", ROOT / "config" / "examples" / "full.yaml"]
# Custom resources aws-cdk-lib writes itself, served by its own handlers.
CDK_OWN = frozenset({"Custom::VpcRestrictDefaultSG", "Custom::S3AutoDeleteObjects", "Custom::AWS",
                     "Custom::CDKBucketDeployment"})


def _custom_resources(path: Path) -> list[tuple[str, str, dict[str, Any]]]:
    built = synthesized(path)
    found = []
    for stack in built.assembly.stacks:
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource["Type"].startswith("Custom::") and resource["Type"] not in CDK_OWN:
                found.append((f"{stack.stack_name}/{logical_id}", resource["Type"], resource.get("Properties", {})))
    return found


@pytest.fixture(scope="module")
def synthesized_resources() -> list[tuple[str, str, dict[str, Any]]]:
    return [r for path in CONFIGS for r in _custom_resources(path)]


def test_every_synthesized_custom_resource_fits_its_contract(
    synthesized_resources: list[tuple[str, str, dict[str, Any]]],
) -> None:
    assert synthesized_resources, "the configs synthesize custom resources"
    for where, resource_type, properties in synthesized_resources:
        assert resource_type in _contracts.CONTRACTS, f"{where}: {resource_type} has no contract"
        assert "ServiceToken" in properties, where
        parsed = _contracts.parse(resource_type, properties)
        event = {"RequestType": "Create", "ResourceType": resource_type, "ResourceProperties": properties}
        assert _common.resource_properties(event) == properties, where  # the handler's own entry point
        assert set(parsed) <= set(_contracts.CONTRACTS[resource_type].properties), where


def test_the_configs_exercise_the_platform_contracts(
    synthesized_resources: list[tuple[str, str, dict[str, Any]]],
) -> None:
    seen = {resource_type for _, resource_type, _ in synthesized_resources}
    assert {"Custom::StudioTeardown", "Custom::StudioDomainCleanup", "Custom::CanvasSettings"} <= seen


def test_each_contract_names_a_handler_of_the_asset() -> None:
    for contract in _contracts.CONTRACTS.values():
        assert (LAMBDA_DIR / f"{contract.handler}.py").is_file(), contract.resource_type


def _plain(contracts: dict[str, Any]) -> dict[str, Any]:
    return {t: (c.handler, {n: (p.kind, p.required) for n, p in c.properties.items()}) for t, c in contracts.items()}


def test_constructs_load_the_same_contracts() -> None:
    """The constructs load the file by path (its own module object), the handlers import it: same data."""
    assert _plain(load_contracts().CONTRACTS) == _plain(_contracts.CONTRACTS)


@pytest.mark.parametrize(
    ("properties", "problem"),
    [
        ({"ServiceToken": "arn", "UserProfileNames": ["a"]}, "property DomainId is required"),
        ({"DomainId": "d-1", "Profiles": ["a"]}, "unknown property Profiles"),
        ({"DomainId": "d-1", "UserProfileNames": "a,b"}, "UserProfileNames must be a list"),
        ({"DomainId": "d-1", "DeletePrivateSpaceData": "yes"}, "DeletePrivateSpaceData must be 'true' or 'false'"),
        ({"DomainId": "d-1", "TimeoutMinutes": "soon"}, "TimeoutMinutes must be an integer"),
        ({"DomainId": ""}, "DomainId must be a non-empty string"),
    ],
)
def test_parse_names_the_bad_property(properties: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        _contracts.parse("Custom::StudioTeardown", properties)
    event = {"RequestType": "Create", "ResourceType": "Custom::StudioTeardown", "ResourceProperties": properties}
    with pytest.raises(ValueError, match=problem):
        _common.resource_properties(event)


def test_intrinsics_stand_for_values_known_at_deploy_time() -> None:
    props = {"DomainId": {"Fn::GetAtt": ["Domain", "DomainId"]}, "SpaceNames": [{"Ref": "Space"}, "shared"]}
    assert _contracts.parse("Custom::StudioTeardown", props) == props


def test_build_checks_the_names_a_construct_uses() -> None:
    assert _contracts.build("Custom::BucketCors", BucketName="b", Rules=None) == {"BucketName": "b"}
    with pytest.raises(ValueError, match="unknown property Bucket"):
        _contracts.build("Custom::BucketCors", Bucket="b")
    with pytest.raises(ValueError, match="property BucketName is required"):
        _contracts.build("Custom::BucketCors", Rules=[])
