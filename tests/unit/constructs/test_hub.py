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
from aws_cdk.assertions import Match, Template
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.constructs.bucket import AccessLogBucket
from sagemaker_platform.constructs.hub import (
    CURATE_ACTIONS,
    HANDLER_ACTIONS,
    READ_ACTIONS,
    HubContent,
    HubModelReference,
    PrivateHub,
)

ACCOUNT, REGION = "111111111111", "eu-west-1"
LINT = ManualArgs(ignore_checks=["W3005"], regions=[REGION])


def _stack() -> cdk.Stack:
    return cdk.Stack(new_app(), "Test", env=cdk.Environment(account=ACCOUNT, region=REGION))


def _hub(stack: cdk.Stack, construct_id: str = "Hub", **kw: Any) -> PrivateHub:
    if "storage_bucket" not in kw:
        kw.setdefault("encryption_key", kms.Key(stack, f"{construct_id}Key", enable_key_rotation=True))
        kw.setdefault("access_log_bucket", AccessLogBucket(stack, f"{construct_id}Logs"))
    kw.setdefault("name", "org-models")
    kw.setdefault("description", "Models and notebooks shared across the organisation")
    return PrivateHub(stack, construct_id, **kw)


class Built:
    """One stack with a hub, an imported model, a notebook and a reference; synthesized once."""

    def __init__(self) -> None:
        self.stack = _stack()
        self.hub = _hub(self.stack, display_name="Organisation models", keywords=["shared", "approved"])
        self.model = HubContent(
            self.stack,
            "Churn",
            hub=self.hub,
            content_type="Model",
            name="churn-model",
            version="1.0.0",
            document={"Url": "s3://artifacts/churn/model.tar.gz"},
            keywords=["tabular"],
        )
        self.notebook = HubContent(
            self.stack, "Nb", hub=self.hub, content_type="Notebook", name="getting-started", version="1.2.0",
            document="{}", support_status="Supported",
        )
        self.reference = HubModelReference(
            self.stack, "Mistral", hub=self.hub, model_id="huggingface-llm-mistral-7b", min_version="2.0.0"
        )
        self.reader = iam.Role(self.stack, "Reader", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        self.curator = iam.Role(self.stack, "Curator", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        self.hub.grant_read(self.reader)
        self.hub.grant_curate(self.curator)
        self.template = Template.from_stack(self.stack)
        self.json: dict[str, Any] = dict(self.template.to_json())


_built: Built | None = None


@pytest.fixture
def built() -> Built:
    global _built
    if _built is None:
        _built = Built()
    return _built


def _resolve(built: Built, value: Any) -> Any:
    return built.stack.resolve(value)


def _statements(built: Built, role: iam.Role) -> list[dict[str, Any]]:
    role_id = built.stack.get_logical_id(role.node.default_child)  # type: ignore[arg-type]
    found = []
    for resource in built.json["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"]["Roles"]:
            found += resource["Properties"]["PolicyDocument"]["Statement"]
    return found


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for s in statements:
        found |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return found


def test_hub_resource_and_encrypted_storage(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::SageMaker::Hub",
        {
            "HubName": built.hub.hub_name,
            "HubDisplayName": "Organisation models",
            "HubSearchKeywords": ["shared", "approved"],
            "S3StorageConfig": {"S3OutputPath": Match.any_value()},
        },
    )
    assert built.hub.hub_name.startswith("org-models-") and len(built.hub.hub_name) == len("org-models-") + 10
    buckets = built.template.find_resources("AWS::S3::Bucket")
    storage = [r for lid, r in buckets.items() if lid.startswith("HubStorage")]
    assert len(storage) == 1
    [rule] = storage[0]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_hub_name_follows_the_create_only_storage() -> None:
    """A new storage location is a new hub name (a replacement, not a failed update); the same one is stable."""
    names = []
    for bucket, prefix in (("bucket-a", "hub"), ("bucket-a", "hub"), ("bucket-b", "hub"), ("bucket-a", "other")):
        stack = _stack()
        given = s3.Bucket.from_bucket_name(stack, "Given", bucket)
        names.append(_hub(stack, storage_bucket=given, storage_prefix=prefix).hub_name)
    assert names[0] == names[1]
    assert len(set(names)) == 3
    stack = _stack()
    given = s3.Bucket.from_bucket_name(stack, "Given", "bucket-a")
    hub = _hub(stack, storage_bucket=given)
    assert stack.resolve(hub.hub.s3_storage_config)["s3OutputPath"] == "s3://bucket-a/hub/"
    assert not Template.from_stack(stack).find_resources("AWS::S3::Bucket")


def test_grant_read_is_browse_and_use_only(built: Built) -> None:
    statements = _statements(built, built.reader)
    actions = _actions(statements)
    assert set(READ_ACTIONS) <= actions
    assert not actions & set(CURATE_ACTIONS)
    hub_statement = next(s for s in statements if "sagemaker:DescribeHub" in s["Action"])
    resources = json.dumps(hub_statement["Resource"])
    assert f":hub/{built.hub.hub_name}" in resources
    assert f":hub-content/{built.hub.hub_name}/*/*/*" in resources
    assert "s3:GetObject*" in actions and "kms:Decrypt" in actions
    assert "s3:PutObject" not in actions


def test_grant_curate_adds_content_management(built: Built) -> None:
    actions = _actions(_statements(built, built.curator))
    assert set(READ_ACTIONS) | set(CURATE_ACTIONS) <= actions
    assert "s3:PutObject" in actions


def test_content_custom_resources(built: Built) -> None:
    hub_id = built.stack.get_logical_id(built.hub.hub)
    model = built.template.find_resources("Custom::HubContent", {"Properties": {"HubContentName": "churn-model"}})
    [(_, resource)] = model.items()
    props = resource["Properties"]
    assert props["HubName"] == built.hub.hub_name
    assert props["HubContentType"] == "Model" and props["HubContentVersion"] == "1.0.0"
    assert json.loads(props["HubContentDocument"]) == {"Url": "s3://artifacts/churn/model.tar.gz"}
    assert props["DocumentSchemaVersion"] == "2.0.0"
    assert hub_id in resource["DependsOn"]
    [(_, reference)] = built.template.find_resources("Custom::HubModelReference").items()
    assert reference["Properties"]["MinVersion"] == "2.0.0"
    arn = json.dumps(reference["Properties"]["SageMakerPublicHubContentArn"])
    assert ":aws:hub-content/SageMakerPublicHub/Model/huggingface-llm-mistral-7b" in arn
    assert hub_id in reference["DependsOn"]


def test_one_handler_with_exactly_its_calls_on_the_hub(built: Built) -> None:
    handler = {"Properties": {"Handler": "hub_content.on_event"}}
    functions = built.template.find_resources("AWS::Lambda::Function", handler)
    assert len(functions) == 1
    role = built.stack.node.find_child("HubContentProvider").node.find_child("HandlerRole")
    statements = [s for s in _statements(built, role) if str(s["Action"]).count("sagemaker:")]  # type: ignore[arg-type]
    assert len(statements) == 1
    assert set(statements[0]["Action"]) == set(HANDLER_ACTIONS)
    resources = json.dumps(statements[0]["Resource"])
    assert f":hub/{built.hub.hub_name}" in resources and f":hub-content/{built.hub.hub_name}/*/*/*" in resources


def test_template_is_cfn_lint_clean(built: Built) -> None:
    matches = lint(json.dumps(built.json), config=LINT)
    assert not matches, "\n".join(f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}" for m in matches)


def test_lint_catches_a_bad_keyword(built: Built) -> None:
    """The lint above can fail: the schema refuses capital letters in keywords, which the L1 type accepts."""
    template = json.loads(json.dumps(built.json))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::SageMaker::Hub":
            resource["Properties"]["HubSearchKeywords"] = ["Shared"]
    assert lint(json.dumps(template), config=LINT)


def test_create_only_properties_are_the_ones_the_name_follows() -> None:
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    digest = json.loads((schemas / "providers" / "us-east-1.json").read_text())["AWS::SageMaker::Hub"]
    schema = json.loads((schemas / "resources" / f"{digest}.json").read_text())
    assert sorted(schema["createOnlyProperties"]) == ["/properties/HubName", "/properties/S3StorageConfig"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "org_models"}, r"PrivateHub name must be 1-52 letters.*'org_models'"),
        ({"name": "x" * 53}, r"PrivateHub name must be 1-52"),
        ({"keywords": ["Shared"]}, r"PrivateHub keywords: .*capital letters, got 'Shared'"),
        ({"description": ""}, r"PrivateHub description must be 1-1023"),
        ({"storage_prefix": "/"}, r"storage_prefix must be a non-empty S3 key prefix"),
        ({"encryption_key": None}, r"PrivateHub needs encryption_key to create its storage bucket"),
    ],
)
def test_bad_hub_input(kwargs: dict[str, Any], message: str) -> None:
    stack = _stack()
    if kwargs.get("encryption_key", 1) is None:
        kwargs["access_log_bucket"] = AccessLogBucket(stack, "Logs")
    with pytest.raises(ValueError, match=message):
        _hub(stack, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"content_type": "DataSet"}, r"content_type must be one of Model, Notebook, got 'DataSet'"),
        ({"version": "1.0"}, r"HubContent version must look like 1.0.0 .*'1.0'"),
        ({"name": "-bad"}, r"HubContent name must be"),
        ({"support_status": "Retired"}, r"support_status must be one of"),
    ],
)
def test_bad_content_input(kwargs: dict[str, Any], message: str) -> None:
    stack = _stack()
    hub = _hub(stack)
    args: dict[str, Any] = {"content_type": "Model", "name": "m", "version": "1.0.0", "document": {}, **kwargs}
    with pytest.raises(ValueError, match=message):
        HubContent(stack, "C", hub=hub, **args)
    with pytest.raises(ValueError, match=r"min_version must look like 1.0.0"):
        HubModelReference(stack, "R", hub=hub, model_id="some-model", min_version="latest")
