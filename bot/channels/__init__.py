"""Channel adapters: turn platform updates into Incoming and render Reply for the platform."""

import os

# Opt in to PTB's coming behaviour (time periods as timedelta) so no deprecation path runs;
# set before any channel module imports telegram.
os.environ.setdefault("PTB_TIMEDELTA", "true")
