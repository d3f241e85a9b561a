"""The README's persona matrix, evaluated against the synthesized policies of default.yaml, full.yaml and
enterprise.yaml (rows whose feature a config lacks are skipped).

Each capability is a list of (action, concrete ARN, request context) steps made as a user of one persona from a
Studio app. ``yes`` cells must be allowed by the role's own statements (an AWS managed policy, which cannot be
read offline, counts as allowing nothing); ``no`` cells must be denied even if every AWS managed policy on the
role allowed everything (so isolation rests on explicit denies, not on what AWS's policies happen to say);
``canvas`` cells are what AWS's Canvas policies decide and are not asserted offline.
Resource policies (the domain key's policy, the platform bucket's policy) take part where they decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sagemaker_platform.config import PlatformConfig
from tests.conftest import ROOT, Synthesized, synthesized
from tests.iam.evaluator import Decision, Request, evaluate, evaluate_with_resource_policy, matching_statements
from tests.iam.template import Account

PERSONAS = ("data_scientist", "ml_engineer", "business_analyst")
CONFIGS = [
    ROOT / "config" / "default.yaml",
    ROOT / "config" / "examples" / "full.yaml",
    ROOT / "config" / "examples" / "enterprise.yaml",
]
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class World:
    """The concrete names a persona's requests carry: its own user, another user, the domain and platform."""

    account: Account
    studio: str
    domain_id: str
    partition: str
    region: str
    account_id: str
    me: str
    other: str
    admin_space: str
    role_arns: Mapping[str, str]
    key_arn: str
    key_logical_id: str
    bucket: str
    bucket_logical_id: str
    hub: str | None = None
    referenced_model: str | None = None
    mlflow: str | None = None
    mlflow_bucket: str | None = None

    def arn(self, resource: str, service: str = "sagemaker") -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    def profile(self, name: str, domain: str | None = None) -> str:
        return self.arn(f"user-profile/{domain or self.domain_id}/{name}")

    def studio_context(self, **extra: object) -> dict[str, object]:
        """What Studio puts in the request context of a call made from ``me``'s app."""
        context: dict[str, object] = {
            "sagemaker:DomainId": self.domain_id,
            "sagemaker:UserProfileName": self.me,
            "aws:SecureTransport": "true",
        }
        context.update(extra)
        return context


Step = Callable[[World], Request]


def _space(
    w: World, verb: str, name: str, owner: str | None, sharing: str | None, domain: str | None = None
) -> Request:
    context = w.studio_context()
    if owner is not None:
        context["sagemaker:OwnerUserProfileArn"] = w.profile(owner, domain)
    if sharing is not None:
        context["sagemaker:SpaceSharingType"] = sharing
    return Request(f"sagemaker:{verb}Space", w.arn(f"space/{domain or w.domain_id}/{name}"), context)


def _app(w: World, verb: str, parent: str, app_type: str, owner: str | None, sharing: str | None,
         domain: str | None = None) -> Request:
    context = w.studio_context()
    if owner is not None:
        context["sagemaker:OwnerUserProfileArn"] = w.profile(owner, domain)
    if sharing is not None:
        context["sagemaker:SpaceSharingType"] = sharing
    return Request(f"sagemaker:{verb}App", w.arn(f"app/{domain or w.domain_id}/{parent}/{app_type}/default"), context)


def _s3(w: World, action: str, bucket: str, key: str | None = None) -> Request:
    resource = f"arn:{w.partition}:s3:::{bucket}" + (f"/{key}" if key is not None else "")
    return Request(action, resource, w.studio_context())


def _kms(w: World, action: str, **context: object) -> Request:
    return Request(action, w.key_arn, w.studio_context(**context))


def _pass(w: World, persona: str, service: str = "sagemaker.amazonaws.com") -> Request:
    return Request("iam:PassRole", w.role_arns[persona], w.studio_context(**{"iam:PassedToService": service}))


def _sm(verb: str, *resources: str) -> list[Step]:
    return [lambda w, r=r: Request(f"sagemaker:{verb}", w.arn(r), w.studio_context()) for r in resources]


def _hub(verb: str, resource: str) -> Step:
    """A call on the config's first hub: ``resource`` is ``hub`` or ``<type>/<name>/<version>`` of its content."""
    def step(w: World) -> Request:
        arn = w.arn(f"hub/{w.hub}" if resource == "hub" else f"hub-content/{w.hub}/{resource}")
        return Request(f"sagemaker:{verb}", arn, w.studio_context())
    return step


def _public(verb: str, resource: str) -> Step:
    """A call on the public JumpStart hub (owned by the account alias ``aws``); ``{ref}`` is a referenced model."""
    def step(w: World) -> Request:
        arn = f"arn:{w.partition}:sagemaker:{w.region}:aws:{resource.format(ref=w.referenced_model)}"
        return Request(f"sagemaker:{verb}", arn, w.studio_context())
    return step


def _mlflow(action: str) -> Step:
    """A call on the config's MLflow tracking server (``sagemaker:`` control plane or ``sagemaker-mlflow:`` data)."""
    def step(w: World) -> Request:
        return Request(action, w.arn(f"mlflow-tracking-server/{w.mlflow}"), w.studio_context())
    return step


def _mlflow_artifact(action: str) -> Step:
    """An object of a run's artifacts in the tracking server's artifact store."""
    return lambda w: _s3(w, action, str(w.mlflow_bucket), "mlflow/1/0f3a9c/artifacts/model/model.pkl")


# capability -> (README wording, {persona: yes|no|canvas}, steps)
Y, N, C = "yes", "no", "canvas"
MATRIX: dict[str, tuple[dict[str, str], list[Step]]] = {
    "Apps on their own profile (Canvas, Studio Classic)": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _app(w, "Create", w.me, "canvas", None, None),
         lambda w: _app(w, "Delete", w.me, "canvas", None, None),
         lambda w: Request("sagemaker:DescribeDomain", w.arn(f"domain/{w.domain_id}"), w.studio_context())],
    ),
    "Create, change and delete their own spaces": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _space(w, "Create", f"{w.me}-new", w.me, "Private"),
         lambda w: _space(w, "Update", f"{w.me}-new", w.me, "Private"),
         lambda w: _space(w, "Delete", f"{w.me}-new", w.me, "Private"),
         lambda w: _space(w, "Create", f"{w.me}-team", w.me, "Shared")],
    ),
    "Apps in their own private spaces and in shared spaces": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _app(w, "Create", f"{w.me}-new", "jupyterlab", w.me, "Private"),
         lambda w: _app(w, "Delete", f"{w.me}-new", "jupyterlab", w.me, "Private"),
         lambda w: _app(w, "Create", w.admin_space, "jupyterlab", None, "Shared"),
         lambda w: _app(w, "Create", f"{w.other}-team", "codeeditor", w.other, "Shared")],
    ),
    "The domain key for apps, jobs and endpoints (kms:CreateGrant for AWS services, DescribeKey)": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _kms(w, "kms:CreateGrant", **{"kms:GrantIsForAWSResource": "true"}),
         lambda w: _kms(w, "kms:DescribeKey"),
         lambda w: _kms(w, "kms:Decrypt"),
         lambda w: _kms(w, "kms:GenerateDataKey")],
    ),
    "Objects in the platform bucket": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _s3(w, "s3:ListBucket", w.bucket),
         lambda w: _s3(w, "s3:GetObject", w.bucket, "projects/a.csv"),
         lambda w: _s3(w, "s3:PutObject", w.bucket, "projects/a.csv"),
         lambda w: _s3(w, "s3:DeleteObject", w.bucket, "projects/a.csv")],
    ),
    "The SageMaker Python SDK's default bucket (sagemaker-<region>-<account>)": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _s3(w, "s3:ListBucket", f"sagemaker-{w.region}-{w.account_id}"),
         lambda w: _s3(w, "s3:CreateBucket", f"sagemaker-{w.region}-{w.account_id}"),
         lambda w: _s3(w, "s3:PutObject", f"sagemaker-{w.region}-{w.account_id}", "job/output/model.tar.gz")],
    ),
    "Pass their own role to SageMaker": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: _pass(w, "__me__")],
    ),
    "Training, processing, tuning and AutoML jobs; experiments": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": C},
        [*_sm("CreateTrainingJob", "training-job/churn-1"),
         *_sm("CreateProcessingJob", "processing-job/prep-1"),
         *_sm("CreateHyperParameterTuningJob", "hyper-parameter-tuning-job/hpo-1"),
         *_sm("ListCandidatesForAutoMLJob", "automl-job/auto-1"),
         *_sm("CreateTrial", "experiment-trial/t1", "experiment/e1"),
         *_sm("AssociateTrialComponent", "experiment-trial-component/c1", "experiment-trial/t1"),
         lambda w: Request("ecr:BatchGetImage",
                           f"arn:{w.partition}:ecr:{w.region}:763104351884:repository/pytorch-training",
                           w.studio_context()),
         lambda w: Request("ecr:BatchGetImage", f"arn:{w.partition}:ecr:{w.region}:{w.account_id}:repository/own",
                           w.studio_context())],
    ),
    "Read the model registry": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": C},
        [*_sm("DescribeModelPackageGroup", "model-package-group/churn-models"),
         *_sm("DescribeModelPackage", "model-package/churn-models/1")],
    ),
    "Register model versions": (
        {"data_scientist": N, "ml_engineer": Y, "business_analyst": C},
        [*_sm("CreateModelPackage", "model-package/churn-models/2")],
    ),
    "Pipelines and their executions": (
        {"data_scientist": N, "ml_engineer": Y, "business_analyst": C},
        [*_sm("StartPipelineExecution", "pipeline/train"),
         *_sm("DescribePipelineExecution", "pipeline/train/execution/abc123")],
    ),
    "Deploy models to endpoints": (
        {"data_scientist": N, "ml_engineer": Y, "business_analyst": C},
        [*_sm("CreateModel", "model/churn-2"),
         *_sm("CreateEndpoint", "endpoint/churn", "endpoint-config/churn-2"),
         *_sm("UpdateEndpoint", "endpoint/churn", "endpoint-config/churn-3")],
    ),
    "Model cards": (
        {"data_scientist": N, "ml_engineer": Y, "business_analyst": C},
        [*_sm("CreateModelCard", "model-card/churn")],
    ),
    "Browse and use the organisation's hub": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [lambda w: Request("sagemaker:ListHubs", "*", w.studio_context()),
         _hub("DescribeHub", "hub"),
         _hub("ListHubContents", "hub"),
         _hub("DescribeHubContent", "Model/churn-xgboost/1.4.0"),
         _hub("ListHubContentVersions", "Notebook/getting-started/1.0.0"),
         _hub("DescribeHubContent", "ModelReference/mistral/1.0.0"),
         _public("DescribeHubContent", "hub-content/SageMakerPublicHub/Model/{ref}/3.0.0")],
    ),
    "Curate the hub": (
        {"data_scientist": N, "ml_engineer": Y, "business_analyst": N},
        [_hub("ImportHubContent", "hub"),
         _hub("ImportHubContent", "Model/new-model/1.0.0"),
         _hub("CreateHubContentReference", "hub"),
         _hub("CreateHubContentReference", "ModelReference/new-reference/1.0.0"),
         _hub("DeleteHubContent", "Model/churn-xgboost/1.4.0"),
         _hub("DeleteHubContentReference", "ModelReference/mistral/1.0.0")],
    ),
    "Browse the public JumpStart hub when a hub hides it": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [_public("DescribeHub", "hub/SageMakerPublicHub"),
         _public("ListHubContents", "hub/SageMakerPublicHub"),
         _public("DescribeHubContent", "hub-content/SageMakerPublicHub/Model/meta-textgeneration-llama-3-8b/2.0.0"),
         _public("ListHubContentVersions", "hub-content/SageMakerPublicHub/Model/meta-textgeneration-llama-3-8b/*")],
    ),
    "Log MLflow experiments, runs and models to the tracking server": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": N},
        [_mlflow("sagemaker-mlflow:CreateExperiment"),
         _mlflow("sagemaker-mlflow:CreateRun"),
         _mlflow("sagemaker-mlflow:LogBatch"),
         _mlflow("sagemaker-mlflow:LogModel"),
         _mlflow("sagemaker-mlflow:CreateRegisteredModel"),
         _mlflow("sagemaker-mlflow:CreateModelVersion"),
         _mlflow_artifact("s3:PutObject")],
    ),
    "Read MLflow experiments, runs and registered models": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [_mlflow("sagemaker-mlflow:GetExperimentByName"),
         _mlflow("sagemaker-mlflow:SearchRuns"),
         _mlflow("sagemaker-mlflow:GetRun"),
         _mlflow("sagemaker-mlflow:GetMetricHistory"),
         _mlflow("sagemaker-mlflow:SearchModelVersions"),
         _mlflow_artifact("s3:GetObject")],
    ),
    "Open the MLflow UI (presigned URL)": (
        {"data_scientist": Y, "ml_engineer": Y, "business_analyst": Y},
        [_mlflow("sagemaker:CreatePresignedMlflowTrackingServerUrl"),
         _mlflow("sagemaker:DescribeMlflowTrackingServer"),
         lambda w: Request("sagemaker-mlflow:AccessUI", "*", w.studio_context())],
    ),
    "Another user's private spaces and their apps": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _space(w, "Delete", f"{w.other}-lab", w.other, "Private"),
         lambda w: _space(w, "Update", f"{w.other}-lab", w.other, "Private"),
         lambda w: _space(w, "Create", f"{w.other}-lab2", w.other, "Private"),
         lambda w: _app(w, "Create", f"{w.other}-lab", "jupyterlab", w.other, "Private"),
         lambda w: _app(w, "Delete", f"{w.other}-lab", "jupyterlab", w.other, "Private")],
    ),
    "Apps on another user's profile": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _app(w, "Create", w.other, "canvas", None, None),
         lambda w: _app(w, "Delete", w.other, "jupyterserver", None, None)],
    ),
    "Change or delete the platform's shared spaces": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _space(w, "Delete", w.admin_space, None, "Shared"),
         lambda w: _space(w, "Update", w.admin_space, None, "Shared"),
         lambda w: _space(w, "Delete", f"{w.other}-team", w.other, "Shared")],
    ),
    "Spaces and apps of another domain": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _space(w, "Create", "x", w.me, "Private", domain="d-otherdomain1"),
         lambda w: _app(w, "Create", "x", "jupyterlab", w.me, "Private", domain="d-otherdomain1"),
         lambda w: _app(w, "Create", w.me, "canvas", None, None, domain="d-otherdomain1")],
    ),
    "Sign-in URLs (CreatePresignedDomainUrl), for any profile": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: Request("sagemaker:CreatePresignedDomainUrl", w.profile(w.other), w.studio_context()),
         lambda w: Request("sagemaker:CreatePresignedDomainUrl", w.profile(w.me), w.studio_context())],
    ),
    "Pass another persona's role": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _pass(w, "__other__"),
         lambda w: Request("iam:PassRole", f"arn:{w.partition}:iam::{w.account_id}:role/AmazonSageMaker-any",
                           w.studio_context(**{"iam:PassedToService": "sagemaker.amazonaws.com"}))],
    ),
    "Delete object versions (defeats bucket versioning)": (
        {"data_scientist": N, "ml_engineer": N, "business_analyst": N},
        [lambda w: _s3(w, "s3:DeleteObjectVersion", w.bucket, "projects/a.csv"),
         lambda w: _s3(w, "s3:PutBucketVersioning", w.bucket)],
    ),
}




def _needs_hub(cfg: PlatformConfig, persona: str) -> str | None:
    del persona
    return None if cfg.hubs else "the config has no hub (hubs:)"


def _needs_curator_choice(cfg: PlatformConfig, persona: str) -> str | None:
    """The matrix shows the example's choice (ml_engineer curates); a config that curates otherwise is skipped."""
    if not cfg.hubs:
        return "the config has no hub (hubs:)"
    curates = persona in cfg.hubs[0].curator_personas
    if curates != (MATRIX["Curate the hub"][0][persona] == Y):
        return f"hubs[0].curators {'names' if curates else 'does not name'} {persona} in this config"
    return None


def _needs_hidden_public_hub(cfg: PlatformConfig, persona: str) -> str | None:
    del persona
    return None if any(h.hide_public_hub for h in cfg.hubs) else "no hub sets hide_public_hub"


def _needs_mlflow_choice(capability: str, wanted: Callable[[PlatformConfig, str], bool]) -> Callable[
    [PlatformConfig, str], str | None
]:
    """The matrix shows enterprise.yaml's choice (the analyst reads, the others log, all open the UI); a config
    without a server, or that chooses otherwise for the persona, is skipped."""
    def needs(cfg: PlatformConfig, persona: str) -> str | None:
        if not cfg.mlflow.enabled:
            return "the config has no MLflow tracking server (mlflow.enabled)"
        if wanted(cfg, persona) != (MATRIX[capability][0][persona] == Y):
            return f"mlflow: in this config {persona} is {cfg.mlflow.access(persona) or 'given no access'}"
        return None
    return needs


# Capabilities that depend on a config section: a reason to skip (never to pass) when the config lacks it.
NEEDS: dict[str, Callable[[PlatformConfig, str], str | None]] = {
    "Log MLflow experiments, runs and models to the tracking server": _needs_mlflow_choice(
        "Log MLflow experiments, runs and models to the tracking server",
        lambda cfg, persona: cfg.mlflow.access(persona) == "log",
    ),
    "Read MLflow experiments, runs and registered models": _needs_mlflow_choice(
        "Read MLflow experiments, runs and registered models",
        lambda cfg, persona: cfg.mlflow.access(persona) is not None,
    ),
    "Open the MLflow UI (presigned URL)": _needs_mlflow_choice(
        "Open the MLflow UI (presigned URL)",
        lambda cfg, persona: cfg.mlflow.access(persona) is not None and persona in cfg.mlflow.presigned_url_personas,
    ),
    "Browse and use the organisation's hub": _needs_hub,
    "Curate the hub": _needs_curator_choice,
    "Browse the public JumpStart hub when a hub hides it": _needs_hidden_public_hub,
}


# ----------------------------------------------------------------------------------------------- the world
class Platform:
    def __init__(self, built: Synthesized) -> None:
        cfg = built.config
        self.config = cfg
        self.account = Account.from_assembly(
            built.assembly, account=cfg.platform.account or "111122223333", region=cfg.platform.region or "eu-west-1"
        )
        prefix = cfg.platform.prefix
        self.studio = f"{prefix}-studio"
        ((_, domain),) = self.account.find_resources("AWS::SageMaker::Domain")
        self.domain_id = self.account.attr(self.studio, domain, "DomainId")
        self.roles: dict[str, str] = {}
        for persona in PERSONAS:
            found = [r for r in self.account.find_roles(f"/Role-{persona}/") if r[0] == self.studio]
            if found:
                ((_, logical_id),) = found
                self.roles[persona] = logical_id
        ((_, self.key),) = [r for r in self.account.find_resources("AWS::KMS::Key", f"{self.studio}/Key/")]
        ((_, self.bucket),) = [
            r for r in self.account.find_resources("AWS::S3::Bucket", f"{self.studio}/StudioBucket/")
        ]
        self.users = {persona: [u.name for u in cfg.users if u.persona == persona] for persona in PERSONAS}
        self.admin_space = cfg.spaces[0].name
        hubs = self.account.find_resources("AWS::SageMaker::Hub")
        self.hub = self.account.resource(*hubs[0])["Properties"]["HubName"] if hubs else None
        self.referenced_model = next(
            (c.model_id for h in cfg.hubs for c in h.content if c.model_id is not None), None
        )
        servers = self.account.find_resources("AWS::SageMaker::MlflowTrackingServer")
        self.mlflow = self.account.resource(*servers[0])["Properties"]["TrackingServerName"] if servers else None
        artifacts = self.account.find_resources("AWS::S3::Bucket", f"{self.studio}/Mlflow/Artifacts/")
        self.mlflow_bucket = self.account.attr(*artifacts[0], "Ref") if artifacts else None

    def world(self, persona: str) -> World:
        me = self.users[persona][0]
        other = next(u.name for u in self.config.users if u.name != me)
        role_arns = {p: self.account.attr(self.studio, lid, "Arn") for p, lid in self.roles.items()}
        role_arns["__me__"] = role_arns[persona]
        role_arns["__other__"] = next(arn for p, arn in role_arns.items() if p not in (persona, "__me__"))
        return World(
            account=self.account, studio=self.studio, domain_id=self.domain_id, partition=self.account.partition,
            region=self.account.region, account_id=self.account.account, me=me, other=other,
            admin_space=self.admin_space, role_arns=role_arns,
            key_arn=self.account.attr(self.studio, self.key, "Arn"), key_logical_id=self.key,
            bucket=self.account.attr(self.studio, self.bucket, "Ref"), bucket_logical_id=self.bucket,
            hub=self.hub, referenced_model=self.referenced_model, mlflow=self.mlflow, mlflow_bucket=self.mlflow_bucket,
        )

    def policies(self, persona: str, *, managed_allow_all: bool) -> list[dict[str, Any]]:
        logical_id = self.roles[persona]
        documents = self.account.identity_policies(self.studio, logical_id)
        if managed_allow_all and self.account.managed_policy_arns(self.studio, logical_id):
            documents = [*documents, ALLOW_ALL]
        return documents

    def decide(self, persona: str, world: World, request: Request, *, managed_allow_all: bool) -> Decision:
        identity = self.policies(persona, managed_allow_all=managed_allow_all)
        role_arn = world.role_arns[persona]
        if request.action.startswith("kms:"):
            policy = self.account.resource_policy(self.studio, world.key_logical_id)
            return evaluate_with_resource_policy(identity, policy, request, role_arn)
        if request.action.startswith("s3:") and request.resource.startswith(f"arn:aws:s3:::{world.bucket}"):
            policy = self.account.resource_policy(self.studio, world.bucket_logical_id)
            return evaluate_with_resource_policy(identity, policy, request, role_arn)
        return evaluate(identity, request)


_platforms: dict[Path, Platform] = {}


def platform_of(path: Path) -> Platform:
    if path not in _platforms:
        _platforms[path] = Platform(synthesized(path))
    return _platforms[path]


CASES = [
    pytest.param(path, persona, capability, id=f"{path.stem}-{persona}-{i}")
    for path in CONFIGS
    for i, capability in enumerate(MATRIX)
    for persona in PERSONAS
    if MATRIX[capability][0][persona] != C
]


@pytest.mark.parametrize(("path", "persona", "capability"), CASES)
def test_persona_matrix(path: Path, persona: str, capability: str) -> None:
    platform = platform_of(path)
    if persona not in platform.roles or not platform.users.get(persona):
        pytest.skip(f"{path.name} has no {persona} user")
    needs = NEEDS.get(capability)
    reason = needs(platform.config, persona) if needs else None
    if reason:
        pytest.skip(reason)
    cells, steps = MATRIX[capability]
    expected = cells[persona]
    world = platform.world(persona)
    for step in steps:
        request = step(world)
        if expected == Y:
            decision = platform.decide(persona, world, request, managed_allow_all=False)
            assert decision is Decision.ALLOW, (
                f"{persona} should be allowed {request.action} on {request.resource}: {decision.name}\n"
                f"matching: {matching_statements(platform.policies(persona, managed_allow_all=False), request)}"
            )
        else:
            decision = platform.decide(persona, world, request, managed_allow_all=True)
            assert decision is not Decision.ALLOW, (
                f"{persona} must not be allowed {request.action} on {request.resource} "
                f"(context {dict(request.context)})"
            )
            # Defence in depth: the role's own Allow statements do not grant it either (denies removed).
            allows = [
                {**document, "Statement": [s for s in document["Statement"] if s["Effect"] == "Allow"]}
                for document in platform.policies(persona, managed_allow_all=False)
            ]
            assert evaluate(allows, request) is not Decision.ALLOW, (
                f"{persona}'s Allow statements grant {request.action} on {request.resource}: "
                f"{matching_statements(allows, request)}"
            )


def test_canvas_forecast_role_may_use_the_key_for_its_grants() -> None:
    """Canvas time-series forecasting runs as the analyst role assumed by Forecast (full.yaml turns it on)."""
    platform = platform_of(CONFIGS[1])
    assert platform.config.domain.canvas.time_series_forecasting
    world = platform.world("business_analyst")
    for action, context in (("kms:CreateGrant", {"kms:GrantIsForAWSResource": "true"}), ("kms:RetireGrant", {})):
        request = Request(action, world.key_arn, context)
        assert platform.decide("business_analyst", world, request, managed_allow_all=False) is Decision.ALLOW
    trust = platform.account.trust_policy(platform.studio, platform.roles["business_analyst"])
    services = trust["Statement"][0]["Principal"]["Service"]
    assert "forecast.amazonaws.com" in services
    passed = Request("iam:PassRole", world.role_arns["business_analyst"],
                     {"iam:PassedToService": "forecast.amazonaws.com"})
    assert platform.decide("business_analyst", world, passed, managed_allow_all=False) is Decision.ALLOW


def test_execution_roles_have_no_studio_statement_for_any_domain() -> None:
    """Studio statements name their own domain: no ``domain/*``-style resource in any persona policy."""
    for path in CONFIGS:
        platform = platform_of(path)
        for persona, logical_id in platform.roles.items():
            for document in platform.account.identity_policies(platform.studio, logical_id):
                for statement in document["Statement"]:
                    if statement["Effect"] != "Allow":
                        continue
                    resources = statement.get("Resource", [])
                    for resource in resources if isinstance(resources, list) else [resources]:
                        assert not re.search(r":(user-profile|space|app|domain)/\*", resource), (persona, resource)


# ----------------------------------------------------------------------------------------------- README
def _readme_matrix() -> dict[str, dict[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Persona matrix", 1)[1].split("\n#", 1)[0]
    rows: dict[str, dict[str, str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("capability", "") or set(cells[0]) <= {"-"}:
            continue
        rows[cells[0]] = dict(zip(PERSONAS, cells[1:], strict=True))
    return rows


def test_readme_persona_matrix_matches_the_tests() -> None:
    expected = {capability: cells for capability, (cells, _) in MATRIX.items()}
    assert _readme_matrix() == expected
