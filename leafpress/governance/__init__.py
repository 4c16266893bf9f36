"""Governance: recording approvals, earlier versions from git, review packs, and the
reports of every leaflet's state. May use the build and every stage below it.
"""
