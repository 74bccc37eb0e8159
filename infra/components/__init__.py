"""Pulumi ComponentResources that Jockey composes per tenant."""
