from __future__ import annotations

import projects
import pytest
from botocore.exceptions import ClientError
from provider_harness import Provider

ROLE_A = "arn:aws:iam::123456789012:role/team-a"
ROLE_B = "arn:aws:iam::123456789012:role/team-b"
ROLE_C = "arn:aws:iam::123456789012:role/team-c"


def principals(aws, portfolio="port-sagemaker01"):
    return aws.catalog.portfolios[portfolio].principals


def test_create_enables_waits_and_associates(aws, context):
    p = Provider(projects, aws.clock, context)
    response = p.create({"PrincipalArns": [ROLE_A, ROLE_B]})
    assert aws.sagemaker.calls["EnableSagemakerServicecatalogPortfolio"] == 1
    assert p.polls > 1  # waited for "Enabled"
    assert response["Data"]["PortfolioId"] == "port-sagemaker01"
    assert principals(aws) == {ROLE_A, ROLE_B}
    assert principals(aws, "port-otherabc123") == set()
    assert {r["PrincipalType"] for r in aws.catalog.params_of("AssociatePrincipalWithPortfolio")} == {"IAM"}


def test_update_associates_new_and_disassociates_removed(aws, context):
    p = Provider(projects, aws.clock, context)
    p.create({"PrincipalArns": [ROLE_A, ROLE_B]})
    p.update({"PrincipalArns": [ROLE_B, ROLE_C]}, {"PrincipalArns": [ROLE_A, ROLE_B]})
    assert principals(aws) == {ROLE_B, ROLE_C}


def test_delete_disassociates_and_leaves_enablement_on(aws, context):
    p = Provider(projects, aws.clock, context)
    p.create({"PrincipalArns": [ROLE_A]})
    principals(aws).add(ROLE_C)  # someone else's
    p.delete({"PrincipalArns": [ROLE_A]})
    assert principals(aws) == {ROLE_C}
    assert aws.sagemaker.portfolio_status == "Enabled"
    assert aws.sagemaker.calls["DisableSagemakerServicecatalogPortfolio"] == 0
    p.delete({"PrincipalArns": [ROLE_A]})  # delivered twice
    assert principals(aws) == {ROLE_C}


def test_delete_when_never_enabled(aws, context):
    Provider(projects, aws.clock, context).delete({"PrincipalArns": [ROLE_A]}, physical_id="x")
    assert aws.catalog.calls["DisassociatePrincipalFromPortfolio"] == 0


def test_portfolio_shares_are_paginated(aws, context):
    aws.catalog.page_size = 1
    Provider(projects, aws.clock, context).create({"PrincipalArns": [ROLE_A]})
    assert any(r.get("PageToken") for r in aws.catalog.params_of("ListAcceptedPortfolioShares"))
    assert principals(aws) == {ROLE_A}


def test_throttled_enablement_is_requested_again_by_the_polls(aws, context):
    aws.sagemaker.inject_throttles("EnableSagemakerServicecatalogPortfolio", 2)
    aws.sagemaker.inject_transient("GetSagemakerServicecatalogPortfolioStatus", "internal-failure")
    aws.catalog.inject_throttles("ListAcceptedPortfolioShares", 1)
    aws.catalog.inject_throttles("AssociatePrincipalWithPortfolio", 1)
    response = Provider(projects, aws.clock, context).create({"PrincipalArns": [ROLE_A, ROLE_B]})
    assert aws.sagemaker.calls["EnableSagemakerServicecatalogPortfolio"] >= 3
    assert aws.sagemaker.portfolio_status == "Enabled"
    assert response["Data"]["PortfolioId"] == "port-sagemaker01"
    assert principals(aws) == {ROLE_A, ROLE_B}


def test_enablement_denied_fails_with_the_service_message(aws, context):
    aws.sagemaker.inject_error(
        "EnableSagemakerServicecatalogPortfolio", "AccessDeniedException", message="not authorized", status=403
    )
    with pytest.raises(ClientError, match="not authorized"):
        Provider(projects, aws.clock, context).create({"PrincipalArns": [ROLE_A]})
