"""The platform's own cdk-nag rules for SageMaker resources that no published pack covers.

``SageMakerPlatformChecks`` is a cdk-nag 3.x pack (a CDK policy-validation plugin);
``compliance.apply_compliance`` adds it next to the published packs. Findings are reported, and acknowledged,
as ``SageMakerPlatform-SM<n>``.
"""

from sagemaker_platform.nag.pack import PACK_NAME, SageMakerPlatformChecks, rule_id
from sagemaker_platform.nag.rules import RULES

__all__ = ["PACK_NAME", "RULES", "SageMakerPlatformChecks", "rule_id"]
