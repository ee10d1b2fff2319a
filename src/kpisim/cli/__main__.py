"""``python -m kpisim.cli`` is ``kpisim`` (as ``python -m kpisim`` is)."""

import sys

from kpisim.cli import main

sys.exit(main())
