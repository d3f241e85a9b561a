"""sagemaker-platform: a governed Amazon SageMaker platform as AWS CDK v2 constructs and stacks."""

__version__ = "0.1.0"
