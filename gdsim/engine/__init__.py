"""The engines: the hiker's walk (descend), minibatch SGD on data, and the derive analysis.

Each engine yields or returns plain records and never prints; the renderers turn them into text, plots and
machine formats.
"""
