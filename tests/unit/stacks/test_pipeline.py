"""PipelineStack: source, synth step (the README's commands), one stage per environment, approvals, compliance."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.config import ConfigError, load_config
from sagemaker_platform.main import build_app
from sagemaker_platform.stacks.pipeline import BUILD_IMAGE, PipelineStack, build_pipeline, synth_commands
from sagemaker_platform.stacks.platform import Platform, build_platform
from tests.conftest import ROOT

PIPELINE_CONFIG = "config/examples/pipeline.yaml"


class Built:
    def __init__(self, config_file: str = PIPELINE_CONFIG, *, compliance: bool = True) -> None:
        self.config = load_config(ROOT / config_file)
        self.app = new_app(context={"config": config_file})
        self.platform: Platform = build_app(self.app, self.config, compliance=compliance)
        assert isinstance(self.platform.pipeline, PipelineStack)
        self.stack: PipelineStack = self.platform.pipeline
        self.assembly = self.app.synth()  # the compliance packs run here, over the stages' stacks too
        self.template: dict[str, Any] = self.assembly.get_stack_artifact(self.stack.artifact_id).template

    def resources(self, resource_type: str) -> list[dict[str, Any]]:
        return [r for r in self.template["Resources"].values() if r["Type"] == resource_type]

    def pipeline_stages(self) -> list[dict[str, Any]]:
        (pipeline,) = self.resources("AWS::CodePipeline::Pipeline")
        return pipeline["Properties"]["Stages"]

    def synth_buildspec(self) -> dict[str, Any]:
        for project in self.resources("AWS::CodeBuild::Project"):
            spec = json.loads(project["Properties"]["Source"]["BuildSpec"])
            if spec.get("artifacts", {}).get("base-directory") == "cdk.out":
                return {"spec": spec, "project": project}
        raise AssertionError("no synth project")


@pytest.fixture(scope="module")
def built() -> Built:
    return Built()


def test_only_the_pipeline_stack_at_the_root(built: Built) -> None:
    stacks = [s.stack_name for s in built.assembly.stacks]
    assert stacks == ["mlp-ops-pipeline"]
    assert built.stack.account == "333333333333"
    assert built.stack.region == "eu-west-1"


def test_one_stage_per_environment_in_order_with_approval_before_prod(built: Built) -> None:
    stages = built.pipeline_stages()
    names = [s["Name"] for s in stages]
    assert names == ["Source", "Build", "UpdatePipeline", "Assets", "dev", "prod"]
    dev, prod = stages[-2], stages[-1]
    assert not [a for a in dev["Actions"] if a["ActionTypeId"]["Category"] == "Approval"]
    first = min(prod["Actions"], key=lambda a: a["RunOrder"])
    assert first["ActionTypeId"]["Category"] == "Approval"
    assert all(a["RunOrder"] > first["RunOrder"] for a in prod["Actions"] if a is not first)


def test_stages_deploy_the_workstation_stacks_by_name_and_account(built: Built) -> None:
    (pipeline,) = built.resources("AWS::CodePipeline::Pipeline")
    deployed = {
        stage["Name"]: sorted(
            a["Configuration"]["StackName"] for a in stage["Actions"] if a["Name"].endswith(".Deploy")
        )
        for stage in pipeline["Properties"]["Stages"] if stage["Name"] in ("dev", "prod")
    }
    assert deployed == {
        "dev": ["mlp-dev-network", "mlp-dev-studio", "mlp-dev-users-1"],
        "prod": ["mlp-prod-network", "mlp-prod-studio", "mlp-prod-users-1"],
    }
    for name, account in (("dev", "111111111111"), ("prod", "222222222222")):
        stage = built.stack.stages[name]
        assert {s.account for s in stage.platform.stacks} == {account}
        assert {s.region for s in stage.platform.stacks} == {"eu-west-1"}


def _strip(template: dict[str, Any], stage_path: str = "") -> dict[str, Any]:
    """Without construct metadata, and with the stage's path prefix removed from the values CDK derives from
    construct paths (the VPC's default Name tags): logical ids, properties and names must match exactly."""
    resources = {k: {f: v for f, v in r.items() if f != "Metadata"} for k, r in template["Resources"].items()}
    text = json.dumps({**template, "Resources": resources}, sort_keys=True)
    return json.loads(text.replace(stage_path, "")) if stage_path else json.loads(text)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_stage_stacks_equal_a_workstation_deploy(built: Built, env: str) -> None:
    """The stage builds what `cdk deploy -c config=config/environments/<env>.yaml` builds: the same stacks, the
    same resources. CDK derives a few logical ids from the full construct path (a security group's rules that
    reference the group itself, a Lambda permission for an EventBridge rule), so those ids carry the stage's path;
    their bodies are identical."""
    stage = built.stack.stages[env]
    stage_assembly = stage.synth()  # already synthesized: returns the stage's assembly
    app = new_app()
    alone = build_platform(app, load_config(ROOT / "config" / "environments" / f"{env}.yaml"), compliance=False)
    alone_assembly = app.synth()
    assert [s.stack_name for s in stage.platform.stacks] == [s.stack_name for s in alone.stacks]
    stage_uid = "".join(c for c in stage.node.path if c.isalnum())
    for in_stage, standalone in zip(stage.platform.stacks, alone.stacks, strict=True):
        a = _strip(stage_assembly.get_stack_artifact(in_stage.artifact_id).template, f"{stage.node.path}/")
        b = _strip(alone_assembly.get_stack_artifact(standalone.artifact_id).template)
        assert {k: v for k, v in a.items() if k != "Resources"} == {k: v for k, v in b.items() if k != "Resources"}
        bodies = sorted(json.dumps(r, sort_keys=True) for r in a["Resources"].values())
        assert bodies == sorted(json.dumps(r, sort_keys=True) for r in b["Resources"].values()), in_stage.stack_name
        only_in_stage = set(a["Resources"]) - set(b["Resources"])
        assert all(stage_uid in logical_id for logical_id in only_in_stage), sorted(only_in_stage)
        assert len(only_in_stage) <= 5, sorted(only_in_stage)


def test_synth_step_runs_the_readme_commands_and_installs_nothing(built: Built) -> None:
    found = built.synth_buildspec()
    spec, project = found["spec"], found["project"]
    assert spec["phases"]["build"]["commands"] == synth_commands(PIPELINE_CONFIG)
    assert "install" not in spec["phases"]
    assert "pre_build" not in spec["phases"]
    environment = project["Properties"]["Environment"]
    assert environment["Image"] == BUILD_IMAGE.image_id
    assert environment["PrivilegedMode"] is False
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in synth_commands(PIPELINE_CONFIG):
        assert command in readme, f"README.md must show the pipeline's synth command: {command}"


def test_synth_commands_synthesize_without_lookups() -> None:
    commands = synth_commands("config/x.yaml")
    assert commands[0] == "make test"
    assert "--no-lookups" in commands[-1]
    assert commands[-1].endswith("-c config=config/x.yaml")


def test_source_is_the_configured_connection(built: Built) -> None:
    (action,) = built.pipeline_stages()[0]["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    conf = action["Configuration"]
    assert conf["FullRepositoryId"] == "example-org/sagemaker-platform"
    assert conf["BranchName"] == "main"
    assert conf["ConnectionArn"] == built.config.pipeline.source.connection_arn  # type: ignore[union-attr]


def test_artifacts_are_encrypted_logged_and_cross_account(built: Built) -> None:
    (pipeline,) = built.resources("AWS::CodePipeline::Pipeline")
    store = pipeline["Properties"]["ArtifactStore"]
    assert store["EncryptionKey"]["Type"] == "KMS"
    buckets = built.resources("AWS::S3::Bucket")
    kms = [b for b in buckets if "LoggingConfiguration" in b["Properties"]]
    assert len(kms) == 1
    rule = kms[0]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (key,) = built.resources("AWS::KMS::Key")
    assert key["Properties"]["EnableKeyRotation"] is True
    policy = json.dumps(key["Properties"]["KeyPolicy"])
    for account in ("111111111111", "222222222222"):
        assert account in policy, "the target accounts' deploy roles can read the artifacts"
    for project in built.resources("AWS::CodeBuild::Project"):
        assert "EncryptionKey" in project["Properties"]


def test_codecommit_source(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / PIPELINE_CONFIG).read_text())
    data["pipeline"]["source"] = {"kind": "codecommit", "repository": "sagemaker-platform", "branch": "release"}
    for env in data["pipeline"]["environments"]:
        env["config"] = str(ROOT / "config" / "environments" / Path(env["config"]).name)
    file = tmp_path / "pipeline.yaml"
    file.write_text(yaml.safe_dump(data))
    app = new_app()
    stack = PipelineStack(app, "p", config=load_config(file), config_file="config/ci.yaml")
    template = app.synth().get_stack_artifact(stack.artifact_id).template
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    (action,) = pipeline["Properties"]["Stages"][0]["Actions"]
    assert action["ActionTypeId"]["Provider"] == "CodeCommit"
    assert action["Configuration"]["RepositoryName"] == "sagemaker-platform"
    assert action["Configuration"]["BranchName"] == "release"


def _pipeline_file(tmp_path: Path, env_platform: dict[str, Any], **env_fields: Any) -> Path:
    zones = {"availability_zones": ["eu-west-1a", "eu-west-1b"]}  # a concrete environment names its zones
    (tmp_path / "env.yaml").write_text(
        yaml.safe_dump({"platform": {"name": "mlp", "region": "eu-west-1", **env_platform}, "network": zones}))
    env = {"name": "dev", "account": "111111111111", "region": "eu-west-1", "config": "env.yaml", **env_fields}
    file = tmp_path / "pipeline.yaml"
    file.write_text(yaml.safe_dump({
        "platform": {"name": "mlp", "environment": "ops"},
        "pipeline": {
            "enabled": True,
            "account": "333333333333",
            "region": "eu-west-1",
            "source": {"kind": "codecommit", "repository": "repo"},
            "environments": [env],
        },
    }))
    return file


def test_environment_config_resolves_against_the_pipeline_config_folder(tmp_path: Path) -> None:
    file = _pipeline_file(tmp_path, {"environment": "dev"})
    app = new_app()
    stack = PipelineStack(app, "p", config=load_config(file), config_file="config/ci.yaml")
    assert [s.stack_name for s in stack.stages["dev"].platform.stacks] == ["mlp-dev-network", "mlp-dev-studio"]
    assert stack.stages["dev"].account == "111111111111"


def test_environment_account_must_match_its_config(tmp_path: Path) -> None:
    """The loader reads the environment's file and checks it fits its stage, before any stack is built."""
    file = _pipeline_file(tmp_path, {"environment": "dev", "account": "999999999999"})
    with pytest.raises(ConfigError, match=r"pipeline.environments\[0\].account: differs from platform.account") as e:
        load_config(file)
    assert e.value.source == str(file) and e.value.value == "111111111111"


def test_environment_errors_name_the_environment_file(tmp_path: Path) -> None:
    file = _pipeline_file(tmp_path, {"environment": "dev", "colour": "blue"})
    with pytest.raises(ConfigError, match=r"platform.colour: unknown key") as e:
        load_config(file)
    assert e.value.source == str(tmp_path / "env.yaml")


def test_missing_environment_file_names_it(tmp_path: Path) -> None:
    file = _pipeline_file(tmp_path, {"environment": "dev"}, config="nowhere.yaml")
    with pytest.raises(ConfigError, match="cannot read the config file") as e:
        load_config(file)
    assert e.value.source == str(tmp_path / "nowhere.yaml")


def test_stages_use_the_loaded_environment_configs(tmp_path: Path) -> None:
    config = load_config(_pipeline_file(tmp_path, {"environment": "dev"}))
    (env,) = config.pipeline.environments
    assert env.loaded_config.platform.prefix == "mlp-dev"
    stack = PipelineStack(new_app(), "p", config=config, config_file="config/ci.yaml")
    assert stack.stages["dev"].config is env.loaded_config


def test_platform_and_pipeline_are_chosen_by_the_app_only() -> None:
    """build_platform builds one environment; a pipeline config goes through build_pipeline (build_app chooses)."""
    pipeline_config = load_config(ROOT / PIPELINE_CONFIG)
    with pytest.raises(ConfigError, match=r"pipeline\.enabled"):
        build_platform(new_app(), pipeline_config, compliance=False)
    built = build_pipeline(new_app(context={"config": PIPELINE_CONFIG}), pipeline_config, compliance=False)
    assert isinstance(built.pipeline, PipelineStack)
    imports = {name: _imported_modules(ROOT / "sagemaker_platform" / "stacks" / f"{name}.py")
               for name in ("platform", "pipeline")}
    assert "sagemaker_platform.stacks.pipeline" not in imports["platform"]
    assert "sagemaker_platform.stacks.platform" not in imports["pipeline"]
    assert "sagemaker_platform.stacks.environment" in imports["platform"] & imports["pipeline"]


def _imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (lazy imports inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_environment_config_must_not_be_a_pipeline(tmp_path: Path) -> None:
    file = _pipeline_file(tmp_path, {"environment": "dev"})
    env_file = tmp_path / "env.yaml"
    env_file.write_text(file.read_text())
    with pytest.raises(ConfigError, match=r"pipeline.environments\[0\].config: .*must not enable a pipeline"):
        load_config(file)


def test_pipeline_needs_its_account_and_region(tmp_path: Path) -> None:
    file = _pipeline_file(tmp_path, {"environment": "dev"})
    data = yaml.safe_load(file.read_text())
    del data["pipeline"]["region"]
    file.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"pipeline\.region: required"):
        PipelineStack(new_app(), "p", config=load_config(file), config_file="config/ci.yaml")


def test_pipeline_needs_an_enabled_section() -> None:
    with pytest.raises(ValueError, match=r"pipeline\.enabled"):
        PipelineStack(cdk.App(), "p", config=load_config(ROOT / "config" / "default.yaml"))


def test_config_file_defaults_to_the_file_holding_the_config() -> None:
    app = new_app()  # no -c config=...: the stack finds the one file in the config's folder that matches
    stack = PipelineStack(app, "p", config=load_config(ROOT / PIPELINE_CONFIG))
    assert stack.synth.commands == synth_commands(PIPELINE_CONFIG)


def test_two_environments_share_an_account_without_clashing() -> None:
    dev = load_config(ROOT / "config" / "environments" / "dev.yaml")
    prod = load_config(ROOT / "config" / "environments" / "prod.yaml")
    app = new_app()
    a = build_platform(app, dev, compliance=False)
    b = build_platform(app, prod, compliance=False)
    assert not {s.stack_name for s in a.stacks} & {s.stack_name for s in b.stacks}
    assert dev.domain_name != prod.domain_name


def test_pipeline_template_is_cfn_lint_clean(built: Built) -> None:
    """E3703 is ignored: cfn-lint prefers Fn::Sub for the deploy actions' role ARNs, which CDK Pipelines writes as
    Fn::Join inside CodePipeline action configuration; the value is valid either way."""
    template = Path(built.assembly.directory) / built.assembly.get_stack_artifact(built.stack.artifact_id).template_file
    cfn_lint = str(Path(sys.executable).parent / "cfn-lint")
    result = subprocess.run([cfn_lint, "--format", "parseable", "-i", "W3005", "E3703", "--", str(template)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
