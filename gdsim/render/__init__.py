"""Renderers: every output format gdsim has, each a consumer of the engines' records.

Text rows, summaries and plots are for people; JSON, NDJSON and CSV are for programs. The
command line decides which renderer runs and where its output goes.
"""
