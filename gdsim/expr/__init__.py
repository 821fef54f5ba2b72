"""The expression language: the text a student types, parsed under an allow-list into a symbolic function.

Parsing, the symbolic build, derivatives with their rule-by-rule steps, printing, points, and vector mode
live here; nothing in this package knows about optimizers, runs or output formats.
"""
