"""GovernanceStack: model package groups (with cross-account policies), model cards and approval events.

Also home of :func:`enable_collaboration`, which the studio composition calls when ``governance.collaboration`` is
on, so Canvas and Studio users of one domain can share models with each other (see docs/collaboration.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from sagemaker_platform.config import ModelCardSection, PlatformConfig
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.model_card import (
    AdditionalInformation,
    BusinessDetails,
    EvaluationDetail,
    IntendedUses,
    ModelCard,
    ModelOverview,
    TrainingDetails,
)
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup
from sagemaker_platform.constructs.roles import SHARED_MODEL_ACTIONS


class GovernanceStack(cdk.Stack):
    """Attributes: ``key``, ``approval_topic`` (or None), ``model_package_groups`` and ``model_cards`` by name."""

    def __init__(self, scope: Construct, construct_id: str, *, config: PlatformConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        governance = config.governance
        prefix = config.platform.prefix
        self.key = PlatformKey(
            self,
            "Key",
            alias=f"{prefix}-governance",
            description=f"SageMaker platform {prefix}: model approval notifications",
            allow_cloudwatch_logs=False,
        )
        self.approval_topic: ApprovalTopic | None = None
        if any(group.approval_notifications for group in governance.model_package_groups):
            self.approval_topic = ApprovalTopic(
                self, "ApprovalTopic", key=self.key.key, display_name=f"{prefix} model approvals"
            )

        self.model_package_groups: dict[str, ModelPackageGroup] = {}
        for group in governance.model_package_groups:
            self.model_package_groups[group.name] = ModelPackageGroup(
                self,
                f"Group-{group.name}",
                model_package_group_name=group.name,
                description=group.description,
                cross_account_ids=group.cross_account_ids,
                notification_topic=(
                    self.approval_topic.topic if self.approval_topic and group.approval_notifications else None
                ),
            )

        self.model_cards: dict[str, ModelCard] = {}
        for card in governance.model_cards:
            self.model_cards[card.name] = model_card_from_config(self, f"Card-{card.name}", card)


def model_card_from_config(scope: Construct, construct_id: str, card: ModelCardSection) -> ModelCard:
    """Map the config's flat model-card fields onto the card schema's sections."""
    return ModelCard(
        scope,
        construct_id,
        model_card_name=card.name,
        status=card.status,
        model_overview=ModelOverview(model_description=card.description) if card.description else None,
        intended_uses=IntendedUses(intended_uses=card.intended_uses, risk_rating=card.risk_rating),
        business_details=(
            BusinessDetails(
                business_problem=card.business_problem,
                business_stakeholders=card.business_stakeholders,
                line_of_business=card.line_of_business,
            )
            if card.business_problem or card.business_stakeholders or card.line_of_business
            else None
        ),
        training_details=(
            TrainingDetails(training_observations=card.training_details) if card.training_details else None
        ),
        evaluation_details=(
            [EvaluationDetail(name="evaluation", evaluation_observation=card.evaluation_details)]
            if card.evaluation_details
            else ()
        ),
        additional_information=(
            AdditionalInformation(custom_details=card.custom_details) if card.custom_details else None
        ),
    )


def enable_collaboration(
    roles: Sequence[iam.IRole],
    *,
    buckets: Sequence[s3.IBucket] = (),
    key: kms.IKey | None = None,
) -> None:
    """Give the Canvas and Studio execution roles of one domain what model sharing needs.

    Each role gets the SharedModel actions (which have no resource-level permissions), read/write on every
    bucket where either persona keeps model artifacts (Canvas writes to its bucket, Studio reads and writes
    back), and use of the key those buckets are encrypted with. Grants are idempotent with what
    :class:`~sagemaker_platform.constructs.roles.ExecutionRole` already gives.
    """
    for role in roles:
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="SharedModels", actions=list(SHARED_MODEL_ACTIONS), resources=["*"])
        )
        for bucket in buckets:
            bucket.grant_read_write(role)
        if key is not None:
            key.grant_encrypt_decrypt(role)
