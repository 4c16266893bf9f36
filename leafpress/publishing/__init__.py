"""What a build publishes beside the leaflets: records of the files in ``dist/`` and the
catalogue page with its thumbnails. May use formats, rendering and the stages below it.
"""
