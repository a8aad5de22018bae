"""Helpers for the distributed training script."""
