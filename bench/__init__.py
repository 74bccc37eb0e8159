"""Benchmarks that print figures (run each as a script, or with `python -m bench.<name>`)."""
