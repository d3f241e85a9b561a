"""Each SageMakerPlatform rule fires on a bad construct and stays quiet on a good one.

Every case builds a small stack of L1 resources, attaches only this pack as a validation plugin, synthesizes,
and reads which rule ids fired on which construct paths from the policy-validation report (CDK maps the
plugin's logical ids and template paths to construct paths).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sm
from constructs import Construct, IConstruct

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.nag import SageMakerPlatformChecks, pack, templates
from sagemaker_platform.nag import rules as r

ACCOUNT = "111111111111"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/studio"
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LCC_A = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:studio-lifecycle-config/a"
LCC_B = f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:studio-lifecycle-config/b"
IDLE = {"AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "ENABLED",
                                                     "IdleTimeoutInMinutes": 120}}}

Build = Callable[[cdk.Stack], object]


def findings(build: Build, report_out: dict[str, Any] | None = None) -> dict[str, list[str]]:
    """Synthesize ``build`` with only this pack; {rule id: [construct paths]} of the findings. ``report_out``
    receives the validation report CDK writes (``validation-report.json``)."""
    outdir = tempfile.mkdtemp(prefix="nag-")
    app = new_app(outdir=outdir, context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "T", env=cdk.Environment(account=ACCOUNT, region="eu-west-1"))
    build(stack)
    cdk.Validations.of(app).add_plugins(SageMakerPlatformChecks(app))
    try:
        app.synth()
    except RuntimeError as exc:
        assert "ValidationFailed" in str(exc), exc
    if report_out is not None and (Path(outdir) / "validation-report.json").exists():
        report_out.update(json.loads((Path(outdir) / "validation-report.json").read_text()))
    report = Path(outdir) / "policy-validation-report.json"
    if not report.exists():
        return {}
    found: dict[str, list[str]] = {}
    for plugin in json.loads(report.read_text())["pluginReports"]:
        if plugin["summary"]["pluginName"] != "SageMakerPlatform":
            continue
        assert "error" not in plugin["summary"].get("metadata", {}), plugin["summary"]
        for violation in plugin["violations"]:
            paths = [v["constructPath"] for v in violation["violatingResources"]]
            found.setdefault(violation["ruleName"], []).extend(paths)
    return found


# --------------------------------------------------------------------------------------------------- builders
def domain_props(**overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AuthMode": "IAM",
        "DomainName": "d",
        "VpcId": "vpc-0123456789abcdef0",
        "SubnetIds": ["subnet-0123456789abcdef0"],
        "AppNetworkAccessType": "VpcOnly",
        "KmsKeyId": KEY_ARN,
        "DefaultUserSettings": {
            "ExecutionRole": ROLE_ARN,
            "JupyterLabAppSettings": {**IDLE, "DefaultResourceSpec": {"LifecycleConfigArn": LCC_A},
                                      "LifecycleConfigArns": [LCC_A, LCC_B]},
            "CodeEditorAppSettings": dict(IDLE),
        },
        "DomainSettings": {"DockerSettings": {"EnableDockerAccess": "DISABLED"}},
    }
    for key, value in overrides.items():
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return props


def add_domain(**overrides: Any) -> Build:
    def build(stack: cdk.Stack) -> None:
        cdk.CfnResource(stack, "Domain", type="AWS::SageMaker::Domain", properties=domain_props(**overrides))
    return build


def l1_domain(stack: cdk.Stack, *, idle: str = "ENABLED") -> sm.CfnDomain:
    """A typed L1 domain, so the camelCase props path is covered too."""
    idle_settings = sm.CfnDomain.AppLifecycleManagementProperty(
        idle_settings=sm.CfnDomain.IdleSettingsProperty(lifecycle_management=idle,
                                                        idle_timeout_in_minutes=120)
    )
    return sm.CfnDomain(
        stack, "Domain", auth_mode="IAM", domain_name="d", vpc_id="vpc-0123456789abcdef0",
        subnet_ids=["subnet-0123456789abcdef0"], app_network_access_type="VpcOnly", kms_key_id=KEY_ARN,
        default_user_settings=sm.CfnDomain.UserSettingsProperty(
            execution_role=ROLE_ARN,
            jupyter_lab_app_settings=sm.CfnDomain.JupyterLabAppSettingsProperty(app_lifecycle_management=idle_settings),
            code_editor_app_settings=sm.CfnDomain.CodeEditorAppSettingsProperty(app_lifecycle_management=idle_settings),
        ),
    )


def add_profile(settings: dict[str, Any]) -> Build:
    def build(stack: cdk.Stack) -> None:
        cdk.CfnResource(stack, "Profile", type="AWS::SageMaker::UserProfile", properties={
            "DomainId": "d-abc", "UserProfileName": "ana", "UserSettings": settings})
    return build


def add_space(settings: dict[str, Any]) -> Build:
    def build(stack: cdk.Stack) -> None:
        cdk.CfnResource(stack, "Space", type="AWS::SageMaker::Space", properties={
            "DomainId": "d-abc", "SpaceName": "team", "SpaceSettings": settings})
    return build


def add_notebook(**props: Any) -> Build:
    def build(stack: cdk.Stack) -> None:
        cdk.CfnResource(stack, "Notebook", type="AWS::SageMaker::NotebookInstance", properties={
            "InstanceType": "ml.t3.medium", "RoleArn": ROLE_ARN, **props})
    return build


def add_endpoint_config(instance_type: str, kms: bool) -> Build:
    def build(stack: cdk.Stack) -> None:
        sm.CfnEndpointConfig(
            stack, "Config", kms_key_id=KEY_ARN if kms else None,
            production_variants=[sm.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="AllTraffic", model_name="m", instance_type=instance_type,
                initial_instance_count=1, initial_variant_weight=1)],
        )
    return build


def add_role(principal: iam.IPrincipal, managed: list[str] | None = None) -> Build:
    def build(stack: cdk.Stack) -> None:
        iam.Role(stack, "Role", assumed_by=principal, managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(name) for name in managed or []])
    return build


def with_source(principal: iam.IPrincipal) -> iam.IPrincipal:
    return iam.PrincipalWithConditions(principal, {"StringEquals": {"aws:SourceAccount": ACCOUNT}})


# --------------------------------------------------------------------------------------------------- cases
CASES: list[tuple[str, str, Build, Build]] = [
    # rule, path that fires, bad, good
    ("SM1", "T/Domain", add_domain(AppNetworkAccessType="PublicInternetOnly"), add_domain()),
    ("SM2", "T/Domain", add_domain(KmsKeyId=None), add_domain()),
    ("SM3", "T/Domain", lambda s: l1_domain(s, idle="DISABLED"), l1_domain),
    ("SM4", "T/Domain",
     add_domain(DomainSettings={"DockerSettings": {"EnableDockerAccess": "ENABLED"}}), add_domain()),
    ("SM5", "T/Notebook", add_notebook(DirectInternetAccess="Disabled"),
     add_notebook(DirectInternetAccess="Disabled", RootAccess="Disabled")),
    ("SM6", "T/Domain",
     add_domain(DefaultUserSettings={"ExecutionRole": ROLE_ARN, "CodeEditorAppSettings": dict(IDLE),
                                     "JupyterLabAppSettings": {**IDLE, "DefaultResourceSpec": {
                                         "LifecycleConfigArn": LCC_A}, "LifecycleConfigArns": [LCC_B]}}),
     add_domain()),
    ("SM7", "T/Space",
     add_space({"AppType": "JupyterLab", "RemoteAccess": "ENABLED"}),
     add_space({"AppType": "JupyterLab", "RemoteAccess": "DISABLED"})),
    ("SM8", "T/Config",
     add_endpoint_config("ml.m5.large", kms=False), add_endpoint_config("ml.m5.large", kms=True)),
    ("SM9", "T/Role/Resource",
     add_role(with_source(iam.ServicePrincipal("sagemaker.amazonaws.com")), ["AmazonSageMakerFullAccess"]),
     add_role(with_source(iam.ServicePrincipal("sagemaker.amazonaws.com")),
              ["AmazonSageMakerCanvasFullAccess"])),
    ("SM10", "T/Role/Resource",
     add_role(iam.ServicePrincipal("sagemaker.amazonaws.com")),
     add_role(with_source(iam.ServicePrincipal("sagemaker.amazonaws.com")))),
]


@pytest.mark.parametrize(("suffix", "path", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_bad_construct(suffix: str, path: str, bad: Build, good: Build) -> None:
    found = findings(bad)
    assert path in found.get(f"SageMakerPlatform-{suffix}", []), found


@pytest.mark.parametrize(("suffix", "path", "bad", "good"), CASES, ids=[c[0] for c in CASES])
def test_rule_quiet_on_good_construct(suffix: str, path: str, bad: Build, good: Build) -> None:
    assert findings(good) == {}


def test_every_rule_has_a_case() -> None:
    assert sorted(c[0] for c in CASES) == sorted(rule.suffix for rule in r.RULES)


# --------------------------------------------------------------------------------------------- acknowledgements
def two_keyless_domains(ack_on: Callable[[cdk.Stack], IConstruct], ack_id: str = "SageMakerPlatform-SM2") -> Build:
    """Domains ``A`` (inside construct ``Team``) and ``B``, both without a key (SM2); one acknowledgement."""
    def build(stack: cdk.Stack) -> None:
        team = Construct(stack, "Team")
        cdk.CfnResource(team, "A", type="AWS::SageMaker::Domain", properties=domain_props(KmsKeyId=None))
        cdk.CfnResource(stack, "B", type="AWS::SageMaker::Domain", properties=domain_props(KmsKeyId=None))
        cdk.Validations.of(ack_on(stack)).acknowledge(cdk.Acknowledgment(id=ack_id, reason="accepted for the test"))
    return build


def test_acknowledgement_silences_exactly_its_finding() -> None:
    assert findings(two_keyless_domains(lambda s: s.node.find_child("B"))) == {"SageMakerPlatform-SM2": ["T/Team/A"]}
    assert findings(two_keyless_domains(lambda s: s.node.find_child("Team").node.find_child("A"))) == {
        "SageMakerPlatform-SM2": ["T/B"]}


def test_acknowledgement_covers_the_constructs_below() -> None:
    assert findings(two_keyless_domains(lambda s: s.node.find_child("Team"))) == {"SageMakerPlatform-SM2": ["T/B"]}
    assert findings(two_keyless_domains(lambda s: s)) == {}
    assert findings(two_keyless_domains(lambda s: s.node.root)) == {}


def test_acknowledgement_of_another_rule_silences_nothing() -> None:
    both = {"SageMakerPlatform-SM2": ["T/Team/A", "T/B"]}
    assert findings(two_keyless_domains(lambda s: s, ack_id="SageMakerPlatform-SM1")) == both
    assert findings(two_keyless_domains(lambda s: s, ack_id="SageMakerPlatform-SM2[x]")) == both


def test_qualified_acknowledgement_is_applied_by_cdk_and_reported() -> None:
    """``SageMakerPlatform::<rule>`` is the plugin-qualified form: CDK suppresses it and keeps it in the report."""
    report: dict[str, Any] = {}
    found = findings(two_keyless_domains(lambda s: s.node.find_child("B"),
                                         ack_id="SageMakerPlatform::SageMakerPlatform-SM2"), report)
    assert found == {"SageMakerPlatform-SM2": ["T/Team/A"]}
    (plugin,) = [p for p in report["pluginReports"] if p["pluginName"] == "SageMakerPlatform"]
    (suppressed,) = plugin["suppressedViolations"]
    assert suppressed["reason"] == "accepted for the test"
    assert [c["constructPath"] for c in suppressed["violatingConstructs"]] == ["T/B"]


def test_nested_stack_resources_are_checked_and_acknowledged() -> None:
    def build(ack: bool) -> Build:
        def inner(stack: cdk.Stack) -> None:
            nested = cdk.NestedStack(stack, "Nested")
            add_domain(KmsKeyId=None)(nested)
            if ack:
                cdk.Validations.of(nested).acknowledge(cdk.Acknowledgment(id="SageMakerPlatform-SM2", reason="test"))
        return inner
    assert findings(build(ack=False)) == {"SageMakerPlatform-SM2": ["T/Nested/Domain"]}
    assert findings(build(ack=True)) == {}


# --------------------------------------------------------------------------------------------------- edges


def test_domain_without_network_type_is_public() -> None:
    assert "SageMakerPlatform-SM1" in findings(add_domain(AppNetworkAccessType=None))


def test_property_override_is_seen() -> None:
    def build(stack: cdk.Stack) -> None:
        l1_domain(stack).add_property_override("AppNetworkAccessType", "PublicInternetOnly")
    assert findings(build) == {"SageMakerPlatform-SM1": ["T/Domain"]}


def test_idle_shutdown_needs_code_editor_too() -> None:
    defaults = {"ExecutionRole": ROLE_ARN, "JupyterLabAppSettings": dict(IDLE)}
    assert "SageMakerPlatform-SM3" in findings(add_domain(DefaultUserSettings=defaults))


def test_user_profile_cannot_disable_idle_shutdown() -> None:
    off = {"AppLifecycleManagement": {"IdleSettings": {"LifecycleManagement": "DISABLED"}}}
    assert findings(add_profile({"JupyterLabAppSettings": off})) == {"SageMakerPlatform-SM3": ["T/Profile"]}
    assert findings(add_profile({"JupyterLabAppSettings": {}})) == {}


def test_default_lcc_by_getatt() -> None:
    def build(missing: bool) -> Build:
        def inner(stack: cdk.Stack) -> None:
            a = sm.CfnStudioLifecycleConfig(stack, "A", studio_lifecycle_config_name="a",
                                            studio_lifecycle_config_app_type="JupyterLab",
                                            studio_lifecycle_config_content="ZWNobw==")
            b = sm.CfnStudioLifecycleConfig(stack, "B", studio_lifecycle_config_name="b",
                                            studio_lifecycle_config_app_type="JupyterLab",
                                            studio_lifecycle_config_content="ZWNobw==")
            listed = [b.attr_studio_lifecycle_config_arn] if missing else [
                a.attr_studio_lifecycle_config_arn, b.attr_studio_lifecycle_config_arn]
            add_profile({"JupyterLabAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": a.attr_studio_lifecycle_config_arn},
                "LifecycleConfigArns": listed}})(stack)
        return inner
    assert findings(build(missing=True)) == {"SageMakerPlatform-SM6": ["T/Profile"]}
    assert findings(build(missing=False)) == {}


def test_default_lcc_from_a_parameter_is_unknown() -> None:
    def build(stack: cdk.Stack) -> None:
        param = cdk.CfnParameter(stack, "Lcc")
        add_profile({"JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": LCC_A},
                                               "LifecycleConfigArns": [param.value_as_string]}})(stack)
    assert findings(build) == {}


def test_user_profile_network_override() -> None:
    def build(stack: cdk.Stack) -> None:
        add_profile({"ExecutionRole": ROLE_ARN})(stack)
        profile = stack.node.find_child("Profile")
        assert isinstance(profile, cdk.CfnResource)
        profile.add_property_override("UserSettings.AppNetworkAccessType", "PublicInternetOnly")
    assert findings(build).get("SageMakerPlatform-SM7") == ["T/Profile"]


def test_notebook_direct_internet_defaults_to_enabled() -> None:
    assert findings(add_notebook(RootAccess="Disabled")) == {"SageMakerPlatform-SM7": ["T/Notebook"]}


@pytest.mark.parametrize("instance_type",
                         ["ml.g5.xlarge", "ml.m5d.large", "ml.g4dn.xlarge", "ml.p4d.24xlarge"])
def test_endpoint_config_nvme_instances_are_exempt(instance_type: str) -> None:
    assert findings(add_endpoint_config(instance_type, kms=False)) == {}


def test_endpoint_config_token_instance_type_is_unknown() -> None:
    def build(stack: cdk.Stack) -> None:
        param = cdk.CfnParameter(stack, "InstanceType")
        add_endpoint_config(param.value_as_string, kms=False)(stack)
    assert findings(build) == {}


def test_full_access_found_in_a_literal_arn() -> None:
    def build(stack: cdk.Stack) -> None:
        cdk.CfnResource(stack, "Role", type="AWS::IAM::Role", properties={
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"]})
    assert findings(build) == {"SageMakerPlatform-SM9": ["T/Role"]}


def test_trust_rule_ignores_other_services() -> None:
    assert findings(add_role(iam.ServicePrincipal("lambda.amazonaws.com"))) == {}
    assert findings(add_role(iam.ServicePrincipal("states.amazonaws.com"))) == {}


def test_trust_rule_covers_forecast_in_a_composite() -> None:
    composite = iam.CompositePrincipal(iam.ServicePrincipal("sagemaker.amazonaws.com"),
                                       iam.ServicePrincipal("forecast.amazonaws.com"))
    assert "SageMakerPlatform-SM10" in findings(add_role(composite))
    assert findings(add_role(with_source(composite))) == {}


def test_source_arn_alone_is_enough() -> None:
    principal = iam.PrincipalWithConditions(
        iam.ServicePrincipal("sagemaker.amazonaws.com"),
        {"ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:*"}})
    assert findings(add_role(principal)) == {}


def test_templates_are_read_once_per_synthesis(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pack reads each synthesized template once and never walks the construct tree per resource."""
    reads: list[str] = []
    real = templates.read_json

    def counting(path: str) -> Any:
        reads.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(pack, "read_json", counting)

    def build(stack: cdk.Stack) -> None:
        add_domain(KmsKeyId=None)(stack)
        add_profile({"ExecutionRole": ROLE_ARN})(stack)
    assert findings(build) == {"SageMakerPlatform-SM2": ["T/Domain"]}
    assert reads == ["T.template.json"]


def test_check_template_without_cdk() -> None:
    """The rules run on a plain template: every finding with its logical id, in template order."""
    template = {"Resources": {
        "Open": {"Type": "AWS::SageMaker::Domain", "Properties": domain_props(AppNetworkAccessType="PublicInternetOnly",
                                                                               KmsKeyId=None)},
        "Fine": {"Type": "AWS::SageMaker::Domain", "Properties": domain_props()},
        "Bucket": {"Type": "AWS::S3::Bucket"},
    }}
    found = [(f.rule_id, f.logical_id) for f in templates.check_template(template)]
    assert found == [("SageMakerPlatform-SM1", "Open"), ("SageMakerPlatform-SM2", "Open")]
    assert templates.check_template({}) == []


def test_a_failing_rule_is_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_type: str, _props: dict[str, Any]) -> r.Result:
        raise KeyError("boom")
    rules = tuple(replace(rule, check=broken) if rule.suffix == "SM4" else rule for rule in r.RULES)
    monkeypatch.setattr(templates, "RULES", rules)
    assert findings(add_domain()) == {"SageMakerPlatform-SM4": ["T/Domain"]}
