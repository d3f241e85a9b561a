#!/usr/bin/env python3
"""CDK entry point: load the platform config (``-c config=<file>``, default config/default.yaml), build stacks."""

import aws_cdk as cdk

from sagemaker_platform.config import load_config_or_exit
from sagemaker_platform.stacks.platform import build_platform

app = cdk.App()
config = load_config_or_exit(app.node.try_get_context("config") or "config/default.yaml")
build_platform(app, config)
app.synth()
