"""Compose the platform's stacks from one config: the only place besides app.py that knows the config model."""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.config import PlatformConfig
from sagemaker_platform.stacks.network import NetworkStack


@dataclass
class Platform:
    """The stacks built for one environment."""

    network: NetworkStack
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
    platform = Platform(network=network, stacks=[network])
    for stack in platform.stacks:
        cdk.Tags.of(stack).add("sagemaker-platform", prefix)
        for key, value in config.platform.tags.items():
            cdk.Tags.of(stack).add(key, value)
    if compliance:
        apply_compliance(app)
    return platform
