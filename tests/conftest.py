"""Settings for the whole test suite."""

import os

# A fit that runs the NumPy twins would start a background compile for later
# processes (``kmeans_core._background``): not from the test process and the
# children it starts; tests/kmeans_core/test_background.py turns it on for its own.
os.environ["KMEANS_CORE_BACKGROUND_COMPILE"] = "0"
