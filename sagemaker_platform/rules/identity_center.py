"""IAM Identity Center rules shared by the config model and ``constructs/identity_center.py`` (CDK-free), from the
registry schema of ``AWS::SSO::ApplicationAssignment``."""

from __future__ import annotations

import re

# An identity store group or user id.
PRINCIPAL_ID = re.compile(
    r"^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$"
)
APPLICATION_ARN = re.compile(
    r"^arn:aws(-[a-z]{1,5}){0,3}:sso::[0-9]{12}:application/(sso)?ins-[a-zA-Z0-9-.]{16}/apl-[a-zA-Z0-9]{16}$"
)
PRINCIPAL_TYPES: tuple[str, ...] = ("GROUP", "USER")
