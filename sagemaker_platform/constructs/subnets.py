"""Subnets from a ``SubnetSelection``, the way aws-cdk-lib's own constructs take them."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2

_FIELDS = ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets", "subnet_type")


def selected_subnets(owner: str, vpc: ec2.IVpc | None, selection: ec2.SubnetSelection | None) -> list[ec2.ISubnet]:
    """The subnets ``selection`` picks in ``vpc`` (default selection: the VPC's private subnets, else isolated);
    without a VPC only an explicit ``SubnetSelection(subnets=[...])`` can be resolved."""
    if vpc is None:
        if selection is None or selection.subnets is None:
            raise ValueError(f"{owner} vpc: needed to select subnets by type or group (got {selection!r} and no vpc)")
        return list(selection.subnets)
    values = {}
    if selection is not None:
        values = {key: getattr(selection, key) for key in _FIELDS if getattr(selection, key) is not None}
    return list(vpc.select_subnets(**values).subnets)
