"""The echo agent: a tiny agent HTTP service for Jockey's examples and tests."""
