"""Compose the platform's stacks from one config: the only place besides app.py that knows the config model."""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.config import PlatformConfig, user_stack_of
from sagemaker_platform.stacks.network import NetworkStack
from sagemaker_platform.stacks.studio import StudioStack
from sagemaker_platform.stacks.users import UsersStack


@dataclass
class Platform:
    """The stacks built for one environment."""

    network: NetworkStack
    studio: StudioStack
    users: list[UsersStack] = field(default_factory=list)
    stacks: list[cdk.Stack] = field(default_factory=list)


def stack_env(config: PlatformConfig) -> cdk.Environment | None:
    p = config.platform
    return cdk.Environment(account=p.account, region=p.region) if (p.account or p.region) else None


def build_platform(app: cdk.App, config: PlatformConfig, *, compliance: bool = True) -> Platform:
    """Build every stack of the config into ``app`` (and attach the compliance packs)."""
    prefix = config.platform.prefix
    env = stack_env(config)
    network = NetworkStack(app, f"{prefix}-network", config=config, env=env,
                           description=f"SageMaker platform {prefix}: VPC and endpoints")
    studio = StudioStack(app, f"{prefix}-studio", config=config, network=network.network, env=env,
                         description=f"SageMaker platform {prefix}: Studio domain, roles, buckets, lifecycle configs")
    studio.add_stack_dependency(network, "VPC endpoints exist before the domain")
    platform = Platform(network=network, studio=studio, stacks=[network, studio])
    shards: list[list] = [[] for _ in range(config.platform.user_stacks)]
    for user in config.users:
        shards[user_stack_of(user.name, config.platform.user_stacks)].append(user)
    for n, users in enumerate(shards, start=1):
        if not users:
            continue
        stack = UsersStack(app, f"{prefix}-users-{n}", config=config, users=users, env=env,
                           description=f"SageMaker platform {prefix}: user profiles, shard {n}")
        stack.add_stack_dependency(studio, "the domain, roles and SSM parameters exist first")
        platform.users.append(stack)
        platform.stacks.append(stack)
    for stack in platform.stacks:
        cdk.Tags.of(stack).add("sagemaker-platform", prefix)
        for key, value in config.platform.tags.items():
            cdk.Tags.of(stack).add(key, value)
    if compliance:
        apply_compliance(app)
    return platform
