"""Helpers for the published asv benchmark site (offline assets, browser check)."""
