"""CDK-free rules shared by the config model and the constructs, one module per concept.

- ``core``: the token test (a token skips literal checks, as in aws-cdk-lib) and :class:`RuleError`.
- ``enums``: the values CloudFormation's schemas accept (instance types, app types).
- ``names``: one pattern per kind of name; derived names for resources CloudFormation may replace.
- ``instances``: instance families with local NVMe storage, burstable families.
- ``idle``: Studio idle-shutdown bounds and the platform's defaults.
- ``endpoint``: endpoint kinds, limits and the combinations the API rejects.
- ``monitoring``, ``mlflow``: Model Monitor jobs and the MLflow tracking server's schema rules.
- ``images``, ``file_systems``, ``identity_center``: custom images (URI, name, Studio's image contract, image
  ARNs, hidden version aliases), custom file systems and POSIX ids, Identity Center principal ids.

Nothing here imports aws-cdk-lib, so the config model can check a file without the CDK's start-up cost and
vendoring teams get the same checks from the constructs.
"""

from sagemaker_platform.rules.core import RuleError, check_range, is_token
from sagemaker_platform.rules.enums import (
    SCHEMA_ENUMS,
    config_validator,
    enum_problem,
    hidden_app_type,
    hosting_instance_type,
    lifecycle_config_app_type,
    load_schema_enums,
    render_tables,
    schema_date,
    studio_instance_type,
)
from sagemaker_platform.rules.instances import (
    NVME_INSTANCE_FAMILIES,
    has_instance_storage,
    instance_family,
    is_burstable,
)
from sagemaker_platform.rules.names import (
    BUCKET_NAME,
    CUSTOM_DETAIL_KEY,
    ENVIRONMENT_NAME,
    LIFECYCLE_CONFIG_NAME,
    PLATFORM_NAME,
    RESOURCE_NAME,
    S3_PREFIX,
    SPACE_NAME,
    NameRule,
    canonical,
    derived_name,
    name_digest,
)

__all__ = [
    "BUCKET_NAME",
    "CUSTOM_DETAIL_KEY",
    "ENVIRONMENT_NAME",
    "LIFECYCLE_CONFIG_NAME",
    "NVME_INSTANCE_FAMILIES",
    "PLATFORM_NAME",
    "RESOURCE_NAME",
    "S3_PREFIX",
    "SCHEMA_ENUMS",
    "SPACE_NAME",
    "NameRule",
    "RuleError",
    "canonical",
    "check_range",
    "config_validator",
    "derived_name",
    "enum_problem",
    "has_instance_storage",
    "hidden_app_type",
    "hosting_instance_type",
    "instance_family",
    "is_burstable",
    "is_token",
    "lifecycle_config_app_type",
    "load_schema_enums",
    "name_digest",
    "render_tables",
    "schema_date",
    "studio_instance_type",
]
