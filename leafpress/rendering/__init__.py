"""Rendering one leaflet in one language: HTML from the templates, the PDF and its
structure tree, fonts and their coverage, writing systems. May use the stages below
it: gates, translation, content, core.
"""
