"""Temporal fingerprints (placeholder)."""
