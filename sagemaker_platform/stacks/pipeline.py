"""PipelineStack: CDK Pipelines that deploys the platform to each environment of the config's ``pipeline`` section.

The pipeline synthesizes the repo exactly as a workstation does (the README's commands: ``make test``, then
``npx cdk synth`` with the pipeline config and no lookups) and deploys one :class:`PlatformStage` per environment,
in the order the config lists them, with a manual approval before each environment that asks for one.

Each stage builds the same stacks as ``cdk deploy -c config=<that environment's file>`` from a workstation, with the
same stack names, so an environment first deployed by hand can be taken over by the pipeline (and two environments
can share an account, since every stack is named by platform and environment).

An environment's ``config`` path is resolved against the directory of the pipeline config file, like every other
relative path in a config (``config/examples/pipeline.yaml`` names ``../environments/dev.yaml``); the config loader
reads and checks those files (``PipelineEnvironmentSection.loaded_config``), so this module reads no config.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import pipelines
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.config import (
    ConfigError,
    PipelineSourceSection,
    PlatformConfig,
    load_config,
)
from sagemaker_platform.constructs.bucket import AccessLogBucket, SecureBucket
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.stacks.environment import Platform, accept_findings, build_environment, config_field

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE_JSON = REPO_ROOT / "package.json"
BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0


def synth_commands(config_file: str) -> list[str]:
    """The synth step: the README's commands. ``make test`` creates ./.venv (requirements*.txt) and ./node_modules
    (``npm ci``: the pinned CDK CLI and Node 22) and runs the tests; the synth then runs with that venv's Python
    (cdk.json's ``python app.py``), and ``--no-lookups`` fails any context lookup instead of calling AWS."""
    return [
        "make test",
        f". .venv/bin/activate && npx cdk synth --no-lookups --quiet -c config={config_file}",
    ]


def pinned_cli_version(package_json: Path = PACKAGE_JSON) -> str | None:
    """The CDK CLI version package.json pins, so self-mutation and asset publishing use the same CLI."""
    if not package_json.is_file():
        return None
    version = json.loads(package_json.read_text(encoding="utf-8")).get("devDependencies", {}).get("aws-cdk")
    return version.lstrip("^~=") if isinstance(version, str) else None


def _find_config_file(config: PlatformConfig) -> str | None:
    """The YAML file in ``config.source_dir`` that parses to exactly this config (for apps built without
    ``-c config=``, such as tests), or None when there is not exactly one."""
    matches = []
    for candidate in sorted(config.source_dir.glob("*.y*ml")):
        try:
            if load_config(candidate) == config:
                matches.append(candidate)
        except ConfigError:
            continue
    return str(matches[0]) if len(matches) == 1 else None


class PlatformStage(cdk.Stage):
    """One environment: the stacks :func:`build_environment` builds for its config (the compliance packs are
    attached once, at the app's root, and check stage stacks too)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.platform = build_environment(self, config)


class PipelineStack(cdk.Stack):
    """CodePipeline (CDK Pipelines) with its source, synth step and one stage per environment.

    Attributes: ``pipeline`` (the built ``pipelines.CodePipeline``), ``stages`` (environment name ->
    :class:`PlatformStage`), ``synth`` (the ShellStep), ``key`` and ``artifact_bucket``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        config_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        section = config.pipeline
        if not section.enabled or section.source is None or not section.environments:
            raise ValueError("PipelineStack needs a config with pipeline.enabled, a source and environments")
        p = config.platform
        account = section.account or p.account
        region = section.region or p.region
        if account is None or region is None:
            missing = "pipeline.account" if account is None else "pipeline.region"
            raise ConfigError(missing, "required (or platform.account/region): the pipeline deploys across "
                              "accounts, so its own account and region must be explicit", None)
        kwargs.setdefault("env", cdk.Environment(account=account, region=region))
        kwargs.setdefault("stack_name", construct_id)
        kwargs.setdefault("description", f"SageMaker platform {p.prefix}: delivery pipeline")
        super().__init__(scope, construct_id, **kwargs)
        prefix = p.prefix
        config_path = self._config_file(config, config_file)

        self.key = PlatformKey(self, "ArtifactKey", alias=f"{prefix}/pipeline",
                               description=f"SageMaker platform {prefix}: pipeline artifacts and build logs")
        self.access_logs = AccessLogBucket(self, "AccessLogs")
        self.artifact_bucket = SecureBucket(self, "Artifacts", encryption_key=self.key.key,
                                            access_log_bucket=self.access_logs.bucket)
        self.build_logs = logs.LogGroup(self, "BuildLogs", encryption_key=self.key.key,
                                        retention=logs.RetentionDays.ONE_YEAR,
                                        removal_policy=cdk.RemovalPolicy.RETAIN)

        self.synth = pipelines.ShellStep(
            "Synth",
            input=self._source(section.source),
            commands=synth_commands(config_path),
            primary_output_directory="cdk.out",
        )
        build_defaults = pipelines.CodeBuildOptions(
            build_environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGE, compute_type=codebuild.ComputeType.MEDIUM, privileged=False
            ),
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(
                log_group=self.build_logs)),
            timeout=cdk.Duration.minutes(60),
        )
        # CodeBuild's default shell is sh; the README's commands are bash commands.
        synth_defaults = pipelines.CodeBuildOptions(
            partial_build_spec=codebuild.BuildSpec.from_object({"env": {"shell": "bash"}})
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{prefix}-platform",
            synth=self.synth,
            artifact_bucket=self.artifact_bucket.bucket,
            cross_account_keys=True,
            enable_key_rotation=True,
            docker_enabled_for_synth=False,
            docker_enabled_for_self_mutation=False,
            code_build_defaults=build_defaults,
            synth_code_build_defaults=synth_defaults,
            cli_version=pinned_cli_version(),
        )

        self.stages: dict[str, PlatformStage] = {}
        for env in section.environments:
            env_config = env.loaded_config
            try:
                stage = PlatformStage(
                    self, env.name, config=env_config, env=cdk.Environment(account=env.account, region=env.region),
                )
            except ConfigError as exc:  # a field of the environment's own file: name that file
                exc.source = exc.source or str(config.source_dir / env.config)
                raise
            self.stages[env.name] = stage
            pre: Sequence[pipelines.Step] = (
                [pipelines.ManualApprovalStep(f"Approve-{env.name}",
                                              comment=f"Deploy the SageMaker platform to {env.name} "
                                                      f"({env.account}/{env.region})?")]
                if env.manual_approval else []
            )
            self.pipeline.add_stage(stage, pre=pre)

        # The pipeline's constructs exist only once it is built; build now so the findings can be reviewed.
        self.pipeline.build_pipeline()
        self._grant_connection(section.source)
        self._acknowledge()

    # ------------------------------------------------------------------------------------------------ helpers
    def _config_file(self, config: PlatformConfig, config_file: str | None) -> str:
        """The pipeline config as the synth step must name it, relative to the repo root (the CLI's cwd): the
        ``config_file`` argument, else the ``-c config=<file>`` the app was synthesized with, else the one file in
        the config's folder that holds this very config."""
        value = config_file or self.node.try_get_context("config") or _find_config_file(config)
        if not value:
            raise ValueError(
                "PipelineStack: name the pipeline config (cdk synth -c config=<file>, or config_file=...) so the "
                "pipeline's synth step can synthesize the same file"
            )
        path = Path(value)
        if path.is_absolute():
            try:
                path = path.resolve().relative_to(Path.cwd().resolve())
            except ValueError:
                raise ValueError(
                    f"PipelineStack: the pipeline config must be inside the repository (got {value!r})"
                ) from None
        return path.as_posix()

    def _source(self, source: PipelineSourceSection) -> pipelines.CodePipelineSource:
        if source.kind == "codecommit":
            repo = codecommit.Repository.from_repository_name(self, "Repository", source.repository)
            return pipelines.CodePipelineSource.code_commit(repo, source.branch)
        assert source.connection_arn is not None  # the config model requires it for codestar
        return pipelines.CodePipelineSource.connection(
            source.repository, source.branch, connection_arn=source.connection_arn
        )

    def _grant_connection(self, source: PipelineSourceSection) -> None:
        """CDK grants ``codestar-connections:UseConnection``; IAM checks the prefix of the connection ARN's own
        service, so a ``codeconnections`` ARN needs ``codeconnections:UseConnection`` as well."""
        arn = source.connection_arn
        if source.kind == "codecommit" or arn is None or ":codeconnections:" not in arn:
            return
        source_stage = self.pipeline.pipeline.stages[0].stage_name
        roles = [
            node for node in self.pipeline.pipeline.node.find_all()
            if isinstance(node, iam.Role) and f"/{source_stage}/" in node.node.path
        ]
        if not roles:
            raise ValueError("PipelineStack: the source action has no role to grant the connection to")
        for role in roles:
            role.add_to_principal_policy(
                iam.PolicyStatement(actions=["codeconnections:UseConnection"], resources=[arn])
            )

    def _acknowledge(self) -> None:
        acknowledge_wildcards(
            self.pipeline,
            "CDK Pipelines grants its roles the artifact bucket's objects (bucket/*), the key's data actions "
            "(kms:GenerateDataKey*, kms:ReEncrypt*), the report groups and log streams of its own CodeBuild "
            "projects (named at deploy time) and the CDK bootstrap roles of the target accounts "
            "(cdk-hnb659fds-*-role-<account>-<region>); every wildcard stays inside this pipeline's resources.",
        )
        acknowledge(self.pipeline, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        for node in self.pipeline.node.find_all():
            if isinstance(node, codebuild.CfnProject) and self.resolve(node.source).get("type") == "CODEPIPELINE":
                acknowledge(
                    node,
                    ["HIPAA.Security-CodeBuildProjectSourceRepoUrl", "PCI.DSS.321-CodeBuildProjectSourceRepoUrl"],
                    "The project's source is the pipeline's artifact (type CODEPIPELINE): it has no repository URL "
                    "and holds no credentials; the repository is reached through the pipeline's source action.",
                )


def build_pipeline(scope: Construct, config: PlatformConfig, *, compliance: bool = True) -> Platform:
    """Build the delivery pipeline a config with ``pipeline.enabled`` describes into ``scope``: the only stack,
    with each environment's stacks in its stages; on an App, attach the compliance packs (they check the stages'
    stacks too). The result's network, studio and users are the first stage's."""
    with config_field("pipeline"):
        pipeline = PipelineStack(scope, f"{config.platform.prefix}-pipeline", config=config)
    accept_findings(config, [pipeline])
    first = next(iter(pipeline.stages.values())).platform
    if compliance and isinstance(scope, cdk.App):
        apply_compliance(scope)
    return Platform(network=first.network, studio=first.studio, users=first.users, stacks=[pipeline],
                    pipeline=pipeline)
