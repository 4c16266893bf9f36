"""The build: options and plan, render workers, caches, the manifest, and the pipeline
that gathers, checks and builds. May use publishing and every stage below it.
"""
