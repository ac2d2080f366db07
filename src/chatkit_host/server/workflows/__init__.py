"""Workflows: what a session runs."""
