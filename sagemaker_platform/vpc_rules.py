"""CDK-free VPC facts shared by the config model and the network construct: subnet size and endpoint services.

A name is the part of the service name after the region: ``com.amazonaws.<region>.<name>`` for most services,
``aws.sagemaker.<region>.<name>`` and ``aws.api.<region>.<name>`` for the few in :data:`SERVICE_PREFIXES`. The list
is the set of regional services aws-cdk-lib's ``InterfaceVpcEndpointAwsService`` knows (a test keeps the two equal),
so a typo fails at synth instead of at deploy ("The Vpc Endpoint Service ... does not exist"). CDK-free, so the
config model can use it without starting jsii.
"""

from __future__ import annotations

# Every subnet of a new VPC is a /20 (4,091 usable addresses): Studio takes one to four addresses per user and app,
# so a VPC of N zones needs N /20 blocks.
SUBNET_PREFIX = 20

# Services whose endpoint name is not ``com.amazonaws.<region>.<name>``.
SERVICE_PREFIXES: dict[str, str] = {
    "experiments": "aws.sagemaker",
    "notebook": "aws.sagemaker",
    "partner-app": "aws.sagemaker",
    "studio": "aws.sagemaker",
    "bcm-data-exports": "aws.api",
    "freetier": "aws.api",
    "kendra-ranking": "aws.api",
    "qbusiness": "aws.api",
}

INTERFACE_ENDPOINT_SERVICES: frozenset[str] = frozenset({
    "access-analyzer", "account", "acm", "acm-fips", "acm-pca", "acm-pca-fips", "airflow.api", "airflow.api-fips",
    "airflow.env", "airflow.env-fips", "airflow.ops", "analytics-omics", "app-integrations", "appconfig",
    "appconfigdata", "application-autoscaling", "application-signals", "applicationinsights", "appmesh",
    "appmesh-envoy-management", "apprunner", "apprunner.requests", "appstream.api", "appstream.streaming",
    "appsync-api", "apptest", "aps", "aps-workspaces", "arsenal-discovery", "athena", "auditmanager", "autoscaling",
    "autoscaling-plans", "awsconnector", "b2bi", "backup", "backup-gateway", "batch", "bcm-pricing-calculator",
    "bedrock", "bedrock-agent", "bedrock-agent-runtime", "bedrock-agentcore", "bedrock-agentcore.gateway",
    "bedrock-data-automation", "bedrock-data-automation-fips", "bedrock-data-automation-runtime",
    "bedrock-data-automation-runtime-fips", "bedrock-fips", "bedrock-runtime", "bedrock-runtime-fips", "billing",
    "billingconductor", "braket", "cases", "cassandra", "cassandra-fips", "ce", "cleanrooms", "cleanrooms-ml",
    "cloudcontrolapi", "cloudcontrolapi-fips", "clouddirectory", "cloudformation", "cloudhsmv2", "cloudtrail",
    "codeartifact.api", "codeartifact.repositories", "codebuild", "codebuild-fips", "codecatalyst.git",
    "codecatalyst.packages", "codecommit", "codecommit-fips", "codeconnections.api", "codedeploy",
    "codedeploy-commands-secure", "codeguru-profiler", "codeguru-reviewer", "codepipeline",
    "codestar-connections.api", "codewhisperer", "cognito-identity", "cognito-identity-fips", "cognito-idp",
    "cognito-idp-fips", "comprehend", "comprehendmedical", "compute-optimizer", "config", "connect-campaigns",
    "console", "control-storage-omics", "controlcatalog", "cost-optimization-hub", "data-servicediscovery",
    "data-servicediscovery-fips", "databrew", "dataexchange", "datasync", "datazone", "deadline.management",
    "deadline.scheduling", "deviceadvisor.iot", "devops-guru", "dicom-medical-imaging", "discovery", "dms",
    "dms-fips", "drs", "ds", "ds-data", "dsql", "dynamodb", "dynamodb-fips", "dynamodb-streams", "ebs", "ec2",
    "ec2messages", "ecr-public.api", "ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "eks", "eks-auth",
    "eks-proxy", "elastic-inference.runtime", "elasticache", "elasticache-fips", "elasticbeanstalk",
    "elasticbeanstalk-health", "elasticfilesystem", "elasticfilesystem-fips", "elasticloadbalancing",
    "elasticmapreduce", "email", "email-fips", "email-smtp", "emr-containers", "emr-serverless",
    "emr-serverless-services.livy", "emr-serverless.dashboard", "emrwal.prod", "entityresolution", "events",
    "evidently", "evidently-dataplane", "execute-api", "finspace", "finspace-api", "fis", "forecast",
    "forecast-fips", "forecastquery", "forecastquery-fips", "frauddetector", "fsx", "fsx-fips", "geo.geofencing",
    "geo.maps", "geo.metadata", "geo.places", "geo.routes", "geo.tracking", "git-codecommit", "git-codecommit-fips",
    "glue", "glue.dashboard", "grafana", "grafana-workspace", "greengrass", "groundstation", "guardduty",
    "guardduty-data", "guardduty-data-fips", "guardduty-fips", "healthlake", "identitystore", "imagebuilder",
    "inspector-scan", "inspector2", "internetmonitor", "internetmonitor-fips", "invoicing", "iot.credentials",
    "iot.data", "iot.fleethub.api", "iotfleetwise", "iotroborunner", "iotsitewise.api", "iotsitewise.data",
    "iottwinmaker.api", "iottwinmaker.data", "iotwireless.api", "kafka", "kafka-fips", "kafkaconnect", "kendra",
    "kinesis-firehose", "kinesis-streams", "kinesis-streams-fips", "kms", "kms-fips", "lakeformation", "lambda",
    "launchwizard", "license-manager", "license-manager-fips", "license-manager-linux-subscriptions",
    "license-manager-linux-subscriptions-fips", "license-manager-user-subscriptions", "logs", "lookoutequipment",
    "lookoutmetrics", "lookoutvision", "lorawan.cups", "lorawan.lns", "m2", "macie2", "mail-manager",
    "mail-manager-fips", "managedblockchain-query", "managedblockchain.bitcoin.mainnet",
    "managedblockchain.bitcoin.testnet", "mediaconnect", "medical-imaging", "memory-db", "memorydb-fips", "mgn",
    "migrationhub-orchestrator", "migrationhub-strategy", "models-v2-lex", "monitoring", "mq", "neptune-graph",
    "neptune-graph-data", "neptune-graph-fips", "network-firewall", "network-firewall-fips", "networkflowmonitor",
    "networkflowmonitorreports", "networkmonitor", "nimble", "observabilityadmin", "organizations",
    "organizations-fips", "outposts", "panorama", "payment-cryptography.controlplane",
    "payment-cryptography.dataplane", "pca-connector-ad", "pca-connector-scep", "pcs", "pcs-fips", "personalize",
    "personalize-events", "personalize-runtime", "pi", "pi-fips", "pinpoint", "pinpoint-sms-voice-v2", "pipes",
    "pipes-data", "pipes-fips", "polly", "pricing.api", "private-networks", "profile", "proton", "q", "qapps",
    "qldb.session", "quicksight-website", "ram", "rbin", "rds", "rds-data", "redshift", "redshift-data",
    "redshift-data-fips", "redshift-fips", "redshift-serverless", "redshift-serverless-fips", "refactor-spaces",
    "rekognition", "rekognition-fips", "repostspace", "resource-groups", "resource-groups-fips", "robomaker",
    "rolesanywhere", "rum", "rum-dataplane", "runtime-medical-imaging", "runtime-v2-lex", "s3", "s3-outposts",
    "s3tables", "s3vectors", "sagemaker-data-science-assistant", "sagemaker-geospatial", "sagemaker.api",
    "sagemaker.api-fips", "sagemaker.featurestore-runtime", "sagemaker.metrics", "sagemaker.runtime",
    "sagemaker.runtime-fips", "schemas", "scn", "secretsmanager", "securityhub", "securitylake",
    "securitylake-fips", "serverlessrepo", "service.user-subscriptions", "servicecatalog",
    "servicecatalog-appregistry", "servicediscovery", "servicediscovery-fips", "shield", "shield-fips", "signin",
    "simspaceweaver", "sms", "sms-fips", "snow-device-management", "sns", "social-messaging", "sqs", "sqs-fips",
    "ssm", "ssm-contacts", "ssm-fips", "ssm-incidents", "ssm-quicksetup", "ssmmessages", "states", "storage-omics",
    "storagegateway", "streaming-rekognition", "streaming-rekognition-fips", "sts", "sts-fips", "swf", "swf-fips",
    "sync-states", "synthetics", "synthetics-fips", "tagging", "tags-omics", "tax", "textract", "textract-fips",
    "thinclient.api", "timestream-influxdb", "timestream-influxdb-fips", "tnb", "transcribe", "transcribestreaming",
    "transfer", "transfer.server", "translate", "trustedadvisor", "verifiedpermissions", "voiceid", "vpc-lattice",
    "wafv2", "wafv2-fips", "wellarchitected", "wisdom", "workflows-omics", "workmail", "workspaces",
    "workspaces-web", "workspaces-web-fips", "xray"
}) | frozenset(SERVICE_PREFIXES)

# Interface endpoints a VpcOnly Studio domain needs without a NAT gateway; the Studio UI endpoint ("studio") is
# added too. S3 is a gateway endpoint.
STUDIO_ENDPOINTS: tuple[str, ...] = (
    "sagemaker.api",
    "sagemaker.runtime",
    "sts",
    "logs",
    "ecr.api",
    "ecr.dkr",
    "servicecatalog",
)
# Canvas's additional set.
CANVAS_ENDPOINTS: tuple[str, ...] = (
    "notebook",
    "ec2",
    "monitoring",
    "application-autoscaling",
    "athena",
    "glue",
    "rds",
    "redshift-data",
    "secretsmanager",
    "ssm",
    "forecast",
    "forecastquery",
    "textract",
    "comprehend",
    "rekognition",
    "kendra",
    "bedrock-runtime",
)
# Names the platform itself uses for endpoints other than the interface ones above.
RESERVED_ENDPOINTS: tuple[str, ...] = ("studio", "s3")


def service_prefix(name: str) -> str:
    """The part before ``.<region>.`` in the endpoint service name of ``name``."""
    return SERVICE_PREFIXES.get(name, "com.amazonaws")


def platform_endpoints(canvas: bool) -> tuple[str, ...]:
    """The interface endpoints the platform adds itself, in creation order."""
    return STUDIO_ENDPOINTS + (CANVAS_ENDPOINTS if canvas else ())
