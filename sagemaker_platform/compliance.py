"""Compliance packs applied at synth: published cdk-nag packs plus the platform's own SageMaker rules.

cdk-nag 3.x packs are CDK policy-validation plugins: an error fails synth. This is the only module of the package
that imports cdk-nag, and only when :func:`apply_compliance` runs, so cdk-nag is an optional extra
(``pip install 'sagemaker-platform[compliance]'``; the app's ``requirements.txt`` installs it). Constructs accept
findings through :mod:`sagemaker_platform.acknowledgements`, which needs nothing but aws-cdk-lib.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk

# 0.1 exported these from here; they live in ``acknowledgements`` now and stay importable from this module.
from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
    list_acknowledgements,
)
from sagemaker_platform.nag import SageMakerPlatformChecks

__all__ = [
    "INLINE_POLICY_IDS",
    "INLINE_POLICY_REASON",
    "PACKS",
    "ComplianceUnavailable",
    "acknowledge",
    "acknowledge_wildcards",
    "apply_compliance",
    "list_acknowledgements",
]

PACKS = ("AwsSolutions", "HIPAA.Security", "NIST.800.53.R5", "PCI.DSS.321")
INSTALL_HINT = "pip install 'sagemaker-platform[compliance]'"


class ComplianceUnavailable(ImportError):
    """cdk-nag is not installed: the packs cannot be attached (the constructs work without it)."""


def apply_compliance(app: cdk.App) -> None:
    """Attach every pack to the app; call once, before synth. Raises :class:`ComplianceUnavailable` (one line
    naming the extra to install) when cdk-nag is missing."""
    try:
        from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks
    except ImportError as exc:
        raise ComplianceUnavailable(
            f"the compliance packs need cdk-nag, which is not installed ({exc}): {INSTALL_HINT}"
        ) from None
    plugins: list[Any] = [
        AwsSolutionsChecks(app, verbose=True),
        HIPAASecurityChecks(app, verbose=True),
        NIST80053R5Checks(app, verbose=True),
        PCIDSS321Checks(app, verbose=True),
        SageMakerPlatformChecks(app),
    ]
    cdk.Validations.of(app).add_plugins(*plugins)
