"""Domain leftovers: delete the domain and what SageMaker leaves in our VPC, so the VPC can be deleted.

Properties (strings, as CloudFormation sends them):
  DomainId              the Studio domain
  VpcId                 the domain's VPC
  HomeEfs               "retain" (default) or "delete": the domain's RetentionPolicy for the home EFS
  HomeEfsFileSystemId   the home EFS id (CfnDomain's HomeEfsFileSystemId attribute)

The resource depends on the domain (and on every profile, space and teardown resource of the domain), so
CloudFormation deletes it before the domain. On Delete it:
  1. checks that no user profiles or spaces are left (fails naming them otherwise);
  2. calls DeleteDomain with the retention policy and waits until the domain is gone;
  3. when the home EFS is retained, deletes its mount targets (the data stays in the file system);
  4. deletes the NFS security groups SageMaker created for this domain in VpcId, found by the
     ManagedByAmazonSageMakerResource tag AND a name ending in the domain id (never any other group),
     after revoking all their rules (the inbound and outbound groups reference each other).
CloudFormation's own delete of the domain then finds it gone, which it treats as success.

Every poll redoes whatever is still needed, so throttling and other transient errors (in on_event's first
attempt or in any call of a poll) are left to the next poll, until the Provider's deadline.
"""

from __future__ import annotations

from typing import Any

import _common

SAGEMAKER_TAG = "ManagedByAmazonSageMakerResource"
MOUNT_TARGET_GONE = frozenset({"deleted"})


@_common.entry("domain_leftovers.on_event")
def on_event(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("domain_leftovers.on_event", event)
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    _common.require(props, "VpcId")
    home_efs = _home_efs_policy(props)
    physical_id = _physical_id(event, domain_id)
    data: dict[str, Any] = {"DomainId": domain_id}

    if event["RequestType"] != "Delete":
        return {"PhysicalResourceId": physical_id, "Data": data}

    data[_common.STARTED_AT] = _common.started_at()
    data["DomainArn"] = _domain_arn_from_context(context, domain_id)
    sagemaker = _common.client("sagemaker")
    try:
        domain = _describe_domain(sagemaker, domain_id)
        if domain is None:
            _common.info("domain already gone", domain_id=domain_id)
            return {"PhysicalResourceId": physical_id, "Data": data}
        data["DomainArn"] = domain["DomainArn"]
        _delete_domain_if_empty(sagemaker, domain_id, domain, home_efs)
    except Exception as exc:
        if not _common.is_transient(exc):
            raise
        # is_complete issues DeleteDomain itself when the domain is not Deleting yet.
        _common.warning("domain deletion deferred to the first poll", domain_id=domain_id, **_common.error_fields(exc))
    return {"PhysicalResourceId": physical_id, "Data": data}


@_common.poll("domain_leftovers.is_complete")
def is_complete(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _common.log_event("domain_leftovers.is_complete", event)
    if event["RequestType"] != "Delete":
        return {"IsComplete": True}
    props = _common.resource_properties(event)
    domain_id = _common.require(props, "DomainId")
    vpc_id = _common.require(props, "VpcId")
    home_efs = _home_efs_policy(props)
    efs_id = _common.optional_str(props, "HomeEfsFileSystemId")
    domain_arn = (event.get("Data") or {}).get("DomainArn") or _domain_arn_from_context(context, domain_id)

    sagemaker = _common.client("sagemaker")
    domain = _describe_domain(sagemaker, domain_id)
    if domain is not None:
        status = domain.get("Status")
        if status in {"Delete_Failed", "Failed"}:
            raise RuntimeError(f"Domain {domain_id} is {status}: {domain.get('FailureReason') or 'no reason given'}")
        if status != "Deleting":
            # DeleteDomain was deferred (profiles or spaces were still being deleted) or did not take.
            _delete_domain_if_empty(sagemaker, domain_id, domain, home_efs)
        _common.info("waiting for domain deletion", domain_id=domain_id, status=status)
        return {"IsComplete": False, _common.WAITING: f"domain {domain_id} to be deleted (it is {status})"}

    if home_efs == "Retain" and efs_id and not _mount_targets_gone(efs_id, context):
        return {"IsComplete": False, _common.WAITING: f"the mount targets of {efs_id} to be deleted"}

    if not _security_groups_gone(vpc_id, domain_id, domain_arn, context):
        return {
            "IsComplete": False,
            _common.WAITING: f"the NFS security groups of domain {domain_id} in {vpc_id} to be deleted",
        }
    _common.info("domain leftovers removed", domain_id=domain_id, vpc_id=vpc_id)
    return {"IsComplete": True}


# ----------------------------------------------------------------------------------------------------------
def _physical_id(event: dict[str, Any], domain_id: str) -> str:
    existing = event.get("PhysicalResourceId")
    if event["RequestType"] == "Delete" and existing:
        return str(existing)
    old_domain = _common.old_resource_properties(event).get("DomainId")
    if event["RequestType"] == "Update" and existing and old_domain in (None, domain_id):
        return str(existing)
    # A new domain id (domain replaced) gives a new id: CloudFormation cleans up the old domain with a Delete.
    return f"domain-leftovers:{domain_id}"


def _home_efs_policy(props: dict[str, Any]) -> str:
    value = (_common.optional_str(props, "HomeEfs") or "retain").lower()
    if value not in {"retain", "delete"}:
        raise ValueError(f"Property HomeEfs must be 'retain' or 'delete', got {value!r}")
    return "Delete" if value == "delete" else "Retain"


def _domain_arn_from_context(context: Any, domain_id: str) -> str:
    partition, region, account = _common.function_arn_parts(context)
    return f"arn:{partition}:sagemaker:{region}:{account}:domain/{domain_id}"


def _describe_domain(sagemaker: Any, domain_id: str) -> dict[str, Any] | None:
    try:
        return dict(sagemaker.describe_domain(DomainId=domain_id))
    except Exception as exc:
        if _common.is_not_found(exc):
            return None
        raise


def _delete_domain_if_empty(sagemaker: Any, domain_id: str, domain: dict[str, Any], home_efs: str) -> None:
    if domain.get("Status") == "Deleting":
        return
    profiles = _common.list_user_profiles(sagemaker, domain_id)
    spaces = _common.list_spaces(sagemaker, domain_id)
    blocking_profiles = sorted(p["UserProfileName"] for p in profiles if p.get("Status") != "Deleting")
    blocking_spaces = sorted(s["SpaceName"] for s in spaces if s.get("Status") != "Deleting")
    if blocking_profiles or blocking_spaces:
        parts = [f"Domain {domain_id} still has"]
        if blocking_profiles:
            parts.append(f"user profiles: {_common.summarize(blocking_profiles)};")
        if blocking_spaces:
            parts.append(f"spaces: {_common.summarize(blocking_spaces)};")
        parts.append(
            "these were not created by this stack (or the teardown resource is missing). Delete them "
            "(and their "
            "apps) by hand, then retry the stack deletion."
        )
        raise RuntimeError(" ".join(parts))
    if profiles or spaces:
        _common.info("profiles or spaces still deleting; DeleteDomain deferred", domain_id=domain_id)
        return
    try:
        sagemaker.delete_domain(DomainId=domain_id, RetentionPolicy={"HomeEfsFileSystem": home_efs})
    except Exception as exc:
        if _common.is_not_found(exc):
            return
        if _common.is_transient(exc):
            _common.warning("delete_domain deferred to the next poll", domain_id=domain_id, **_common.error_fields(exc))
            return
        raise
    _common.info("delete_domain issued", domain_id=domain_id, home_efs=home_efs)


def _mount_targets_gone(efs_id: str, context: Any) -> bool:
    efs = _common.client("efs")
    try:
        targets = list(
            _common.paginate(efs.describe_mount_targets, "MountTargets", "Marker", "NextMarker", FileSystemId=efs_id)
        )
    except Exception as exc:
        if _common.error_code(exc) == "FileSystemNotFound":
            return True
        raise
    remaining = [t for t in targets if t.get("LifeCycleState") not in MOUNT_TARGET_GONE]
    for target in remaining:
        if target.get("LifeCycleState") == "deleting" or _common.out_of_time(context):
            continue
        try:
            efs.delete_mount_target(MountTargetId=target["MountTargetId"])
        except Exception as exc:
            if _common.error_code(exc) == "MountTargetNotFound":
                continue
            raise
        _common.info("delete_mount_target issued", file_system_id=efs_id, mount_target=target["MountTargetId"])
    if remaining:
        _common.info("waiting for mount targets", file_system_id=efs_id, remaining=len(remaining))
    return not remaining


def _security_groups_gone(vpc_id: str, domain_id: str, domain_arn: str, context: Any) -> bool:
    ec2 = _common.client("ec2")
    groups = list(
        _common.paginate(
            ec2.describe_security_groups,
            "SecurityGroups",
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": f"tag:{SAGEMAKER_TAG}", "Values": [domain_arn]},
            ],
        )
    )
    ours = [g for g in groups if str(g.get("GroupName", "")).endswith(domain_id)]
    for skipped in (g for g in groups if g not in ours):
        _common.warning(
            "tagged group skipped: name does not end with the domain id",
            group_id=skipped["GroupId"],
            group_name=skipped.get("GroupName"),
        )
    if not ours:
        return True

    # Revoke every rule of every group first: the inbound and outbound NFS groups reference each other.
    for group in ours:
        _revoke_all_rules(ec2, group["GroupId"])

    remaining = []
    for group in ours:
        if _common.out_of_time(context):
            remaining.append(group["GroupId"])
            continue
        try:
            ec2.delete_security_group(GroupId=group["GroupId"])
        except Exception as exc:
            code = _common.error_code(exc)
            if code == "InvalidGroup.NotFound":
                continue
            if code == "DependencyViolation" or _common.is_transient(exc):
                # Network interfaces of the deleted domain / mount targets take a while to disappear.
                _common.info(
                    "security group not deleted yet; tried again on the next poll",
                    group_id=group["GroupId"],
                    **_common.error_fields(exc),
                )
                remaining.append(group["GroupId"])
                continue
            raise
        _common.info("security group deleted", group_id=group["GroupId"], group_name=group.get("GroupName"))
    return not remaining


def _revoke_all_rules(ec2: Any, group_id: str) -> None:
    rules = list(
        _common.paginate(
            ec2.describe_security_group_rules,
            "SecurityGroupRules",
            Filters=[{"Name": "group-id", "Values": [group_id]}],
        )
    )
    ingress = [r["SecurityGroupRuleId"] for r in rules if not r.get("IsEgress") and r.get("GroupId") == group_id]
    egress = [r["SecurityGroupRuleId"] for r in rules if r.get("IsEgress") and r.get("GroupId") == group_id]
    try:
        if ingress:
            ec2.revoke_security_group_ingress(GroupId=group_id, SecurityGroupRuleIds=ingress)
        if egress:
            ec2.revoke_security_group_egress(GroupId=group_id, SecurityGroupRuleIds=egress)
    except Exception as exc:
        if _common.error_code(exc) in {"InvalidGroup.NotFound", "InvalidPermission.NotFound"}:
            return
        raise
    if ingress or egress:
        _common.info("security group rules revoked", group_id=group_id, ingress=len(ingress), egress=len(egress))
