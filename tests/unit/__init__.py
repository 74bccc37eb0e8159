"""Unit tests: pure functions, the CLI, and components under Pulumi mocks."""
