"""Jockey's tests: `unit` (no engine, no network) and `engine` (the real Pulumi engine)."""
