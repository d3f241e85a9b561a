"""The VPC a VpcOnly Studio domain runs in: isolated subnets, the guide's security-group rules, and the
interface endpoints Studio (and Canvas) need when there is no internet path."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from sagemaker_platform.acknowledgements import INLINE_POLICY_IDS, INLINE_POLICY_REASON, acknowledge
from sagemaker_platform.constructs.subnets import selected_subnets
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.vpc_rules import (
    CANVAS_ENDPOINTS,
    INTERFACE_ENDPOINT_SERVICES,
    RESERVED_ENDPOINTS,
    STUDIO_ENDPOINTS,
    SUBNET_PREFIX,
    service_prefix,
)

__all__ = ["CANVAS_ENDPOINTS", "STUDIO_ENDPOINTS", "ExistingSubnet", "StudioNetwork"]


@dataclass(frozen=True)
class ExistingSubnet:
    """A subnet of an existing VPC, named by id: no lookup at synth."""

    subnet_id: str
    availability_zone: str
    route_table_id: str | None = None


class StudioNetwork(Construct):
    """A new VPC with private isolated subnets (one /20 per zone) in ``availability_zones`` or, without them, in
    ``max_azs`` zones, or an existing VPC given by ids, or a VPC the caller built (``vpc`` and ``vpc_subnets``,
    default: its private subnets, else its isolated ones).

    A stack with a concrete account and region needs ``availability_zones`` for a new VPC: otherwise the CDK looks
    the zones up in the account at synth, which fails offline (``cdk synth --no-lookups``, CDK Pipelines).

    Attributes: ``vpc``, ``subnets`` (the domain's subnets), ``studio_security_group`` (apps),
    ``endpoint_security_group`` (interface endpoints), ``endpoints`` (name -> endpoint).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_cidr: str = "10.40.0.0/16",
        max_azs: int = 2,
        availability_zones: Sequence[str] = (),
        existing_vpc_id: str | None = None,
        existing_subnets: Sequence[ExistingSubnet] = (),
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        create_endpoints: bool = True,
        canvas: bool = False,
        extra_interface_endpoints: Sequence[str] = (),
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param vpc_cidr: the CIDR of a new VPC.
        :param max_azs: how many zones a new VPC spans when ``availability_zones`` is empty (2-6).
        :param availability_zones: the zones of a new VPC (needed offline for a stack with account and region).
        :param existing_vpc_id: an existing VPC by id (with ``existing_subnets``).
        :param existing_subnets: the existing VPC's subnets the domain uses, in different zones.
        :param vpc: a VPC the caller built (instead of a new or an existing one by id).
        :param vpc_subnets: which of ``vpc``'s subnets (default: the private ones, else the isolated ones).
        :param create_endpoints: add the interface and gateway endpoints Studio needs without internet access.
        :param canvas: also add the endpoints Canvas needs.
        :param extra_interface_endpoints: more interface endpoint service names (``sts``, ``ssm`` ...).
        :param encryption_key: encrypts a new VPC's flow logs.
        """
        if encryption_key is not None:
            require("StudioNetwork", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        if vpc is not None:
            require("StudioNetwork", "vpc", vpc, ec2.IVpc)
            if existing_vpc_id:
                raise ValueError(f"StudioNetwork vpc: give vpc or existing_vpc_id, not both (got {existing_vpc_id!r})")
            self.vpc: ec2.IVpc = vpc
        elif existing_vpc_id:
            if len(existing_subnets) < 2 or len({s.availability_zone for s in existing_subnets}) < 2:
                raise ValueError(
                    "StudioNetwork existing_subnets: an existing VPC needs at least two subnets in different "
                    f"availability zones (got {[s.subnet_id for s in existing_subnets]})"
                )
            self.vpc = ec2.Vpc.from_vpc_attributes(
                self,
                "Vpc",
                vpc_id=existing_vpc_id,
                availability_zones=[s.availability_zone for s in existing_subnets],
                isolated_subnet_ids=[s.subnet_id for s in existing_subnets],
                isolated_subnet_route_table_ids=[s.route_table_id or "" for s in existing_subnets]
                if all(s.route_table_id for s in existing_subnets)
                else None,
            )
        else:
            zones = self._zones(max_azs, availability_zones)
            try:
                cidr = ipaddress.IPv4Network(vpc_cidr)
            except ValueError as exc:
                raise ValueError(f"StudioNetwork vpc_cidr: not an IPv4 CIDR block (got {vpc_cidr!r}): {exc}") from None
            if cidr.prefixlen > SUBNET_PREFIX or 2 ** (SUBNET_PREFIX - cidr.prefixlen) < zones:
                raise ValueError(
                    f"StudioNetwork vpc_cidr: too small for {zones} /{SUBNET_PREFIX} subnets (got {vpc_cidr!r})"
                )
            vpc = ec2.Vpc(
                self,
                "Vpc",
                ip_addresses=ec2.IpAddresses.cidr(vpc_cidr),
                **({"availability_zones": list(availability_zones)} if availability_zones else {"max_azs": max_azs}),
                nat_gateways=0,
                subnet_configuration=[
                    ec2.SubnetConfiguration(
                        name="studio", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=SUBNET_PREFIX
                    )
                ],
                restrict_default_security_group=True,
            )
            flow_logs = logs.LogGroup(
                self,
                "FlowLogs",
                retention=logs.RetentionDays.ONE_YEAR,
                encryption_key=encryption_key,
                removal_policy=cdk.RemovalPolicy.RETAIN,
            )
            flow_log = vpc.add_flow_log(
                "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs)
            )
            acknowledge(flow_log, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
            self.vpc = vpc
        self._route_tables_known = not existing_vpc_id or all(s.route_table_id for s in existing_subnets)
        if vpc is not None:
            self.subnets = selected_subnets("StudioNetwork", vpc, vpc_subnets)
            if len({subnet.availability_zone for subnet in self.subnets}) < 2:
                raise ValueError(
                    "StudioNetwork vpc_subnets: the domain needs subnets in at least two availability zones "
                    f"(got {len(self.subnets)} subnets)"
                )
        else:
            self.subnets = self.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnets

        # Apps: NFS to the home EFS and JupyterServer <-> KernelGateway traffic stay inside this group.
        self.studio_security_group = ec2.SecurityGroup(
            self,
            "StudioApps",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="SageMaker Studio apps: NFS and app-to-app traffic within the group, HTTPS to endpoints",
        )
        sg = self.studio_security_group
        sg.add_ingress_rule(sg, ec2.Port.tcp(2049), "NFS to the domain's home EFS")
        sg.add_ingress_rule(sg, ec2.Port.tcp_range(8192, 65535), "JupyterServer to KernelGateway apps")
        sg.add_egress_rule(sg, ec2.Port.tcp(2049), "NFS to the domain's home EFS")
        sg.add_egress_rule(sg, ec2.Port.tcp_range(8192, 65535), "JupyterServer to KernelGateway apps")

        self.endpoint_security_group = ec2.SecurityGroup(
            self,
            "Endpoints",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="Interface VPC endpoints for SageMaker Studio: HTTPS from the VPC",
        )
        # A new VPC's CIDR is known at synth; an imported one's is not, so then only the apps' group is allowed.
        peer = (
            ec2.Peer.security_group_id(sg.security_group_id) if existing_vpc_id else ec2.Peer.ipv4(vpc_cidr)
        )
        self.endpoint_security_group.add_ingress_rule(peer, ec2.Port.tcp(443), "HTTPS from the VPC")
        # Isolated subnets have no internet route: HTTPS leaves only to interface endpoints and the S3 gateway,
        # whose addresses are a regional prefix list that cannot be resolved offline.
        sg.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to VPC endpoints and the S3 gateway"
        )

        self.endpoints: dict[str, ec2.IVpcEndpoint] = {}
        if create_endpoints:
            self._add_endpoints(canvas, extra_interface_endpoints)
        elif extra_interface_endpoints:
            raise ValueError("StudioNetwork extra_interface_endpoints: only with create_endpoints=True")

    def _zones(self, max_azs: int, availability_zones: Sequence[str]) -> int:
        """How many zones the new VPC spans; checks explicit zones against the stack's region."""
        if not availability_zones:
            if not 2 <= max_azs <= 6:
                raise ValueError(f"StudioNetwork max_azs: must be between 2 and 6 (got {max_azs})")
            return max_azs
        region = cdk.Stack.of(self).region
        if len(set(availability_zones)) != len(availability_zones) or not 2 <= len(availability_zones) <= 6:
            raise ValueError(
                f"StudioNetwork availability_zones: 2 to 6 distinct zones (got {list(availability_zones)})"
            )
        if not cdk.Token.is_unresolved(region):
            for zone in availability_zones:
                if zone[:-1] != region or not zone[-1:].isalpha():
                    raise ValueError(f"StudioNetwork availability_zones: {zone!r} is not a zone of {region}")
        return len(availability_zones)

    def _add_endpoints(self, canvas: bool, extra: Sequence[str]) -> None:
        region = cdk.Stack.of(self).region
        if self._route_tables_known:
            self.endpoints["s3"] = self.vpc.add_gateway_endpoint(
                "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[ec2.SubnetSelection(subnets=self.subnets)]
            )
        else:
            cdk.Annotations.of(self).add_warning_v2(
                "sagemaker-platform:s3-gateway",
                "No route table ids were given for the existing subnets, so no S3 gateway endpoint is created; "
                "make sure the VPC already has one (Studio and Canvas need S3).",
            )
        services = list(STUDIO_ENDPOINTS)
        if canvas:
            services += [s for s in CANVAS_ENDPOINTS if s not in services]
        for name in extra:
            if name in services or name in RESERVED_ENDPOINTS:
                raise ValueError(f"StudioNetwork extra_interface_endpoints: {name!r} is already added")
            if name not in INTERFACE_ENDPOINT_SERVICES:
                raise ValueError(f"StudioNetwork extra_interface_endpoints: unknown service {name!r}")
            services.append(name)
        for name in services:
            self._interface(name, ec2.InterfaceVpcEndpointAwsService(name, service_prefix(name)))
        self._interface("studio", ec2.InterfaceVpcEndpointService(f"aws.sagemaker.{region}.studio", 443))

    def _interface(self, name: str, service: ec2.IInterfaceVpcEndpointService) -> None:
        construct_id = "".join(p.capitalize() for p in name.replace("-", ".").split("."))
        if self.node.try_find_child(construct_id) is not None:
            raise ValueError(f"StudioNetwork: endpoint {name!r} clashes with another endpoint's id {construct_id!r}")
        self.endpoints[name] = ec2.InterfaceVpcEndpoint(
            self,
            construct_id,
            vpc=self.vpc,
            service=service,
            private_dns_enabled=True,
            subnets=ec2.SubnetSelection(subnets=self.subnets),
            security_groups=[self.endpoint_security_group],
            open=False,
        )

    @property
    def subnet_ids(self) -> list[str]:
        return [s.subnet_id for s in self.subnets]

    def endpoint_dependables(self) -> list[Construct]:
        """What the domain must wait for: every endpoint, so Studio apps start with their APIs reachable."""
        return [e for e in self.endpoints.values() if isinstance(e, Construct)]
