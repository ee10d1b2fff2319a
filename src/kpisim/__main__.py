"""``python -m kpisim``: the same as the ``kpisim`` command."""

import sys

from kpisim.cli import main

sys.exit(main())
