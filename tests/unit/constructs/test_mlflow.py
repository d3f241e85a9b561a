"""MlflowTrackingServer: the template it makes, its role, its grants evaluated as IAM does, and bad props."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import cfnlint
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.bucket import AccessLogBucket
from sagemaker_platform.constructs.mlflow import (
    LOG_ACTIONS,
    READ_ACTIONS,
    REGISTRATION_ACTIONS,
    ImportedMlflowTrackingServer,
    MlflowTrackingServer,
)
from tests.iam.evaluator import Decision, Request, evaluate

ACCOUNT, REGION = "111111111111", "eu-west-1"
LINT = ManualArgs(ignore_checks=["W3005"], regions=[REGION])
SERVER_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/team-mlflow"
OTHER_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/other-mlflow"


def _stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Test", env=cdk.Environment(account=ACCOUNT, region=REGION))


def _server(stack: cdk.Stack, construct_id: str = "Mlflow", **kw: Any) -> MlflowTrackingServer:
    if "artifact_bucket" not in kw:
        kw.setdefault("encryption_key", kms.Key(stack, f"{construct_id}Key", enable_key_rotation=True))
        kw.setdefault("access_log_bucket", AccessLogBucket(stack, f"{construct_id}Logs"))
    kw.setdefault("tracking_server_name", "team-mlflow")
    return MlflowTrackingServer(stack, construct_id, **kw)


def _role(stack: cdk.Stack, construct_id: str) -> iam.Role:
    return iam.Role(stack, construct_id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


class Built:
    """A server with every option, and roles that log, read, open the UI, or are refused; synthesized once."""

    def __init__(self) -> None:
        self.stack = _stack()
        self.server = _server(
            self.stack,
            size="Medium",
            mlflow_version="2.16.2",
            automatic_model_registration=True,
            weekly_maintenance_window_start="Sun:03:30",
        )
        self.logger, self.reader, self.viewer, self.refused = (
            _role(self.stack, name) for name in ("Logger", "Reader", "Viewer", "Refused")
        )
        self.server.grant_log(self.logger)
        self.server.grant_read(self.reader)
        self.server.deny_log(self.reader)
        self.server.grant_presigned_url(self.viewer)
        self.server.deny_read(self.refused)
        self.server.deny_presigned_url(self.refused)
        self.template = Template.from_stack(self.stack)
        self.json: dict[str, Any] = dict(self.template.to_json())
        self.resources: dict[str, Any] = self.json["Resources"]

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.resolve(construct.node.default_child.ref)["Ref"])

    def policies(self, role: iam.Role) -> list[dict[str, Any]]:
        """The role's policy documents with the stack's references replaced by concrete ARNs."""
        role_id = self.logical_id(role)
        bucket_id = self.logical_id(self.server.artifact_bucket)
        key_id = next(k for k, v in self.resources.items() if v["Type"] == "AWS::KMS::Key")
        names = {role_id: "role", bucket_id: "artifacts-bucket", key_id: "key"}
        arns = {bucket_id: "arn:aws:s3:::artifacts-bucket", key_id: f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1"}

        def concrete(value: Any) -> Any:
            if isinstance(value, dict):
                if "Ref" in value:
                    return names[value["Ref"]]
                if "Fn::GetAtt" in value:
                    return arns[value["Fn::GetAtt"][0]]
                if "Fn::Join" in value:
                    sep, parts = value["Fn::Join"]
                    return sep.join(concrete(p) for p in parts)
                return {k: concrete(v) for k, v in value.items()}
            if isinstance(value, list):
                return [concrete(v) for v in value]
            return value

        return [
            concrete(r["Properties"]["PolicyDocument"])
            for r in self.resources.values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
        ]


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def _server_resource(built: Built) -> dict[str, Any]:
    return _server_resource_of(built.json)


# ----------------------------------------------------------------------------------------------- template
def test_server_properties(built: Built) -> None:
    resource = _server_resource(built)
    props = resource["Properties"]
    assert props["TrackingServerName"] == "team-mlflow"
    assert props["TrackingServerSize"] == "Medium"
    assert props["MlflowVersion"] == "2.16.2"
    assert props["AutomaticModelRegistration"] is True
    assert props["WeeklyMaintenanceWindowStart"] == "Sun:03:30"
    bucket_id = built.logical_id(built.server.artifact_bucket)
    assert props["ArtifactStoreUri"] == {"Fn::Join": ["", ["s3://", {"Ref": bucket_id}, "/mlflow/"]]}
    assert props["RoleArn"] == {"Fn::GetAtt": [built.logical_id(built.server.role), "Arn"]}
    # Retained (the metadata store is the only copy of the runs), and created once its role can reach the store.
    assert resource["DeletionPolicy"] == "Retain"
    policy_id = next(k for k, v in built.resources.items()
                     if v["Type"] == "AWS::IAM::Policy" and {"Ref": built.logical_id(built.server.role)}
                     in v["Properties"]["Roles"])
    assert policy_id in resource["DependsOn"]


def test_defaults_leave_optional_properties_out() -> None:
    stack = _stack()
    _server(stack)
    props = Template.from_stack(stack).find_resources("AWS::SageMaker::MlflowTrackingServer")
    ((resource),) = props.values()
    assert resource["Properties"]["TrackingServerSize"] == "Small"
    assert resource["Properties"]["AutomaticModelRegistration"] is False
    assert "MlflowVersion" not in resource["Properties"]
    assert "WeeklyMaintenanceWindowStart" not in resource["Properties"]


def test_artifact_bucket_is_kms_encrypted_and_access_logged(built: Built) -> None:
    bucket = built.resources[built.logical_id(built.server.artifact_bucket)]
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert "LoggingConfiguration" in bucket["Properties"]
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


def test_an_existing_bucket_needs_no_key_or_log_bucket() -> None:
    stack = _stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "team-artifacts")
    server = _server(stack, artifact_bucket=bucket, artifact_prefix="/runs/")
    assert server.artifact_prefix == "runs/"
    ((resource),) = Template.from_stack(stack).find_resources("AWS::SageMaker::MlflowTrackingServer").values()
    assert resource["Properties"]["ArtifactStoreUri"] == "s3://team-artifacts/runs/"
    assert not Template.from_stack(stack).find_resources("AWS::S3::Bucket")


def test_role_is_trusted_by_sagemaker_of_this_account_only(built: Built) -> None:
    role = built.resources[built.logical_id(built.server.role)]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:*:{REGION}:{ACCOUNT}:*"}


def test_template_is_cfn_lint_clean(built: Built) -> None:
    matches = lint(json.dumps(built.json), config=LINT)
    assert not matches, "\n".join(f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches)


def test_lint_catches_a_bad_maintenance_window(built: Built) -> None:
    """The lint above can fail: the schema's pattern refuses a window the L1 type accepts."""
    template = json.loads(json.dumps(built.json))
    _server_resource_of(template)["Properties"]["WeeklyMaintenanceWindowStart"] = "Sunday 3am"
    assert lint(json.dumps(template), config=LINT)


def _server_resource_of(template: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::MlflowTrackingServer")


def test_the_name_is_the_only_create_only_property() -> None:
    """The construct keeps the name fixed (see its docstring); this guards that reading of the schema."""
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    digest = json.loads((schemas / "providers" / "us-east-1.json").read_text())["AWS::SageMaker::MlflowTrackingServer"]
    schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
    assert schema["createOnlyProperties"] == ["/properties/TrackingServerName"]
    assert sorted(schema["conditionalCreateOnlyProperties"]) == ["/properties/MlflowVersion", "/properties/RoleArn"]
    assert schema["properties"]["TrackingServerSize"]["enum"] == ["Small", "Medium", "Large"]


# ----------------------------------------------------------------------------------------------- the server's role
def _decide(built: Built, role: iam.Role, action: str, resource: str) -> Decision:
    return evaluate(built.policies(role), Request(action, resource, {}))


def test_server_role_reads_and_writes_the_artifact_prefix_only(built: Built) -> None:
    role = built.server.role
    artifact = "arn:aws:s3:::artifacts-bucket/mlflow/1/run/model.pkl"
    assert _decide(built, role, "s3:PutObject", artifact) is Decision.ALLOW
    assert _decide(built, role, "s3:GetObject", artifact) is Decision.ALLOW
    assert _decide(built, role, "s3:ListBucket", "arn:aws:s3:::artifacts-bucket") is Decision.ALLOW
    assert _decide(built, role, "s3:PutObject", "arn:aws:s3:::artifacts-bucket/other/x") is not Decision.ALLOW
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert _decide(built, role, action, "arn:aws:s3:::artifacts-bucket/mlflow/x") is not Decision.ALLOW
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k1"
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        assert _decide(built, role, action, key) is Decision.ALLOW


def test_server_role_registers_models_in_this_account_with_automatic_registration(built: Built) -> None:
    role = built.server.role
    group = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/churn-a1b2c3"
    package = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn-a1b2c3/1"
    for action in REGISTRATION_ACTIONS:
        assert _decide(built, role, action, group) is Decision.ALLOW, action
        assert _decide(built, role, action, package) is Decision.ALLOW, action
    other_account = "arn:aws:sagemaker:eu-west-1:222222222222:model-package-group/churn-a1b2c3"
    assert _decide(built, role, "sagemaker:CreateModelPackageGroup", other_account) is not Decision.ALLOW
    assert _decide(built, role, "sagemaker:DeleteModelPackageGroup", group) is not Decision.ALLOW


def test_without_automatic_registration_the_role_has_no_registry_actions() -> None:
    stack = _stack()
    server = _server(stack)
    text = json.dumps(Template.from_stack(stack).to_json())
    assert "CreateModelPackage" not in text
    assert server.automatic_model_registration is False


# ----------------------------------------------------------------------------------------------- grants
def test_grant_log_allows_logging_and_reading_on_this_server_only(built: Built) -> None:
    for action in (*LOG_ACTIONS, *READ_ACTIONS):
        assert _decide(built, built.logger, action, SERVER_ARN) is Decision.ALLOW, action
        assert _decide(built, built.logger, action, OTHER_ARN) is not Decision.ALLOW, action
    artifact = "arn:aws:s3:::artifacts-bucket/mlflow/3/abc/artifacts/model/model.pkl"
    assert _decide(built, built.logger, "s3:PutObject", artifact) is Decision.ALLOW
    assert _decide(built, built.logger, "s3:GetObject", artifact) is Decision.ALLOW


def test_grant_log_gives_no_presigned_url_and_nothing_that_deletes(built: Built) -> None:
    for action in (
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
        "sagemaker-mlflow:DeleteExperiment",
        "sagemaker-mlflow:DeleteRun",
        "sagemaker-mlflow:DeleteRegisteredModel",
        "sagemaker-mlflow:TransitionModelVersionStage",
        "sagemaker-mlflow:SetRegisteredModelAlias",
    ):
        assert _decide(built, built.logger, action, SERVER_ARN) is not Decision.ALLOW, action
    assert _decide(built, built.logger, "s3:DeleteObject", "arn:aws:s3:::artifacts-bucket/mlflow/x") is not (
        Decision.ALLOW
    )
    assert not [a for a in LOG_ACTIONS if ":Delete" in a or ":Rename" in a or ":Restore" in a]


def test_grant_read_reads_and_deny_log_refuses_logging(built: Built) -> None:
    for action in READ_ACTIONS:
        assert _decide(built, built.reader, action, SERVER_ARN) is Decision.ALLOW, action
    for action in LOG_ACTIONS:
        assert _decide(built, built.reader, action, SERVER_ARN) is Decision.EXPLICIT_DENY, action
    artifact = "arn:aws:s3:::artifacts-bucket/mlflow/x"
    assert _decide(built, built.reader, "s3:GetObject", artifact) is Decision.ALLOW
    for action in ("s3:PutObject", "s3:DeleteObject"):
        assert _decide(built, built.reader, action, artifact) is Decision.EXPLICIT_DENY, action


def test_grant_presigned_url_opens_the_ui_of_this_server(built: Built) -> None:
    for action in ("sagemaker:CreatePresignedMlflowTrackingServerUrl", "sagemaker:DescribeMlflowTrackingServer"):
        assert _decide(built, built.viewer, action, SERVER_ARN) is Decision.ALLOW, action
        assert _decide(built, built.viewer, action, OTHER_ARN) is not Decision.ALLOW, action
    assert _decide(built, built.viewer, "sagemaker-mlflow:AccessUI", "*") is Decision.ALLOW
    assert _decide(built, built.viewer, "sagemaker-mlflow:GetRun", SERVER_ARN) is not Decision.ALLOW


def test_deny_read_and_deny_presigned_url_refuse_everything(built: Built) -> None:
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    policies = [*built.policies(built.refused), allow_all]
    for action in (*READ_ACTIONS, *LOG_ACTIONS, "sagemaker:CreatePresignedMlflowTrackingServerUrl"):
        assert evaluate(policies, Request(action, SERVER_ARN, {})) is Decision.EXPLICIT_DENY, action
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"):
        request = Request(action, "arn:aws:s3:::artifacts-bucket/mlflow/1/run/model.pkl", {})
        assert evaluate(policies, request) is Decision.EXPLICIT_DENY, action
    # Objects outside the artifact prefix are not this server's business.
    assert evaluate(policies, Request("s3:GetObject", "arn:aws:s3:::artifacts-bucket/other", {})) is Decision.ALLOW


def test_imported_server_has_the_same_grants() -> None:
    stack = _stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "team-artifacts")
    server = MlflowTrackingServer.from_tracking_server_name(
        stack, "Imported", tracking_server_name="shared-mlflow", artifact_bucket=bucket
    )
    assert isinstance(server, ImportedMlflowTrackingServer)
    role = _role(stack, "Logger")
    server.grant_log(role)
    server.grant_presigned_url(role)
    statements = [
        s
        for r in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    resources = json.dumps(stack.resolve(statements))
    assert "mlflow-tracking-server/shared-mlflow" in resources
    assert "team-artifacts/mlflow/*" in resources
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert set(LOG_ACTIONS) <= actions and "sagemaker:CreatePresignedMlflowTrackingServerUrl" in actions


def test_imported_server_without_bucket_grants_the_api_only() -> None:
    stack = _stack()
    server = MlflowTrackingServer.from_tracking_server_name(stack, "Imported", tracking_server_name="shared-mlflow")
    role = _role(stack, "Reader")
    server.grant_read(role)
    text = json.dumps(Template.from_stack(stack).to_json())
    assert "sagemaker-mlflow:GetRun" in text and "s3:" not in text


# ----------------------------------------------------------------------------------------------- bad props
@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"tracking_server_name": "team_mlflow"}, r"MlflowTrackingServer tracking_server_name: .*'team_mlflow'"),
        ({"tracking_server_name": "-team"}, r"MlflowTrackingServer tracking_server_name: .*'-team'"),
        ({"tracking_server_name": "a" * 257}, r"MlflowTrackingServer tracking_server_name: .*at most 256 characters"),
        ({"size": "XLarge"}, r"MlflowTrackingServer size: one of Small, Medium, Large \(got 'XLarge'\)"),
        ({"mlflow_version": "latest"}, r"MlflowTrackingServer mlflow_version: .*\(got 'latest'\)"),
        ({"weekly_maintenance_window_start": "Sun:24:00"},
         r"MlflowTrackingServer weekly_maintenance_window_start: .*\(got 'Sun:24:00'\)"),
        ({"weekly_maintenance_window_start": "sun:03:30"},
         r"MlflowTrackingServer weekly_maintenance_window_start: .*\(got 'sun:03:30'\)"),
        ({"automatic_model_registration": "yes"}, r"MlflowTrackingServer automatic_model_registration: .*'yes'"),
        ({"artifact_prefix": "/"}, r"MlflowTrackingServer artifact_prefix: .*\(got '/'\)"),
        ({"encryption_key": None}, r"MlflowTrackingServer needs encryption_key to create its artifact bucket"),
    ],
)
def test_bad_props_raise_naming_the_prop(props: dict[str, Any], message: str) -> None:
    stack = _stack()
    with pytest.raises(ValueError, match=message):
        _server(stack, **props)


def test_a_token_name_is_refused() -> None:
    stack = _stack()
    with pytest.raises(ValueError, match="tracking_server_name: a literal string"):
        _server(stack, tracking_server_name=cdk.Aws.STACK_NAME)
