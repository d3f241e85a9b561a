"""A SageMaker model card with typed content, validated against the card schema at synth.

The card's structure is fixed by SageMaker; custom properties go only in ``AdditionalInformation.CustomDetails``.
A card version is immutable except for its status: CloudFormation updates ``Content`` in place, which SageMaker
records as a new card version (``model_card_version``). ``ModelCardName`` and the KMS key (``SecurityConfig``)
can only be set at creation, so changing either means a new card under a new name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.rules import CUSTOM_DETAIL_KEY, RESOURCE_NAME

NAME_PATTERN = RESOURCE_NAME.regex
CUSTOM_KEY_PATTERN = CUSTOM_DETAIL_KEY.regex
RISK_RATINGS = ("High", "Medium", "Low", "Unknown")
STATUSES = ("Draft", "PendingReview", "Approved", "Archived")
OBJECTIVES = ("Maximize", "Minimize")
MAX_CONTENT_CHARS = 100_000


@dataclass(frozen=True)
class ModelOverview:
    model_description: str | None = None
    model_owner: str | None = None
    model_creator: str | None = None
    problem_type: str | None = None
    algorithm_type: str | None = None
    model_id: str | None = None
    model_name: str | None = None
    model_version: int | None = None
    model_artifacts: Sequence[str] = ()
    inference_images: Sequence[str] = ()


@dataclass(frozen=True)
class IntendedUses:
    """How the model may be used; ``risk_rating`` is one of High, Medium, Low, Unknown (any case)."""

    purpose_of_model: str | None = None
    intended_uses: str | None = None
    factors_affecting_model_efficiency: str | None = None
    risk_rating: str = "Unknown"
    explanations_for_risk_rating: str | None = None


@dataclass(frozen=True)
class BusinessDetails:
    business_problem: str | None = None
    business_stakeholders: str | None = None
    line_of_business: str | None = None


@dataclass(frozen=True)
class TrainingDetails:
    training_observations: str | None = None
    training_job_arn: str | None = None
    training_datasets: Sequence[str] = ()
    training_images: Sequence[str] = ()
    objective_function: str | None = None  # Maximize or Minimize
    objective_facet: str | None = None
    objective_condition: str | None = None
    objective_notes: str | None = None


@dataclass(frozen=True)
class EvaluationDetail:
    name: str
    evaluation_observation: str | None = None
    evaluation_job_arn: str | None = None
    datasets: Sequence[str] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AdditionalInformation:
    """Free text plus ``custom_details``: the only place for properties the card schema does not have."""

    ethical_considerations: str | None = None
    caveats_and_recommendations: str | None = None
    custom_details: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------- validation
def _text(field_name: str, value: str | None, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise ValueError(f"ModelCard {field_name}: at most {limit} characters (got {len(value)} characters)")
    return value


def _items(field_name: str, values: Sequence[str], max_items: int, limit: int = 1024) -> list[str] | None:
    if isinstance(values, str):
        raise ValueError(f"ModelCard {field_name}: a list of strings, not one string (got {values!r})")
    if len(values) > max_items:
        raise ValueError(f"ModelCard {field_name}: at most {max_items} entries (got {len(values)})")
    for i, value in enumerate(values):
        _text(f"{field_name}[{i}]", value, limit)
    return list(values) or None


def _map(field_name: str, values: Mapping[str, str]) -> dict[str, str] | None:
    for key, value in values.items():
        if not CUSTOM_KEY_PATTERN.match(key):
            raise ValueError(
                f"ModelCard {field_name}: keys start with a letter or '_' and hold only letters, digits and '_' "
                f"(got {key!r})"
            )
        if not isinstance(value, str):
            raise ValueError(f"ModelCard {field_name}.{key}: must be a string (got {value!r})")
        _text(f"{field_name}.{key}", value, 1024)
    return dict(values) or None


def _enum(field_name: str, value: str, allowed: Sequence[str]) -> str:
    for option in allowed:
        if value.lower() == option.lower():
            return option
    raise ValueError(f"ModelCard {field_name}: must be one of {', '.join(allowed)} (got {value!r})")


def _overview(o: ModelOverview) -> sagemaker.CfnModelCard.ModelOverviewProperty:
    if o.model_version is not None and (isinstance(o.model_version, bool) or o.model_version < 1):
        raise ValueError(f"ModelCard model_overview.model_version: a number >= 1 (got {o.model_version!r})")
    images = _items("model_overview.inference_images", o.inference_images, 15)
    return sagemaker.CfnModelCard.ModelOverviewProperty(
        model_description=_text("model_overview.model_description", o.model_description, 1024),
        model_owner=_text("model_overview.model_owner", o.model_owner, 1024),
        model_creator=_text("model_overview.model_creator", o.model_creator, 1024),
        problem_type=_text("model_overview.problem_type", o.problem_type, 1024),
        algorithm_type=_text("model_overview.algorithm_type", o.algorithm_type, 1024),
        model_id=_text("model_overview.model_id", o.model_id, 1024),
        model_name=_text("model_overview.model_name", o.model_name, 1024),
        model_version=o.model_version,
        model_artifact=_items("model_overview.model_artifacts", o.model_artifacts, 15),
        inference_environment=(
            sagemaker.CfnModelCard.InferenceEnvironmentProperty(container_image=images) if images else None
        ),
    )


def _intended(u: IntendedUses) -> sagemaker.CfnModelCard.IntendedUsesProperty:
    return sagemaker.CfnModelCard.IntendedUsesProperty(
        purpose_of_model=_text("intended_uses.purpose_of_model", u.purpose_of_model, 2048),
        intended_uses=_text("intended_uses.intended_uses", u.intended_uses, 2048),
        factors_affecting_model_efficiency=_text(
            "intended_uses.factors_affecting_model_efficiency", u.factors_affecting_model_efficiency, 2048
        ),
        risk_rating=_enum("intended_uses.risk_rating", u.risk_rating, RISK_RATINGS),
        explanations_for_risk_rating=_text(
            "intended_uses.explanations_for_risk_rating", u.explanations_for_risk_rating, 2048
        ),
    )


def _business(b: BusinessDetails) -> sagemaker.CfnModelCard.BusinessDetailsProperty:
    return sagemaker.CfnModelCard.BusinessDetailsProperty(
        business_problem=_text("business_details.business_problem", b.business_problem, 2048),
        business_stakeholders=_text("business_details.business_stakeholders", b.business_stakeholders, 2048),
        line_of_business=_text("business_details.line_of_business", b.line_of_business, 2048),
    )


def _training(t: TrainingDetails) -> sagemaker.CfnModelCard.TrainingDetailsProperty:
    card = sagemaker.CfnModelCard
    objective = None
    if t.objective_function or t.objective_facet or t.objective_condition or t.objective_notes:
        objective = card.ObjectiveFunctionProperty(
            function=card.FunctionProperty(
                function=(
                    _enum("training_details.objective_function", t.objective_function, OBJECTIVES)
                    if t.objective_function
                    else None
                ),
                facet=_text("training_details.objective_facet", t.objective_facet, 63),
                condition=_text("training_details.objective_condition", t.objective_condition, 63),
            ),
            notes=_text("training_details.objective_notes", t.objective_notes, 1024),
        )
    images = _items("training_details.training_images", t.training_images, 15)
    datasets = _items("training_details.training_datasets", t.training_datasets, 15)
    job = None
    if t.training_job_arn or datasets or images:
        job = card.TrainingJobDetailsProperty(
            training_arn=_text("training_details.training_job_arn", t.training_job_arn, 1024),
            training_datasets=datasets,
            training_environment=card.TrainingEnvironmentProperty(container_image=images) if images else None,
        )
    return card.TrainingDetailsProperty(
        training_observations=_text("training_details.training_observations", t.training_observations, 1024),
        objective_function=objective,
        training_job_details=job,
    )


def _evaluation(i: int, e: EvaluationDetail) -> sagemaker.CfnModelCard.EvaluationDetailProperty:
    where = f"evaluation_details[{i}]"
    if not 1 <= len(e.name) <= 63:
        raise ValueError(f"ModelCard {where}.name: 1-63 characters (got {e.name!r})")
    return sagemaker.CfnModelCard.EvaluationDetailProperty(
        name=e.name,
        evaluation_observation=_text(f"{where}.evaluation_observation", e.evaluation_observation, 2096),
        evaluation_job_arn=_text(f"{where}.evaluation_job_arn", e.evaluation_job_arn, 256),
        datasets=_items(f"{where}.datasets", e.datasets, 10),
        metadata=_map(f"{where}.metadata", e.metadata),
    )


def _additional(a: AdditionalInformation) -> sagemaker.CfnModelCard.AdditionalInformationProperty:
    return sagemaker.CfnModelCard.AdditionalInformationProperty(
        ethical_considerations=_text("additional_information.ethical_considerations", a.ethical_considerations, 2048),
        caveats_and_recommendations=_text(
            "additional_information.caveats_and_recommendations", a.caveats_and_recommendations, 2048
        ),
        custom_details=_map("additional_information.custom_details", a.custom_details),
    )


# --------------------------------------------------------------------------------------------------- construct
class ModelCardBase(cdk.Resource):
    """Grants on a model card, for owned and imported cards alike. Subclasses set ``model_card_name`` and
    ``model_card_arn``."""

    model_card_name: str
    model_card_arn: str

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Read the card and its history (``ListModelCards`` has no resource-level permissions)."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:DescribeModelCard", "sagemaker:ListModelCardVersions"],
            resource_arns=[self.model_card_arn],
        )
        return grant.combine(
            iam.Grant.add_to_principal(grantee=grantee, actions=["sagemaker:ListModelCards"], resource_arns=["*"])
        )

    def grant_edit(self, grantee: iam.IGrantable) -> iam.Grant:
        """Change the card's content and status (a new version each time)."""
        return self.grant_read(grantee).combine(
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["sagemaker:UpdateModelCard"], resource_arns=[self.model_card_arn]
            )
        )


class ImportedModelCard(ModelCardBase):
    def __init__(self, scope: Construct, construct_id: str, *, model_card_name: str) -> None:
        super().__init__(scope, construct_id)
        self.model_card_name = model_card_name
        self.model_card_arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="model-card", resource_name=model_card_name
        )


class ModelCard(ModelCardBase):
    """``AWS::SageMaker::ModelCard``. Attributes: ``model_card_name``, ``model_card_arn``, ``model_card_version``;
    the CfnModelCard is ``node.default_child`` (also ``resource``).

    Edit the content and deploy: the same card gets a new version. The name is the card's identity (one card per
    model name) and cannot change; the card is retained when the stack is deleted, as governance records are.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_card_name: str,
        status: str = "Draft",
        model_overview: ModelOverview | None = None,
        intended_uses: IntendedUses | None = None,
        business_details: BusinessDetails | None = None,
        training_details: TrainingDetails | None = None,
        evaluation_details: Sequence[EvaluationDetail] = (),
        additional_information: AdditionalInformation | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        if not NAME_PATTERN.match(model_card_name):
            raise ValueError(
                "ModelCard model_card_name: 1-63 letters, digits and hyphens, starting and ending with a letter or "
                f"digit (got {model_card_name!r})"
            )
        self.status = _enum("status", status, STATUSES)
        content = sagemaker.CfnModelCard.ContentProperty(
            model_overview=_overview(model_overview) if model_overview else None,
            intended_uses=_intended(intended_uses or IntendedUses()),
            business_details=_business(business_details) if business_details else None,
            training_details=_training(training_details) if training_details else None,
            evaluation_details=[_evaluation(i, e) for i, e in enumerate(evaluation_details)] or None,
            additional_information=_additional(additional_information) if additional_information else None,
        )
        size = len(json.dumps(cdk.Stack.of(self).resolve(content), default=str))
        if size > MAX_CONTENT_CHARS:
            raise ValueError(f"ModelCard content: at most {MAX_CONTENT_CHARS} characters of JSON (got {size})")

        self.model_card_name = model_card_name
        self.resource = sagemaker.CfnModelCard(
            self,
            "Resource",
            model_card_name=model_card_name,
            model_card_status=self.status,
            content=content,
            security_config=(
                sagemaker.CfnModelCard.SecurityConfigProperty(kms_key_id=encryption_key.key_arn)
                if encryption_key
                else None
            ),
        )
        self.resource.apply_removal_policy(removal_policy)
        self.model_card_arn = self.resource.attr_model_card_arn
        self.model_card_version = self.resource.attr_model_card_version

    @staticmethod
    def from_model_card_name(scope: Construct, construct_id: str, *, model_card_name: str) -> ImportedModelCard:
        """A card created elsewhere, by name: the same grants."""
        return ImportedModelCard(scope, construct_id, model_card_name=model_card_name)
