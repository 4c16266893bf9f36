"""The other formats patients ask for (NHS Accessible Information Standard): braille,
audio and EPUB, each made from a leaflet's rendered HTML in one language. May use
rendering and the stages below it.
"""
