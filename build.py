#!/usr/bin/env python3
"""Build the leaflets: ``python build.py --help``."""

from leafpress.cli import main

raise SystemExit(main())
