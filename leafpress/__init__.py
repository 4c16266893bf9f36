"""leafpress: multilingual patient leaflets from YAML, gettext catalogs and WeasyPrint."""
