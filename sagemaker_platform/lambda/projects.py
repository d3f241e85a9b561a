"""SageMaker Projects: enable the SageMaker Service Catalog portfolio and give our roles access to it.

Properties (strings, as CloudFormation sends them):
  PrincipalArns   IAM role ARNs to associate with the Amazon SageMaker portfolio

Create/Update: EnableSagemakerServicecatalogPortfolio (account-level, idempotent), then is_complete waits for
the status "Enabled", finds the portfolio shared by "Amazon SageMaker" and associates every principal
(Update also disassociates the removed ones). Delete disassociates our principals and leaves the
account-level enablement on: other stacks or users may rely on it. A transient failure of the enablement call
in on_event is left to is_complete, which requests it again (it is idempotent) until the Provider's deadline.
"""

from __future__ import annotations

from typing import Any

import _common

PROVIDER_NAME = "Amazon SageMaker"


@_common.entry("projects.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("projects.on_event", event)
    props = _common.resource_properties(event)
    principals = _common.as_list(props.get("PrincipalArns"), "PrincipalArns")
    _validate(principals)
    physical_id = str(event.get("PhysicalResourceId") or "sagemaker-projects-portfolio")

    if event["RequestType"] == "Delete":
        sagemaker = _common.client("sagemaker")
        status = sagemaker.get_sagemaker_servicecatalog_portfolio_status().get("Status")
        portfolio_id = _find_portfolio() if status == "Enabled" else None
        if portfolio_id:
            _disassociate(portfolio_id, principals)
        else:
            _common.info("portfolio not enabled or not found; nothing to disassociate", status=status)
        return {"PhysicalResourceId": physical_id, "Data": {"PortfolioId": portfolio_id or ""}}

    started = {_common.STARTED_AT: _common.started_at()}
    if not _enable():
        return {"PhysicalResourceId": physical_id, "Data": {**started, "EnableRequested": "false"}}
    return {"PhysicalResourceId": physical_id, "Data": {**started, "EnableRequested": "true"}}


@_common.poll("projects.is_complete")
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("projects.is_complete", event)
    if event["RequestType"] == "Delete":
        return {"IsComplete": True}
    props = _common.resource_properties(event)
    principals = _common.as_list(props.get("PrincipalArns"), "PrincipalArns")

    status = _common.client("sagemaker").get_sagemaker_servicecatalog_portfolio_status().get("Status")
    if status != "Enabled":
        requested = _common.as_bool((event.get("Data") or {}).get("EnableRequested"), "EnableRequested", True)
        if not requested:
            # on_event's request did not go through; polls repeat it (a transient failure defers it again).
            _enable()
        _common.info("waiting for the portfolio", status=status)
        return {"IsComplete": False, _common.WAITING: f"the SageMaker portfolio to be Enabled (it is {status})"}
    portfolio_id = _find_portfolio()
    if portfolio_id is None:
        _common.info("portfolio enabled but its share is not visible yet")
        return {"IsComplete": False, _common.WAITING: "the Amazon SageMaker portfolio share to be visible"}

    catalog = _common.client("servicecatalog")
    for arn in principals:
        catalog.associate_principal_with_portfolio(PortfolioId=portfolio_id, PrincipalARN=arn, PrincipalType="IAM")
        _common.info("principal associated", portfolio_id=portfolio_id, principal=arn)
    if event["RequestType"] == "Update":
        old = _common.as_list(_common.old_resource_properties(event).get("PrincipalArns"), "PrincipalArns")
        _disassociate(portfolio_id, [arn for arn in old if arn not in principals])
    return {"IsComplete": True, "Data": {"PortfolioId": portfolio_id}}


# ----------------------------------------------------------------------------------------------------------
def _enable() -> bool:
    """Request the account-level enablement; False when a transient error deferred it."""
    try:
        _common.client("sagemaker").enable_sagemaker_servicecatalog_portfolio()
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        _common.warning("portfolio enablement deferred", **_common.error_fields(exc))
        return False
    _common.info("portfolio enablement requested")
    return True


def _validate(principals: list[str]) -> None:
    for arn in principals:
        if not arn.startswith("arn:") or ":iam::" not in arn:
            raise ValueError(f"PrincipalArns must hold IAM ARNs, got {arn!r}")


def _find_portfolio() -> str | None:
    catalog = _common.client("servicecatalog")
    shares = _common.paginate(
        catalog.list_accepted_portfolio_shares,
        "PortfolioDetails",
        "PageToken",
        "NextPageToken",
        PortfolioShareType="AWS_SERVICECATALOG",
    )
    for portfolio in shares:
        if portfolio.get("ProviderName") == PROVIDER_NAME:
            return str(portfolio["Id"])
    return None


def _disassociate(portfolio_id: str, principals: list[str]) -> None:
    catalog = _common.client("servicecatalog")
    for arn in principals:
        try:
            catalog.disassociate_principal_from_portfolio(
                PortfolioId=portfolio_id, PrincipalARN=arn, PrincipalType="IAM"
            )
        except Exception as exc:
            if _common.error_code(exc) == "ResourceNotFoundException":
                _common.info("principal was not associated", portfolio_id=portfolio_id, principal=arn)
                continue
            raise
        _common.info("principal disassociated", portfolio_id=portfolio_id, principal=arn)
