"""Private hubs, Canvas per persona and collaboration, as the config drives them in the Studio stack.

The platform is built once per config at module scope (compliance packs on, as ``cdk synth`` runs them); the config
checks are one-line errors naming the field.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.config import ConfigError, PlatformConfig, parse_config
from sagemaker_platform.constructs.cors import CANVAS_RULE_ID
from sagemaker_platform.constructs.domain import StudioDomain
from sagemaker_platform.constructs.hub import CURATE_ACTIONS, READ_ACTIONS
from sagemaker_platform.constructs.network import StudioNetwork
from sagemaker_platform.constructs.roles import KENDRA_QUERY_ACTIONS, ExecutionRole
from sagemaker_platform.stacks.platform import build_platform

ROOT = Path(__file__).resolve().parents[3]
BASE: dict[str, Any] = yaml.safe_load((ROOT / "config" / "default.yaml").read_text(encoding="utf-8"))
INDEX = "0a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d"
CURATOR_ROLE = "arn:aws:iam::111111111111:role/hub-curator"
HUB = {
    "name": "org-models",
    "description": "Shared models",
    "keywords": ["approved"],
    "curators": ["ml_engineer", CURATOR_ROLE],
    "hide_public_hub": True,
    "share_with_accounts": ["222222222222"],
    "content": [
        {"model_id": "huggingface-llm-mistral-7b-instruct", "min_version": "3.0.0"},
        {"type": "Model", "name": "churn", "version": "1.0.0", "document": {"HostingArtifactUri": "s3://b/m.tar.gz"}},
        {"type": "Notebook", "name": "intro", "version": "1.0.0", "s3_uri": "s3://bucket-a/nb/intro.ipynb"},
    ],
}


def _config(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def _parse(data: dict[str, Any]) -> PlatformConfig:
    return parse_config(data, source="test.yaml", source_dir=ROOT / "config")


class Built:
    def __init__(self, data: dict[str, Any]) -> None:
        self.config = _parse(data)
        app = new_app()
        self.platform = build_platform(app, self.config)
        self.template = Template.from_stack(self.platform.studio)
        self.json: dict[str, Any] = dict(self.template.to_json())

    def _logical_id(self, construct: Any) -> str:
        """The final logical id (some are pinned to 0.1's)."""
        logical_id: str = self.platform.studio.resolve(construct.node.default_child.logical_id)
        return logical_id

    def role_statements(self, persona: str) -> list[dict[str, Any]]:
        role_id = self._logical_id(self.platform.studio.roles[persona])
        found: list[dict[str, Any]] = []
        for resource in self.json["Resources"].values():
            policy = resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            if policy and {"Ref": role_id} in resource["Properties"].get("Roles", []):
                found += resource["Properties"]["PolicyDocument"]["Statement"]
        return found

    def managed_policies(self, persona: str) -> str:
        role_id = self._logical_id(self.platform.studio.roles[persona])
        return json.dumps(self.json["Resources"][role_id]["Properties"].get("ManagedPolicyArns", []))


def _actions(statements: list[dict[str, Any]], effect: str = "Allow") -> set[str]:
    found: set[str] = set()
    for s in statements:
        if s["Effect"] == effect:
            found |= set(s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    return found


def _by_sid(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    return next(s for s in statements if s.get("Sid") == sid)


_built: dict[str, Built] = {}


def built(name: str) -> Built:
    """``hubs``: a hub and Canvas for data scientists; ``plain``: default.yaml with Canvas local upload off."""
    if name not in _built:
        data = (
            _config(hubs=[HUB], domain__canvas={"enabled": True, "personas": ["data_scientist"],
                                                 "kendra_index_ids": [INDEX]})
            if name == "hubs"
            else _config(domain__canvas={"enabled": True, "local_upload": False})
        )
        _built[name] = Built(data)
    return _built[name]


# ----------------------------------------------------------------------------------------------- hubs
def test_hub_its_content_and_its_share() -> None:
    b = built("hubs")
    hub_name = b.platform.studio.hubs[0].hub_name
    b.template.has_resource_properties("AWS::SageMaker::Hub", {"HubName": hub_name, "HubSearchKeywords": ["approved"]})
    assert len(b.template.find_resources("Custom::HubModelReference")) == 1
    imports = b.template.find_resources("Custom::HubContent")
    documents = {r["Properties"]["HubContentName"]: json.loads(r["Properties"]["HubContentDocument"])
                 for r in imports.values()}
    assert documents["intro"] == {"Dependencies": [], "NotebookLocation": "s3://bucket-a/nb/intro.ipynb"}
    assert documents["churn"] == {"HostingArtifactUri": "s3://b/m.tar.gz"}
    [share] = b.template.find_resources("AWS::RAM::ResourceShare").values()
    assert share["Properties"]["Principals"] == ["222222222222"]
    assert share["Properties"]["AllowExternalPrincipals"] is False
    assert hub_name in json.dumps(share["Properties"]["ResourceArns"])


def test_every_persona_browses_only_curators_curate() -> None:
    b = built("hubs")
    for persona in ("data_scientist", "ml_engineer", "business_analyst"):
        statements = b.role_statements(persona)
        assert set(READ_ACTIONS) | {"sagemaker:ListHubs"} <= _actions(statements), persona
        curates = set(CURATE_ACTIONS) <= _actions(statements)
        denied = set(CURATE_ACTIONS) <= _actions(statements, "Deny")
        assert curates == (persona == "ml_engineer"), persona
        assert denied == (persona != "ml_engineer"), persona


def test_a_curator_role_arn_gets_a_policy_of_the_stack() -> None:
    b = built("hubs")
    policies = [r for r in b.json["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
                and r["Properties"].get("Roles") == ["hub-curator"]]
    assert len(policies) == 1
    assert set(CURATE_ACTIONS) <= _actions(policies[0]["Properties"]["PolicyDocument"]["Statement"])


def test_public_hub_hidden_except_referenced_models() -> None:
    b = built("hubs")
    statements = b.role_statements("data_scientist")
    browse = _by_sid(statements, "DenyPublicHubBrowsing")
    assert browse["Effect"] == "Deny" and "hub/SageMakerPublicHub" in json.dumps(browse["Resource"])
    content = _by_sid(statements, "DenyPublicHubContent")
    kept = json.dumps(content["NotResource"])
    assert "hub-content/SageMakerPublicHub/Model/huggingface-llm-mistral-7b-instruct/*" in kept
    allowed = _by_sid(statements, "PublicHub")
    assert "SageMakerPublicHub/Model/huggingface-llm-mistral-7b-instruct/*" in json.dumps(allowed["Resource"])
    assert "sagemaker:ListHubContents" not in allowed["Action"]


def test_without_hubs_the_public_hub_is_readable_and_nothing_denied() -> None:
    b = built("plain")
    statements = b.role_statements("data_scientist")
    allowed = _by_sid(statements, "PublicHub")
    assert "sagemaker:ListHubContents" in allowed["Action"]
    assert not any(s.get("Sid", "").startswith("DenyPublicHub") for s in statements)
    assert not b.template.find_resources("AWS::SageMaker::Hub")


# ----------------------------------------------------------------------------------------------- Canvas
def test_canvas_for_a_data_scientist_persona_with_its_guardrails_and_kendra() -> None:
    b = built("hubs")
    ds = b.role_statements("data_scientist")
    assert "AmazonSageMakerCanvasFullAccess" in b.managed_policies("data_scientist")
    assert "sagemaker:CreateEndpoint" in _by_sid(ds, "DenyMlOpsToDataScientists")["Action"]
    assert "sagemaker:ListCandidatesForAutoMLJob" in _by_sid(ds, "CanvasAutoMLCandidates")["Action"]
    kendra = _by_sid(ds, "CanvasKendraIndexes")
    assert sorted(kendra["Action"]) == sorted(KENDRA_QUERY_ACTIONS)
    resource = json.dumps(kendra["Resource"])
    assert f":index/{INDEX}" in resource and "*" not in resource
    # The ML engineer has no Canvas here: no Canvas policies, no Kendra, no MLOps deny.
    ml = b.role_statements("ml_engineer")
    assert "Canvas" not in b.managed_policies("ml_engineer")
    assert not any(s.get("Sid") in ("CanvasKendraIndexes", "DenyMlOpsToDataScientists") for s in ml)


def test_analyst_lists_automl_candidates() -> None:
    statements = built("plain").role_statements("business_analyst")
    assert "sagemaker:ListCandidatesForAutoMLJob" in _by_sid(statements, "CanvasAutoMLCandidates")["Action"]
    assert not any(s.get("Sid") == "CanvasKendraIndexes" for s in statements)


def test_local_upload_switches_the_canvas_cors_rule() -> None:
    def rule_ids(b: Built) -> set[str]:
        bucket_id = b._logical_id(b.platform.studio.bucket)
        rules = b.json["Resources"][bucket_id]["Properties"]["CorsConfiguration"]
        return {rule["Id"] for rule in rules["CorsRules"]}

    assert CANVAS_RULE_ID in rule_ids(built("hubs"))
    assert CANVAS_RULE_ID not in rule_ids(built("plain"))


# ----------------------------------------------------------------------------------------------- config errors
@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"domain__hidden_app_types": ["JupyterServer"]}, "domain.hidden_app_types", "remove JupyterServer"),
        ({"hubs": [{**HUB, "curators": ["admins"]}]}, "hubs[0].curators", "a curator is a persona"),
        ({"hubs": [{**HUB, "name": "x" * 53}]}, "hubs[0].name", "at most 52"),
        ({"hubs": [HUB, HUB]}, "hubs[1].name", "duplicate hub"),
        ({"hubs": [{**HUB, "content": [{"model_id": "m", "type": "Model"}]}]}, "hubs[0].content[0]", "set model_id"),
        ({"hubs": [{**HUB, "content": [{"model_id": "m", "version": "1.0.0"}]}]}, "hubs[0].content[0]",
         "not version"),
        ({"hubs": [{**HUB, "content": [{"type": "Model", "name": "m", "version": "1.0.0"}]}]}, "hubs[0].content[0]",
         "exactly one of document"),
        ({"hubs": [{**HUB, "content": [{"type": "Model", "name": "m", "version": "1.0.0", "s3_uri": "s3://bkt/m"}]}]},
         "hubs[0].content[0]", "a Model needs its document"),
        ({"hubs": [{**HUB, "content": [{"model_id": "m"}, {"type": "Notebook", "name": "m", "version": "1.0.0",
                                                           "s3_uri": "s3://bkt/m"}]}]},
         "hubs[0].content[1].name", "duplicate hub content"),
        ({"hubs": [{**HUB, "content": [{"type": "Model", "name": "m", "version": "1.0", "document": {}}]}]},
         "hubs[0].content[0].version", "should match"),
        ({"hubs": [{**HUB, "share_with_accounts": ["12345"]}]}, "hubs[0].share_with_accounts[0]", "should match"),
        ({"domain__canvas": {"enabled": False}, "users": [{"name": "a", "canvas": True}]}, "users[0].canvas",
         "needs domain.canvas.enabled"),
        ({"domain__canvas": {"enabled": True, "personas": ["ml_engineer"]}, "users": [{"name": "a"}]},
         "domain.canvas.personas[0]", "no user has this persona"),
        ({"hubs": [{**HUB, "curators": ["ml_engineer"]}], "users": [{"name": "a"}]}, "hubs[0].curators[0]",
         "no user has this persona"),
    ],
)
def test_config_errors_are_one_line(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        _parse(_config(**changes))
    message = str(error.value)
    assert "\n" not in message
    assert f"test.yaml: {field}:" in message, message
    assert words in message, message


def test_collaboration_off_allows_hiding_studio_classic() -> None:
    cfg = _parse(_config(domain__hidden_app_types=["JupyterServer"], governance={"collaboration": False}))
    assert cfg.domain.hidden_app_types == ["JupyterServer"]


def test_a_user_switch_gives_their_persona_canvas() -> None:
    users = [{"name": "ana", "persona": "data_scientist"}, {"name": "max", "persona": "ml_engineer", "canvas": True}]
    cfg = _parse(_config(users=users))
    assert cfg.canvas_personas() == ["ml_engineer", "business_analyst"]


def test_studio_domain_refuses_collaboration_without_studio_classic() -> None:
    stack = cdk.Stack(new_app(), "Test")
    network = StudioNetwork(stack, "Net")
    role = ExecutionRole(stack, "Role", persona="data_scientist")
    with pytest.raises(ValueError, match=r"StudioDomain hidden_app_types: collaboration .* remove JupyterServer"):
        StudioDomain(
            stack, "Domain", domain_name="d", vpc=network.vpc, security_groups=[network.studio_security_group],
            default_execution_role=role, encryption_key=kms.Key(stack, "Key"),
            hidden_app_types=["JupyterServer"], collaboration=True,
        )
    assert isinstance(role, iam.Role)
