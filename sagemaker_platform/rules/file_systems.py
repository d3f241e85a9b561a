"""Custom file system rules shared by the config model and ``constructs/file_system.py`` (CDK-free), from the
registry schema of ``AWS::SageMaker::Domain`` (EFSFileSystemConfig, FSxLustreFileSystemConfig,
CustomPosixUserConfig)."""

from __future__ import annotations

import re

FILE_SYSTEM_ID = re.compile(r"^fs-[0-9a-f]{8,18}$")
FILE_SYSTEM_PATH = re.compile(r"^/\S{0,255}$")
SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8,17}$")
UID_RANGE = (10000, 4000000)
GID_RANGE = (1001, 4000000)
DEFAULT_UID = 200001  # SageMaker's defaults (the guide)
DEFAULT_GID = 1001
MAX_FILE_SYSTEMS = 2  # CustomFileSystemConfigs maxItems on a domain or a profile
