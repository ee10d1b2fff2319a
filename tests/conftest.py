"""Test configuration: hypothesis profiles.

``ci`` (used when the CI environment variable is set, as in ``.ci/run``) is
derandomised: every run explores the same examples, so a statistical
property with a Monte Carlo tolerance cannot fail by chance on one run and
pass on the next. ``dev`` (the default) draws new examples each run, which is
how new counterexamples are found; a failure prints the seed to replay it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The report keeps font subsets between runs in ~/.cache/kpisim unless told
# otherwise; a test run must not write into the user's home: one temporary
# directory for the whole session (tests of the cache set their own).
if "KPISIM_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["KPISIM_CACHE_DIR"] = tempfile.mkdtemp(prefix="kpisim-test-cache-")
