"""What the team writes: YAML files, the leaflet schema and its messages, leaflets with
their figures, inline markup, history and review dates, the brand. May use core.
"""
