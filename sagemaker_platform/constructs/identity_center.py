"""IAM Identity Center access to an SSO domain: an ``AWS::SSO::ApplicationAssignment`` of a group or a user on the
application SageMaker creates for the domain (the domain's ``SingleSignOnApplicationArn``).

What the assignment does and does not do: it lets the group's members (or the user) open the domain from the AWS
access portal. SageMaker has no execution role per group: a member who opens Studio without a user profile gets
one created by SageMaker with the domain's default settings, so their apps run as the domain's default execution
role. A profile created by the platform for the user (``UserProfile`` with ``sso_user_name``) gives them their
persona's role instead. CloudFormation creates such a profile only once the user is assigned (directly or through
a group), so profiles should wait for the assignments.

All three properties of an assignment are create-only and together its identity: a new principal is a new
assignment (created first, the old one deleted after), with no name that could collide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_sso as sso
from constructs import Construct

from sagemaker_platform.rules.identity_center import APPLICATION_ARN, PRINCIPAL_ID, PRINCIPAL_TYPES

if TYPE_CHECKING:
    from sagemaker_platform.constructs.domain import StudioDomain

__all__ = ["PRINCIPAL_TYPES", "IdentityCenterAssignment"]



class IdentityCenterAssignment(cdk.Resource):
    """Lets an IAM Identity Center group or user into a domain that uses IAM Identity Center (``auth_mode`` SSO).
    Attributes: ``principal_id``, ``principal_type``, ``application_arn``; the L1 is ``node.default_child``
    (also ``resource``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        principal_id: str,
        principal_type: str = "GROUP",
        domain: StudioDomain | None = None,
        application_arn: str | None = None,
    ) -> None:
        """
        :param principal_id: the group's or user's id in the identity store (a UUID, optionally prefixed with the
            store's ten hex digits and a dash).
        :param principal_type: ``GROUP`` (default) or ``USER``.
        :param domain: the SSO domain built in this app (its application ARN is used).
        :param application_arn: the domain's ``SingleSignOnApplicationArn``, for a domain built elsewhere
            (give ``domain`` or this, not both).
        """
        owner = "IdentityCenterAssignment"
        if (domain is None) == (application_arn is None):
            raise ValueError(f"{owner} domain: give domain or application_arn, exactly one (got "
                             f"{'both' if domain is not None else 'neither'})")
        if domain is not None:
            from sagemaker_platform.constructs.domain import StudioDomain  # domain.py may import this module

            if not isinstance(domain, StudioDomain):
                raise TypeError(f"{owner} domain: expected StudioDomain (got {type(domain).__name__})")
            if domain.auth_mode != "SSO":
                raise ValueError(f"{owner} domain: the domain must use auth_mode SSO (got {domain.auth_mode!r})")
            application_arn = domain.single_sign_on_application_arn
        assert application_arn is not None
        if not cdk.Token.is_unresolved(application_arn) and not APPLICATION_ARN.match(application_arn):
            raise ValueError(f"{owner} application_arn: not an IAM Identity Center application ARN "
                             f"(got {application_arn!r})")
        if principal_type not in PRINCIPAL_TYPES:
            raise ValueError(f"{owner} principal_type: must be GROUP or USER (got {principal_type!r})")
        if not cdk.Token.is_unresolved(principal_id) and not PRINCIPAL_ID.match(principal_id):
            raise ValueError(f"{owner} principal_id: not an identity store {principal_type.lower()} id "
                             f"(got {principal_id!r})")
        super().__init__(scope, construct_id)
        self.resource = sso.CfnApplicationAssignment(
            self,
            "Resource",
            application_arn=application_arn,
            principal_id=principal_id,
            principal_type=principal_type,
        )
        self.principal_id = principal_id
        self.principal_type = principal_type
        self.application_arn = application_arn
