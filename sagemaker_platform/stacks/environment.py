"""One environment's stacks from its config: network, Studio, user shards, hosting, governance.

Both ways of deploying build an environment with :func:`build_environment`: the platform app directly
(:mod:`sagemaker_platform.stacks.platform`) and each stage of the delivery pipeline
(:mod:`sagemaker_platform.stacks.pipeline`); neither of those modules imports the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import aws_cdk as cdk
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge
from sagemaker_platform.config import PLATFORM_TAG, ConfigError, PlatformConfig, user_stack_of
from sagemaker_platform.report import ACCEPTED_BY_CONFIG
from sagemaker_platform.stacks.governance import GovernanceStack
from sagemaker_platform.stacks.hosting import HostingStack
from sagemaker_platform.stacks.network import NetworkStack
from sagemaker_platform.stacks.studio import StudioStack
from sagemaker_platform.stacks.users import UsersStack


@dataclass
class Platform:
    """The stacks built for one environment."""

    network: NetworkStack
    studio: StudioStack
    users: list[UsersStack] = field(default_factory=list)
    hosting: HostingStack | None = None
    governance: GovernanceStack | None = None
    stacks: list[cdk.Stack] = field(default_factory=list)
    # Set when the config enables the pipeline: then it is the only stack, and each environment's stacks are
    # built inside its stages (``pipeline.stages[name].platform``); network and studio are the first stage's.
    pipeline: cdk.Stack | None = None


@contextmanager
def config_field(path: str) -> Iterator[None]:
    """Report a construct's ``ValueError`` or a CDK error (raised through jsii as ``RuntimeError``) while building
    from the config as a :class:`ConfigError` on ``path``: the config's own checks should have caught it, but a
    bad value must never end in a traceback."""
    try:
        yield
    except ConfigError:
        raise
    except (ValueError, RuntimeError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError(path, message.removeprefix("ValidationError: ")) from exc


def accept_findings(config: PlatformConfig, stacks: list[cdk.Stack]) -> None:
    """Acknowledge the findings ``compliance.accept`` lists on each stack built from ``config``, with the reason
    (marked so the synth report can list them apart from the platform's own, narrower acknowledgements)."""
    for i, accepted in enumerate(config.compliance.accept):
        reason = f"{ACCEPTED_BY_CONFIG} (compliance.accept[{i}]): {accepted.reason}"
        for built in stacks:
            acknowledge(built, accepted.rule, reason)


def stack_env(config: PlatformConfig) -> cdk.Environment | None:
    p = config.platform
    return cdk.Environment(account=p.account, region=p.region) if (p.account or p.region) else None


def build_environment(scope: Construct, config: PlatformConfig) -> Platform:
    """Build one environment's stacks into ``scope`` (an App, or a pipeline's Stage), tagged, with the findings
    the config accepts acknowledged; the compliance packs are the caller's (they attach once, to the App)."""
    if config.pipeline.enabled:
        raise ConfigError("pipeline.enabled", "this config describes a delivery pipeline, not one environment: "
                          "build it with sagemaker_platform.stacks.pipeline.build_pipeline", True)
    prefix = config.platform.prefix
    env = stack_env(config)
    with config_field("network"):
        network = NetworkStack(scope, f"{prefix}-network", config=config, env=env, stack_name=f"{prefix}-network",
                               description=f"SageMaker platform {prefix}: VPC and endpoints")
    with config_field("domain"):
        studio = StudioStack(
            scope, f"{prefix}-studio", config=config, network=network.network, env=env, stack_name=f"{prefix}-studio",
            description=f"SageMaker platform {prefix}: Studio domain, roles, buckets, lifecycle configs",
        )
    studio.add_stack_dependency(network, "VPC endpoints exist before the domain")
    platform = Platform(network=network, studio=studio, stacks=[network, studio])
    shards: list[list] = [[] for _ in range(config.platform.user_stacks)]
    for user in config.users:
        shards[user_stack_of(user.name, config.platform.user_stacks)].append(user)
    for n, users in enumerate(shards, start=1):
        if not users:
            continue
        with config_field("users"):
            stack = UsersStack(scope, f"{prefix}-users-{n}", config=config, users=users, env=env,
                               stack_name=f"{prefix}-users-{n}",
                               description=f"SageMaker platform {prefix}: user profiles, shard {n}")
        stack.add_stack_dependency(studio, "the domain, roles and SSM parameters exist first")
        platform.users.append(stack)
        platform.stacks.append(stack)
    if config.endpoints:
        with config_field("endpoints"):
            platform.hosting = HostingStack(
                scope, f"{prefix}-hosting", config=config, network=network.network, env=env,
                stack_name=f"{prefix}-hosting", description=f"SageMaker platform {prefix}: models and endpoints",
            )
        platform.stacks.append(platform.hosting)
    if config.governance.model_package_groups or config.governance.model_cards:
        with config_field("governance"):
            platform.governance = GovernanceStack(
                scope, f"{prefix}-governance", config=config, export_bucket=studio.bucket, env=env,
                stack_name=f"{prefix}-governance",
                description=f"SageMaker platform {prefix}: model registry, model cards",
            )
        platform.stacks.append(platform.governance)
    with config_field("platform.tags"):
        for built in platform.stacks:
            cdk.Tags.of(built).add(PLATFORM_TAG, prefix)
            for key, value in config.platform.tags.items():
                cdk.Tags.of(built).add(key, value)
    accept_findings(config, platform.stacks)
    return platform
