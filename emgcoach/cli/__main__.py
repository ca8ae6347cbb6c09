"""`python -m emgcoach.cli`: the `emgcoach` command (kept for scripts and tests that run it so)."""

import sys

from emgcoach.cli import main

sys.exit(main())
