"""``python -m sagemaker_platform.rules > sagemaker_platform/instance_types.py``: regenerate the enum tables."""

from sagemaker_platform.rules.enums import load_schema_enums, render_tables, schema_date

print(render_tables(load_schema_enums(), schema_date()), end="")
