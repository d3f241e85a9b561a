"""Reusable constructs: each takes typed props and never reads config files or context."""
