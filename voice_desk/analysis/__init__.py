"""Analyses on explain results: per-phone relevance, dataset-level studies."""
