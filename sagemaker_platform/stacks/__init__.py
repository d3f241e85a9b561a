"""Compositions of constructs driven by the platform config."""
