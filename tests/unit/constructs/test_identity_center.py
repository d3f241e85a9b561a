"""IdentityCenterAssignment: groups and users on an SSO domain's IAM Identity Center application."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_platform.constructs.identity_center import IdentityCenterAssignment
from tests.unit.constructs.studio import build_domain

GROUP = "90677d52-1f31-7087-5e4a-8e2fd6d9b2a1"
USER = "9067a1b2c3-90677d52-1f31-7087-5e4a-8e2fd6d9b2a3"  # prefixed with the identity store id
APP = "arn:aws:sso::111111111111:application/ssoins-1234567890abcdef/apl-1234567890abcdef"


def test_group_and_user_assigned_on_the_domains_application(stack: cdk.Stack) -> None:
    domain = build_domain(stack, auth_mode="SSO")
    IdentityCenterAssignment(stack, "Group", domain=domain, principal_id=GROUP)
    IdentityCenterAssignment(stack, "User", domain=domain, principal_id=USER, principal_type="USER")
    t = Template.from_stack(stack)
    domain_id = stack.get_logical_id(domain.resource)
    app = {"Fn::GetAtt": [domain_id, "SingleSignOnApplicationArn"]}
    t.has_resource_properties("AWS::SSO::ApplicationAssignment",
                              {"ApplicationArn": app, "PrincipalId": GROUP, "PrincipalType": "GROUP"})
    t.has_resource_properties("AWS::SSO::ApplicationAssignment",
                              {"ApplicationArn": app, "PrincipalId": USER, "PrincipalType": "USER"})


def test_domain_built_elsewhere_by_application_arn(stack: cdk.Stack) -> None:
    IdentityCenterAssignment(stack, "Group", application_arn=APP, principal_id=GROUP)
    Template.from_stack(stack).has_resource_properties("AWS::SSO::ApplicationAssignment", {"ApplicationArn": APP})


def test_an_iam_domain_is_refused(stack: cdk.Stack) -> None:
    domain = build_domain(stack)  # auth_mode IAM
    with pytest.raises(ValueError, match=r"^IdentityCenterAssignment domain: .*auth_mode SSO \(got 'IAM'\)$"):
        IdentityCenterAssignment(stack, "Group", domain=domain, principal_id=GROUP)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal_id": "data-scientists"},
         r"principal_id: not an identity store group id \(got 'data-scientists'\)"),
        ({"principal_id": GROUP, "principal_type": "ROLE"}, r"principal_type: must be GROUP or USER \(got 'ROLE'\)"),
        ({"principal_id": GROUP, "application_arn": "arn:aws:sso:::application/x"},
         r"application_arn: not an IAM Identity Center application ARN"),
        ({"principal_id": GROUP, "application_arn": None}, r"domain: give domain or application_arn, exactly one "
         r"\(got neither\)"),
    ],
)
def test_bad_props_name_the_field(stack: cdk.Stack, kwargs: dict, message: str) -> None:
    kwargs = {"application_arn": APP, **kwargs}
    with pytest.raises(ValueError, match=message):
        IdentityCenterAssignment(stack, "Bad", **kwargs)
