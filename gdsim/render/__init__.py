"""Text renderers for people: terminal plots built as plain strings.

Each renderer returns a string and never prints; the command line decides
the size, the colour and where the text goes.
"""
