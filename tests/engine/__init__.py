"""Engine tests: the real Pulumi CLI and a fresh `file://` backend per test."""
