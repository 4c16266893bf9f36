"""The quality gates: plain English, spelling, jargon, style and terminology, run by
``check`` over the leaflets and catalogs. May use translation, content and core.
"""
