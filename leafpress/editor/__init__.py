"""The browser editor at ``/edit/`` of ``build.py serve``: writing, translating and approving
leaflets without a terminal. May use governance, the build and every stage below it.
"""
