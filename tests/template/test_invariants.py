"""Invariants over every example config: cfn-lint clean, compliance packs clean, limits, security, ordering."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.compliance import list_acknowledgements
from sagemaker_platform.config import load_config
from sagemaker_platform.constructs import cors
from sagemaker_platform.stacks.platform import build_platform
from tests.conftest import ROOT, Synthesized

RESOURCE_HEADROOM = 450  # CloudFormation's limit is 500
TEMPLATE_HEADROOM = 900_000  # of 1 MB


def _templates(example: Synthesized) -> dict[str, dict]:
    return {s.stack_name: example.template(s) for s in example.assembly.stacks}


def _of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def test_cfn_lint_clean(example: Synthesized) -> None:
    files = [str(Path(example.assembly.directory) / s.template_file) for s in example.assembly.stacks]
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    result = subprocess.run(
        [cfn_lint, "--format", "parseable", "-i", "W3005", "--", *files], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_limits(example: Synthesized) -> None:
    for stack in example.assembly.stacks:
        template = example.template(stack)
        assert len(template["Resources"]) < RESOURCE_HEADROOM, stack.stack_name
        size = (Path(example.assembly.directory) / stack.template_file).stat().st_size
        assert size < TEMPLATE_HEADROOM, stack.stack_name


def test_domain_is_secure(example: Synthesized) -> None:
    domains = [d for t in _templates(example).values() for d in _of_type(t, "AWS::SageMaker::Domain").values()]
    assert len(domains) == 1
    props = domains[0]["Properties"]
    assert props["AppNetworkAccessType"] == "VpcOnly"
    assert "KmsKeyId" in props
    assert props["DomainSettings"]["DockerSettings"]["EnableDockerAccess"] == "DISABLED"
    settings = props["DefaultUserSettings"]
    if example.config.domain.idle_shutdown.enabled:
        for app in ("JupyterLabAppSettings", "CodeEditorAppSettings"):
            idle = settings[app]["AppLifecycleManagement"]["IdleSettings"]
            assert idle["LifecycleManagement"] == "ENABLED"
    for app in (
        "JupyterLabAppSettings",
        "CodeEditorAppSettings",
        "JupyterServerAppSettings",
        "KernelGatewayAppSettings",
    ):
        block = settings.get(app, {})
        default = block.get("DefaultResourceSpec", {}).get("LifecycleConfigArn")
        if default is not None:
            assert default in block["LifecycleConfigArns"], app
    assert settings["SharingSettings"]["S3KmsKeyId"] == props["KmsKeyId"]


def test_studio_bucket_cors_is_exact(example: Synthesized) -> None:
    studio = example.template(example.platform.studio)
    rules = [
        r
        for b in _of_type(studio, "AWS::S3::Bucket").values()
        for r in b["Properties"].get("CorsConfiguration", {}).get("CorsRules", [])
    ]
    expected = [cors.STUDIO_RULE] + ([cors.CANVAS_RULE] if example.config.domain.canvas.enabled else [])
    assert [r["Id"] for r in rules] == [e["ID"] for e in expected]
    for rule, want in zip(rules, expected, strict=True):
        assert rule["AllowedMethods"] == want["AllowedMethods"]
        assert rule["AllowedOrigins"] == want["AllowedOrigins"]
        assert rule.get("ExposedHeaders", []) == want["ExposeHeaders"]


def test_every_profile_and_space_is_guarded_by_a_teardown(example: Synthesized) -> None:
    for name, template in _templates(example).items():
        guarded = set(_of_type(template, "AWS::SageMaker::UserProfile")) | set(
            _of_type(template, "AWS::SageMaker::Space")
        )
        if not guarded:
            continue
        teardowns = _of_type(template, "Custom::StudioTeardown")
        assert teardowns, name
        depends = set().union(*(set(t.get("DependsOn", [])) for t in teardowns.values()))
        assert guarded <= depends, f"{name}: unguarded {guarded - depends}"


def test_domain_cleanup_runs_after_spaces_and_before_domain(example: Synthesized) -> None:
    studio = example.template(example.platform.studio)
    (cleanup_id,) = _of_type(studio, "Custom::StudioDomainCleanup")
    (domain_id,) = _of_type(studio, "AWS::SageMaker::Domain")
    assert domain_id in studio["Resources"][cleanup_id]["DependsOn"]
    for space_id, space in _of_type(studio, "AWS::SageMaker::Space").items():
        assert cleanup_id in space["DependsOn"], space_id
    for canvas in _of_type(studio, "Custom::CanvasSettings").values():
        assert cleanup_id in canvas["DependsOn"]


def test_stack_order(example: Synthesized) -> None:
    """VPC endpoints (network stack) before the domain; the domain before the user shards."""
    studio = example.platform.studio
    assert example.platform.network in studio.dependencies
    for users in example.platform.users:
        assert studio in users.dependencies
    assert len(example.platform.users) <= example.config.platform.user_stacks


def test_user_shards_hold_every_user_once(example: Synthesized) -> None:
    names = [
        p["Properties"]["UserProfileName"]
        for s in example.platform.users
        for p in _of_type(example.template(s), "AWS::SageMaker::UserProfile").values()
    ]
    assert sorted(names) == sorted(u.name for u in example.config.users)


def test_no_lookups_and_environment_agnostic(example: Synthesized) -> None:
    manifest = json.loads((Path(example.assembly.directory) / "manifest.json").read_text())
    assert "missing" not in manifest, "a context lookup was attempted at synth"


def test_acknowledgements_are_narrow_and_reasoned(default_platform: Synthesized) -> None:
    acks = list_acknowledgements(default_platform.app)
    print(f"\n{len(acks)} acknowledgements in the default platform:")
    for path, rule, reason in acks:
        print(f"  {path}: {rule}: {reason[:90]}")
    assert acks
    for path, rule, reason in acks:
        assert len(reason) >= 40, (path, rule)
        assert path.count("/") >= 1, f"{rule} acknowledged on a whole stack or app: {path}"
        assert not rule.startswith("SageMakerPlatform"), f"our own rules are never acknowledged: {path} {rule}"


def test_compliance_packs_are_really_attached() -> None:
    """A bucket without encryption, logging or SSL added to the platform must fail synth."""
    app = new_app()
    platform = build_platform(app, load_config(ROOT / "config" / "default.yaml"))
    s3.CfnBucket(platform.studio, "NonCompliant")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_example_configs_all_synthesized(example: Synthesized) -> None:
    assert isinstance(example.app, cdk.App)
    assert {s.stack_name for s in example.assembly.stacks} >= {
        f"{example.config.platform.prefix}-network",
        f"{example.config.platform.prefix}-studio",
    }
