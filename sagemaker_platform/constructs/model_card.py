"""A SageMaker model card with typed content, validated against the card schema at synth.

The card's structure is fixed by SageMaker; custom properties go only in ``AdditionalInformation.CustomDetails``.
A card version is immutable except for its status: CloudFormation updates ``Content`` in place, which SageMaker
records as a new card version (``model_card_version``). ``ModelCardName`` and the KMS key (``SecurityConfig``)
can only be set at creation, so changing either means a new card under a new name.

An approved card can be exported to PDF (``export_bucket``: a custom resource, CloudFormation has none for
``CreateModelCardExportJob``) and shared with other accounts through AWS RAM (``share_with``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ram as ram
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.acknowledgements import acknowledge_wildcards
from sagemaker_platform.constructs.handler_provider import HandlerProvider, load_contracts
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import CUSTOM_DETAIL_KEY, RESOURCE_NAME, S3_PREFIX, is_token
from sagemaker_platform.rules import model_card as card_rules

NAME_PATTERN = RESOURCE_NAME.regex
CUSTOM_KEY_PATTERN = CUSTOM_DETAIL_KEY.regex
RISK_RATINGS = ("High", "Medium", "Low", "Unknown")
STATUSES = ("Draft", "PendingReview", "Approved", "Archived")
OBJECTIVES = ("Maximize", "Minimize")
MODEL_APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MAX_CONTENT_CHARS = 100_000
EXPORT_PREFIX = "model-cards"
EXPORT_RESOURCE_TYPE = "Custom::ModelCardExport"
# RAM's managed permissions for model cards: read and update, or also create and describe export jobs.
RAM_PERMISSION = "AWSRAMPermissionSageMakerModelCards"
RAM_PERMISSION_WITH_EXPORT = "AWSRAMPermissionSageMakerModelCardsAllowExport"
SHARED_ACCOUNT_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
EXPORT_WILDCARD_REASON = (
    "The export handler reads export jobs of its own cards only (model-card/<card>/export-job/*: job names are "
    "made per request), writes PDFs only under each card's output path (<prefix>/<card>/*: SageMaker names the "
    "object), and its log group's streams."
)


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
    training_metrics: Sequence[TrainingMetric] = ()
    user_provided_training_metrics: Sequence[TrainingMetric] = ()


@dataclass(frozen=True)
class TrainingMetric:
    """A training metric: a name (1-255 characters), a number, optional notes."""

    name: str
    value: float
    notes: str | None = None


@dataclass(frozen=True)
class Metric:
    """One metric of an evaluation's metric group; ``value``'s shape follows ``type`` (see
    :mod:`sagemaker_platform.rules.model_card`): number, string, boolean, linear_graph, bar_chart or matrix."""

    name: str
    type: str
    value: Any
    notes: str | None = None
    x_axis_name: str | Sequence[str] | None = None
    y_axis_name: str | Sequence[str] | None = None


@dataclass(frozen=True)
class MetricGroup:
    name: str
    metrics: Sequence[Metric]


@dataclass(frozen=True)
class EvaluationDetail:
    name: str
    evaluation_observation: str | None = None
    evaluation_job_arn: str | None = None
    datasets: Sequence[str] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    metric_groups: Sequence[MetricGroup] = ()


@dataclass(frozen=True)
class ModelPackageLink:
    """The registry version the card documents: a version of a model package group.

    :param group_name: the model package group (1-63 characters).
    :param version: the version in the group (>= 1).
    :param approval_status: Approved, Rejected or PendingManualApproval, as recorded on the card.
    """

    group_name: str
    version: int
    approval_status: str | None = None
    approval_description: str | None = None
    description: str | None = None


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
    metrics = _training_metrics("training_details.training_metrics", t.training_metrics)
    user_metrics = _training_metrics(
        "training_details.user_provided_training_metrics", t.user_provided_training_metrics
    )
    job = None
    if t.training_job_arn or datasets or images or metrics or user_metrics:
        job = card.TrainingJobDetailsProperty(
            training_arn=_text("training_details.training_job_arn", t.training_job_arn, 1024),
            training_datasets=datasets,
            training_environment=card.TrainingEnvironmentProperty(container_image=images) if images else None,
            training_metrics=metrics,
            user_provided_training_metrics=user_metrics,
        )
    return card.TrainingDetailsProperty(
        training_observations=_text("training_details.training_observations", t.training_observations, 1024),
        objective_function=objective,
        training_job_details=job,
    )


def _name(field_name: str, value: str, limit: int) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise ValueError(f"ModelCard {field_name}: 1-{limit} characters (got {value!r})")
    return value


def _number(field_name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"ModelCard {field_name}: a number (got {value!r})")
    return value


def _training_metrics(
    field_name: str, metrics: Sequence[TrainingMetric]
) -> list[sagemaker.CfnModelCard.TrainingMetricProperty] | None:
    if len(metrics) > card_rules.MAX_TRAINING_METRICS:
        raise ValueError(f"ModelCard {field_name}: at most {card_rules.MAX_TRAINING_METRICS} (got {len(metrics)})")
    return [
        sagemaker.CfnModelCard.TrainingMetricProperty(
            name=_name(f"{field_name}[{i}].name", m.name, card_rules.MAX_NAME),
            value=_number(f"{field_name}[{i}].value", m.value),
            notes=_text(f"{field_name}[{i}].notes", m.notes, card_rules.MAX_NOTES),
        )
        for i, m in enumerate(metrics)
    ] or None


def _metric(where: str, m: Metric) -> dict[str, Any]:
    """One metric as the card schema's JSON (SimpleMetric, LinearGraphMetric, BarChartMetric or MatrixMetric)."""
    _name(f"{where}.name", m.name, card_rules.MAX_NAME)
    problem = card_rules.value_problem(m.type, m.value)
    problem = problem or card_rules.axis_problem(m.type, "x", m.x_axis_name)
    problem = problem or card_rules.axis_problem(m.type, "y", m.y_axis_name)
    if problem:
        raise ValueError(f"ModelCard {where}: {problem}")
    item: dict[str, Any] = {"Name": m.name, "Type": m.type, "Value": m.value}
    if m.notes is not None:
        item["Notes"] = _text(f"{where}.notes", m.notes, card_rules.MAX_NOTES)
    for key, names in (("XAxisName", m.x_axis_name), ("YAxisName", m.y_axis_name)):
        if names is not None:
            item[key] = names if isinstance(names, str) else list(names)
    return item


def _metric_data(evaluations: Sequence[EvaluationDetail]) -> dict[str, list[dict[str, Any]]]:
    """Template paths and values of each metric group's ``MetricData``.

    The L1 types a metric's value as an object and every axis name as a list, while the schema takes numbers,
    strings, booleans and lists as values and a single axis name for most types; so the metrics are written to
    the template as the schema's JSON, over the empty list the L1 carries.
    """
    found: dict[str, list[dict[str, Any]]] = {}
    for i, e in enumerate(evaluations):
        for j, group in enumerate(e.metric_groups):
            where = f"evaluation_details[{i}].metric_groups[{j}]"
            if not group.metrics:
                raise ValueError(f"ModelCard {where}.metrics: at least one metric")
            path = f"Content.EvaluationDetails.{i}.MetricGroups.{j}.MetricData"
            found[path] = [_metric(f"{where}.metrics[{k}]", m) for k, m in enumerate(group.metrics)]
    return found


def _evaluation(i: int, e: EvaluationDetail) -> sagemaker.CfnModelCard.EvaluationDetailProperty:
    where = f"evaluation_details[{i}]"
    _name(f"{where}.name", e.name, card_rules.MAX_GROUP_NAME)
    groups = []
    for j, group in enumerate(e.metric_groups):
        group_where = f"{where}.metric_groups[{j}]"
        groups.append(
            sagemaker.CfnModelCard.MetricGroupProperty(
                name=_name(f"{group_where}.name", group.name, card_rules.MAX_GROUP_NAME),
                metric_data=[],  # written by _metric_data
            )
        )
    return sagemaker.CfnModelCard.EvaluationDetailProperty(
        name=e.name,
        evaluation_observation=_text(f"{where}.evaluation_observation", e.evaluation_observation, 2096),
        evaluation_job_arn=_text(f"{where}.evaluation_job_arn", e.evaluation_job_arn, 256),
        datasets=_items(f"{where}.datasets", e.datasets, 10),
        metadata=_map(f"{where}.metadata", e.metadata),
        metric_groups=groups or None,
    )


def _package(scope: Construct, link: ModelPackageLink) -> sagemaker.CfnModelCard.ModelPackageDetailsProperty:
    if not cdk.Token.is_unresolved(link.group_name) and not NAME_PATTERN.match(link.group_name):
        raise ValueError(
            "ModelCard model_package.group_name: 1-63 letters, digits and hyphens, starting and ending with a letter "
            f"or digit (got {link.group_name!r})"
        )
    if isinstance(link.version, bool) or not isinstance(link.version, int) or link.version < 1:
        raise ValueError(f"ModelCard model_package.version: a whole number >= 1 (got {link.version!r})")
    return sagemaker.CfnModelCard.ModelPackageDetailsProperty(
        model_package_group_name=link.group_name,
        model_package_version=link.version,
        # A versioned model package's ARN: model-package/<group>/<version>.
        model_package_arn=cdk.Stack.of(scope).format_arn(
            service="sagemaker", resource="model-package", resource_name=f"{link.group_name}/{link.version}"
        ),
        model_approval_status=(
            _enum("model_package.approval_status", link.approval_status, MODEL_APPROVAL_STATUSES)
            if link.approval_status
            else None
        ),
        approval_description=_text("model_package.approval_description", link.approval_description, 1024),
        model_package_description=_text("model_package.description", link.description, 1024),
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
        """Change the card's content and status (a new version each time).

        There is no separate ``grant_approve``: IAM cannot tell an author from an approver. Content and status
        changes are both ``sagemaker:UpdateModelCard`` on the card's ARN, and the service authorization reference
        lists no condition key on the card's status for it (model cards take only the tag keys). Separating the
        two needs a process outside IAM, such as approving through a pipeline that alone holds this grant.
        """
        return self.grant_read(grantee).combine(
            iam.Grant.add_to_principal(
                grantee=grantee, actions=["sagemaker:UpdateModelCard"], resource_arns=[self.model_card_arn]
            )
        )


class ImportedModelCard(ModelCardBase):
    def __init__(self, scope: Construct, construct_id: str, *, model_card_name: str) -> None:
        """
        :param model_card_name: the card's name.
        """
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
        model_package: ModelPackageLink | None = None,
        encryption_key: kms.IKey | None = None,
        export_bucket: s3.IBucket | None = None,
        export_prefix: str = EXPORT_PREFIX,
        share_with: Sequence[str] = (),
        share_allows_export: bool = False,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
    ) -> None:
        """
        :param model_card_name: the card's name: its identity, fixed once deployed.
        :param status: Draft, PendingReview, Approved or Archived.
        :param model_overview: what the model is (``Content.model_overview``).
        :param intended_uses: what it is for and not for (``Content.intended_uses``).
        :param business_details: the problem and stakeholders (``Content.business_details``).
        :param training_details: how it was trained (``Content.training_details``).
        :param evaluation_details: evaluation jobs and their metric groups (``Content.evaluation_details``).
        :param additional_information: ethics, caveats and custom details (``Content.additional_information``).
        :param model_package: the registry version the card documents (``Content.ModelPackageDetails``).
        :param encryption_key: encrypts the card's content (``SecurityConfig``, fixed at creation).
        :param export_bucket: while ``status`` is Approved, each version is exported to PDF under
            ``s3://<bucket>/<export_prefix>/<card>/<version>/`` (see :class:`ModelCardExport`).
        :param share_with: account ids (or organization / OU ARNs) the card is shared with through AWS RAM;
            with an ``encryption_key`` the key policy lets those accounts use it for this card only.
        :param share_allows_export: the shared accounts may also export the card to PDF.
        :param export_prefix: the key prefix of the exports in ``export_bucket``.
        :param removal_policy: RETAIN by default: cards are governance records.
        """
        if encryption_key is not None:
            require("ModelCard", "encryption_key", encryption_key, kms.IKey)
        if export_bucket is not None:
            require("ModelCard", "export_bucket", export_bucket, s3.IBucket)
        super().__init__(scope, construct_id)
        if not is_token(model_card_name) and not NAME_PATTERN.match(model_card_name):
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
            model_package_details=_package(self, model_package) if model_package else None,
        )
        metric_data = _metric_data(evaluation_details)
        size = len(json.dumps(cdk.Stack.of(self).resolve(content), default=str))
        size += len(json.dumps(metric_data))
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
        for path, metrics in metric_data.items():
            self.resource.add_property_override(path, metrics)
        self.resource.apply_removal_policy(removal_policy)
        self.model_card_arn = self.resource.attr_model_card_arn
        self.model_card_version = self.resource.attr_model_card_version
        self.encryption_key = encryption_key
        self.export: ModelCardExport | None = None
        if export_bucket is not None and self.status == "Approved":
            self.export = ModelCardExport(self, "PdfExport", card=self, bucket=export_bucket, prefix=export_prefix)
        self.share: ram.CfnResourceShare | None = None
        if share_with:
            self.share = self._share(list(share_with), share_allows_export)

    def _share(self, principals: list[str], allow_export: bool) -> ram.CfnResourceShare:
        """A RAM resource share of this card, and the key-policy statement the shared accounts need."""
        for principal in principals:
            if not cdk.Token.is_unresolved(principal) and not (
                (principal.isdigit() and len(principal) == 12) or principal.startswith("arn:")
            ):
                raise ValueError(
                    f"ModelCard share_with: a 12-digit account id or an organization/OU ARN (got {principal!r})"
                )
        stack = cdk.Stack.of(self)
        permission = RAM_PERMISSION_WITH_EXPORT if allow_export else RAM_PERMISSION
        share = ram.CfnResourceShare(
            self,
            "Share",
            name=f"model-card-{self.model_card_name}",
            resource_arns=[self.model_card_arn],
            principals=principals,
            permission_arns=[f"arn:{stack.partition}:ram::aws:permission/{permission}"],
        )
        accounts = [p for p in principals if not p.startswith("arn:")]
        if isinstance(self.encryption_key, kms.Key) and accounts:
            # The card's literal ARN, not its attribute: the key must not depend on the card it encrypts.
            card_arn = stack.format_arn(service="sagemaker", resource="model-card", resource_name=self.model_card_name)
            self.encryption_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"SharedModelCard{''.join(part.capitalize() for part in self.model_card_name.split('-'))}",
                    principals=[iam.AccountPrincipal(account) for account in accounts],
                    actions=list(SHARED_ACCOUNT_KEY_ACTIONS),
                    resources=["*"],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": [
                                f"sagemaker.{stack.region}.amazonaws.com",
                                f"s3.{stack.region}.amazonaws.com",
                            ]
                        },
                        "StringLike": {"kms:EncryptionContext:aws:sagemaker:model-card-arn": card_arn},
                    },
                )
            )
        return share

    @staticmethod
    def from_model_card_name(scope: Construct, construct_id: str, *, model_card_name: str) -> ImportedModelCard:
        """A card created elsewhere, by name: the same grants.

        :param model_card_name: the card's name.
        """
        return ImportedModelCard(scope, construct_id, model_card_name=model_card_name)


class ModelCardExport(Construct):
    """A PDF of the card's current version, exported while the card is Approved (``Custom::ModelCardExport``).

    Each newly approved version is exported once, under ``s3://<bucket>/<prefix>/<card>/<version>/`` (the API
    takes an output path; SageMaker names the PDF itself, and the exact URI is the ``export_artifact``
    attribute). Deleting the resource deletes nothing: exports are audit records and stay in the bucket.

    The handler may start and read export jobs of this card only, write under this card's output path, use the
    bucket's key through S3 and the card's key through SageMaker.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, card: ModelCard, bucket: s3.IBucket, prefix: str = EXPORT_PREFIX
    ) -> None:
        """
        :param card: the card whose approved versions are exported.
        :param bucket: where the PDFs go.
        :param prefix: the key prefix under which each card's versions are exported.
        """
        require("ModelCardExport", "bucket", bucket, s3.IBucket)
        super().__init__(scope, construct_id)
        if not cdk.Token.is_unresolved(prefix) and not S3_PREFIX.accepts(prefix):
            raise ValueError(f"ModelCardExport prefix: {S3_PREFIX.hint} (got {prefix!r})")
        stack = cdk.Stack.of(self)
        provider = HandlerProvider.of(self, "model_card_export", encryption_key=card.encryption_key)
        if not getattr(provider, "_export_wildcards_acknowledged", False):
            acknowledge_wildcards(provider.role, EXPORT_WILDCARD_REASON)
            provider._export_wildcards_acknowledged = True  # type: ignore[attr-defined]
        card_arn = stack.format_arn(service="sagemaker", resource="model-card", resource_name=card.model_card_name)
        provider.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:CreateModelCardExportJob", "sagemaker:ListModelCardExportJobs"],
                resources=[card_arn],
            ),
            iam.PolicyStatement(
                actions=["sagemaker:DescribeModelCardExportJob"], resources=[f"{card_arn}/export-job/*"]
            ),
            # SageMaker writes the PDF with the caller's permissions.
            iam.PolicyStatement(
                actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{prefix}/{card.model_card_name}/*")]
            ),
        )
        for key, service in ((bucket.encryption_key, "s3"), (card.encryption_key, "sagemaker")):
            if key is not None:
                provider.add_to_policy(
                    iam.PolicyStatement(
                        actions=["kms:Decrypt", "kms:GenerateDataKey"],
                        resources=[key.key_arn],
                        conditions={"StringEquals": {"kms:ViaService": f"{service}.{stack.region}.amazonaws.com"}},
                    )
                )
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=EXPORT_RESOURCE_TYPE,
            properties=load_contracts().build(
                EXPORT_RESOURCE_TYPE,
                ModelCardName=card.model_card_name,
                ModelCardVersion=card.model_card_version,
                BucketName=bucket.bucket_name,
                Prefix=prefix,
            ),
        )
        # The handler's permissions exist before it is called.
        self.resource.node.add_dependency(provider.role)
        self.export_artifact = self.resource.get_att_string("ExportArtifact")
