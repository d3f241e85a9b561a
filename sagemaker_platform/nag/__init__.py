"""The platform's own compliance rules for SageMaker resources that no published pack covers.

``SageMakerPlatformChecks`` is a CDK policy-validation plugin that evaluates the rules on the synthesized
templates; ``compliance.apply_compliance`` adds it next to the published cdk-nag packs. Findings are reported,
and acknowledged, as ``SageMakerPlatform-SM<n>``.
"""

from sagemaker_platform.nag.pack import PACK_NAME, SageMakerPlatformChecks, rule_id
from sagemaker_platform.nag.rules import RULES

__all__ = ["PACK_NAME", "RULES", "SageMakerPlatformChecks", "rule_id"]
