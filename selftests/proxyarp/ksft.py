# SPDX-License-Identifier: GPL-2.0
"""What the Python tests share with lib.sh: TAP output, the kselftest
exit codes, the module under test and the run's seed."""

import os
import random

KSFT_PASS, KSFT_FAIL, KSFT_SKIP = 0, 1, 4

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KO = os.environ.get("PROXYARP_KO",
                    os.path.join(TOP, ".build", os.uname().release,
                                 "module", "proxyarp.ko"))
# PROXYARP_SEED replays a run.
SEED = int(os.environ.get("PROXYARP_SEED") or
           random.SystemRandom().randrange(1 << 31))


class Tap:
    """ok / not ok lines, numbered, and "# " notes."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, what):
        self.n += 1
        if not ok:
            self.failed += 1
        print("%s %d %s" % ("ok" if ok else "not ok", self.n, what), flush=True)

    def note(self, text):
        for line in text.splitlines():
            print("# " + line, flush=True)
