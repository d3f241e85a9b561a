"""The platform app: one environment's stacks built straight into the App, with the compliance packs attached.

A config that enables the delivery pipeline is built by :mod:`sagemaker_platform.stacks.pipeline` instead;
:func:`sagemaker_platform.main.build_app` chooses between the two. This module and the pipeline's share
:mod:`sagemaker_platform.stacks.environment` and do not import each other.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from sagemaker_platform.compliance import apply_compliance
from sagemaker_platform.config import PlatformConfig
from sagemaker_platform.stacks.environment import (
    Platform,
    accept_findings,
    build_environment,
    config_field,
    stack_env,
)

__all__ = ["Platform", "accept_findings", "build_platform", "config_field", "stack_env"]


def build_platform(scope: Construct, config: PlatformConfig, *, compliance: bool = True) -> Platform:
    """Build every stack of the environment ``config`` describes into ``scope`` and, on an App, attach the
    compliance packs (``compliance=False`` leaves them off, e.g. for a picture of the templates)."""
    platform = build_environment(scope, config)
    if compliance and isinstance(scope, cdk.App):
        apply_compliance(scope)
    return platform
