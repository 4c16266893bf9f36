"""Translations: reading and checking a locale's PO catalog, extracting the POT, merging
it into the catalogs, and which earlier text a changed one replaced. May use content
and core.
"""
