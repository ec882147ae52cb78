"""``python -m ntb_site.answers.layers``: the answers in the terminal (:func:`ntb_site.answers.layers.text.main`)."""

import sys

from ntb_site.answers.layers.text import main

sys.exit(main())
