"""Benchmarks: dialbot against the tutorial-style app, on local CXone and Slack stand-ins.

Run `python -m bench` (see bench/RESULTS.md).
"""
