"""Jockey's Pulumi program: the spec, the components and the one program function."""
