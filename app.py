#!/usr/bin/env python3
"""CDK entry point: ``cdk synth -c config=<file>`` (default config/default.yaml) builds the platform's stacks.

Bad input ends in one line naming the file, the field and the value, exit code 2, and no cloud assembly
(see :mod:`sagemaker_platform.main`).
"""

from sagemaker_platform.main import main

if __name__ == "__main__":
    raise SystemExit(main())
