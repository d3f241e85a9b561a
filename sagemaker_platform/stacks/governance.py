"""GovernanceStack: model package groups (with cross-account policies), model cards and approval events.

Model sharing between Canvas and Studio users (``governance.collaboration``) is part of the persona roles
(``ExecutionRole(shared_models=...)``) and the domain (``StudioDomain(collaboration=...)``); see
docs/collaboration.md.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
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
    Metric,
    MetricGroup,
    ModelCard,
    ModelOverview,
    ModelPackageLink,
    TrainingDetails,
    TrainingMetric,
)
from sagemaker_platform.constructs.registry import ApprovalTopic, ModelPackageGroup


class GovernanceStack(cdk.Stack):
    """Attributes: ``key``, ``approval_topic`` (or None), ``model_package_groups`` and ``model_cards`` by name.

    :param export_bucket: the platform bucket approved model cards are exported to as PDF
        (``model-cards/<card>/<version>/``); required when a card of the config is Approved with ``export_pdf``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        export_bucket: s3.IBucket | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        governance = config.governance
        prefix = config.platform.prefix
        exporting = [c for c in governance.model_cards if c.status == "Approved" and c.export_pdf]
        self.key = PlatformKey(
            self,
            "Key",
            alias=f"{prefix}-governance",
            description=f"SageMaker platform {prefix}: model approval notifications, model cards",
            # The export handler's logs are encrypted with the cards' key.
            allow_cloudwatch_logs=bool(exporting),
        )
        self.approval_topic: ApprovalTopic | None = None
        if any(group.approval_notifications for group in governance.model_package_groups):
            self.approval_topic = ApprovalTopic(
                self, "ApprovalTopic", encryption_key=self.key, display_name=f"{prefix} model approvals"
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
        for i, card in enumerate(governance.model_cards):
            if card in exporting and export_bucket is None:
                raise ValueError(
                    f"governance.model_cards[{i}].export_pdf: card {card.name} is Approved and exported to PDF, "
                    "but the governance stack was given no export_bucket"
                )
            key = (
                kms.Key.from_key_arn(self, f"CardKey-{card.name}", card.kms_key_arn)
                if card.kms_key_arn
                else self.key.key
            )
            self.model_cards[card.name] = model_card_from_config(
                self,
                f"Card-{card.name}",
                card,
                encryption_key=key,
                export_bucket=export_bucket if card.export_pdf else None,
            )
            if card.model_package is not None and card.model_package.group in self.model_package_groups:
                # The card links a version of this group: created after it, deleted before it.
                self.model_cards[card.name].node.add_dependency(self.model_package_groups[card.model_package.group])


def model_card_from_config(
    scope: Construct,
    construct_id: str,
    card: ModelCardSection,
    *,
    encryption_key: kms.IKey | None = None,
    export_bucket: s3.IBucket | None = None,
) -> ModelCard:
    """Map the config's model-card fields onto the card schema's sections."""
    evaluations = [
        EvaluationDetail(
            name=e.name,
            evaluation_observation=e.observation,
            evaluation_job_arn=e.job_arn,
            datasets=e.datasets,
            metric_groups=[
                MetricGroup(
                    name=g.name,
                    metrics=[
                        Metric(
                            name=m.name,
                            type=m.type,
                            value=m.value,
                            notes=m.notes,
                            x_axis_name=m.x_axis_name,
                            y_axis_name=m.y_axis_name,
                        )
                        for m in g.metrics
                    ],
                )
                for g in e.metric_groups
            ],
        )
        for e in card.evaluations
    ]
    if card.evaluation_details:
        evaluations.insert(0, EvaluationDetail(name="evaluation", evaluation_observation=card.evaluation_details))
    training_metrics = [TrainingMetric(name=m.name, value=m.value, notes=m.notes) for m in card.training_metrics]
    package = card.model_package
    return ModelCard(
        scope,
        construct_id,
        model_card_name=card.name,
        status=card.status,
        model_overview=ModelOverview(model_description=card.description) if card.description else None,
        intended_uses=IntendedUses(
            purpose_of_model=card.purpose_of_model,
            intended_uses=card.intended_uses,
            factors_affecting_model_efficiency=card.factors_affecting_model_efficiency,
            risk_rating=card.risk_rating,
            explanations_for_risk_rating=card.explanations_for_risk_rating,
        ),
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
            TrainingDetails(training_observations=card.training_details, training_metrics=training_metrics)
            if card.training_details or training_metrics
            else None
        ),
        evaluation_details=evaluations,
        additional_information=(
            AdditionalInformation(custom_details=card.custom_details) if card.custom_details else None
        ),
        model_package=(
            ModelPackageLink(
                group_name=package.group,
                version=package.version,
                approval_status=package.approval_status,
                approval_description=package.approval_description,
            )
            if package
            else None
        ),
        encryption_key=encryption_key,
        export_bucket=export_bucket,
        share_with=card.share_with,
        share_allows_export=card.share_allows_export,
    )
