"""``build.py serve``: the local preview that rebuilds what an edit touches. May use
governance, the build and every stage below it.
"""
