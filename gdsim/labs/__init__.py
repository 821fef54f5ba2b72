"""Classroom material shipped with gdsim: presets of classic functions, lab sheets, and TOML lab files.

The TOML files live in presets/ and sheets/ beside these modules; config.py reads a teacher's own file.
"""
