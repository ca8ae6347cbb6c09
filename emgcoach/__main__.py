"""`python -m emgcoach`: the same as the `emgcoach` command (a menu entry falls back to it when no
launcher is found)."""

import sys

from emgcoach.cli import main

sys.exit(main())
