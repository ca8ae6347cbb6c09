"""`python -m emgcoach`: the `emgcoach` command."""

import sys

from emgcoach.cli import main

sys.exit(main())
