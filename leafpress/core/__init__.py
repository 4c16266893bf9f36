"""What every stage may use: the project's folders and files, the error family, digests
and the memo, the typefaces this machine has. Imports nothing of leafpress above it.
"""
