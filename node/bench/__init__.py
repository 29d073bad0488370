"""Benchmark tools: encoding sizes of board posts, and how well the desk reads commands."""
