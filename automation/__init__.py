"""Tenants as stacks: the Automation API layer and the `jockey` CLI."""
