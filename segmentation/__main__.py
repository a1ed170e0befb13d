"""``python -m segmentation`` is the ``kmeans-segment`` command."""

import sys

from segmentation.cli import main

sys.exit(main())
