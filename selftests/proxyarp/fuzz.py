#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""fuzz.py: malformed writes to every tunable are refused or applied
exactly, never half.

Random payloads (signs, bases, leading zeros, every kind of whitespace,
NUL bytes, trailing garbage, huge numbers, 20-22 character numbers, raw
bytes) are written, one write(2) each, to a random tunable of a random
entry (a device, "default", "all") of either tree in a namespace of the
test's own.  Each write's outcome (the bytes consumed or the errno) must
be the one a model of the kernel's proc_dointvec_minmax() predicts for
the tunable's range, and every tunable of every entry must then hold
what the writes so far make it: the value, on the entry (on "all",
"default" and every device), or nothing changed anywhere.  The model is
itself checked against the kernel: every payload is also written to
kernel.kptr_restrict, a proc_dointvec_minmax() sysctl of range 0..2,
whose outcome must be the model's too.  A second pass writes while
another thread creates, renames, moves and deletes devices in the
namespace: the static devices, "default" and "all" must still be exact,
a write to a device that went away may fail with ENOENT, and at the end
the tree lists exactly the devices there are and an "all" write reaches
every one.

    PROXYARP_FUZZ_WRITES (default 2000: two thirds alone, one third with
    the churn); PROXYARP_SEED replays a run.
"""

import errno
import os
import random
import subprocess
import sys
import threading
import time

from ksft import KO, KSFT_FAIL, KSFT_PASS, KSFT_SKIP, SEED, Tap

WRITES = int(os.environ.get("PROXYARP_FUZZ_WRITES", "2000"))

# Each family's tunables and ranges (module/sysctl.c).
KNOBS = {
    "proxyarp": {"mode": (0, 2), "ignore_default_route": (0, 1),
                 "min_prefixlen": (0, 32), "honor_proxy_delay": (0, 1),
                 "max_rate": (0, 1000000), "max_burst": (1, 1000000),
                 "announce": (0, 10), "route_proto": (0, 255)},
    "proxyndp": {"mode": (0, 2), "ignore_default_route": (0, 1),
                 "min_prefixlen": (0, 128),
                 "max_rate": (0, 1000000), "max_burst": (1, 1000000),
                 "announce": (0, 10), "route_proto": (0, 255),
                 "na_source": (0, 1)},
}
STATIC = ["fz0", "fz1", "fz2"]
ORACLE = "/proc/sys/kernel/kptr_restrict"

# The kernel's isspace() (lib/ctype.c: 0x09-0x0d, 0x20 and 0xa0), and
# the separators proc_get_long() allows after a number.
SPACES = b"\t\n\v\f\r \xa0"
SEPARATORS = b" \t\n"
DIGITS = {8: b"01234567", 10: b"0123456789", 16: b"0123456789abcdefABCDEF"}


def model(payload, lo, hi):
    """What proc_dointvec_minmax() does with one write of PAYLOAD at
    offset 0 to an int of range LO..HI: ("ok", consumed, value),
    ("ok", 0) for an empty write, or ("err", errno).  After kernel/sysctl.c: __do_proc_dointvec() (or
    do_proc_vec()), proc_get_long(), strtoul_lenient()."""
    count = len(payload)
    if not count:
        # write(2) of nothing returns 0 before any handler runs.
        return ("ok", 0)
    left = min(count, 4095)
    p = 0
    while p < left and payload[p] in SPACES:
        p += 1
    if p == left:
        return ("err", errno.EINVAL)
    size = left - p
    tmp = payload[p:p + min(size, 21)] + b"\0"
    q, neg = 0, False
    if tmp[0:1] == b"-" and size > 1:
        neg, q = True, 1
    if tmp[q] not in DIGITS[10]:
        return ("err", errno.EINVAL)
    base = 10
    if tmp[q] == ord("0"):
        if tmp[q + 1:q + 2] in (b"x", b"X") and tmp[q + 2] in DIGITS[16]:
            base, q = 16, q + 2
        else:
            base = 8
    value = 0
    while tmp[q] in DIGITS[base]:
        value = value * base + int(chr(tmp[q]), 16)
        q += 1
    if value >= 1 << 64:
        return ("err", errno.EINVAL)
    if q == 21:
        return ("err", errno.EINVAL)
    if q < size and tmp[q] not in SEPARATORS:
        return ("err", errno.EINVAL)
    if neg:
        if value > (1 << 31):
            return ("err", errno.EINVAL)
        value = -value
    elif value > (1 << 31) - 1:
        return ("err", errno.EINVAL)
    if not lo <= value <= hi:
        return ("err", errno.EINVAL)
    p += q
    while p < left and payload[p] in SPACES:
        p += 1
    return ("ok", count - (left - p), value)


def payload(rng, lo, hi):
    """A write for a tunable of range LO..HI, well-formed or not."""
    kind = rng.random()
    if kind < 0.08:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 24)))
    if kind < 0.4:
        # Well-formed, as sysctl(8) and echo write it, or in another base.
        v = rng.randint(lo, hi)
        form = rng.choice(["%d", "%d\n", " %d\n", "0x%x", "0%o\n", "%d \n\n"])
        return (form % v).encode()
    n = rng.choice([lo, hi, lo - 1, hi + 1, 0, 1, -1, rng.randint(lo, hi),
                    rng.randint(lo, hi), rng.randint(-5, 40),
                    (1 << 31) - 1, 1 << 31, 1 << 32, (1 << 64) - 1, 1 << 64,
                    10 ** 20, 10 ** 25, -(1 << 31), -(1 << 31) - 1])
    sign = "-" if n < 0 else rng.choice(["", "", "", "+", "--", "- "])
    m = abs(n)
    body = rng.choice(["%d" % m, "%d" % m, "0x%x" % m, "0X%X" % m, "0%o" % m,
                       "0" * rng.randint(1, 22) + "%d" % m, "%d.0" % m,
                       "%de3" % m, "0x", "0x%xg" % m, "08", "%d" % m + "a",
                       "\u0661"])
    s = (sign + body).encode()
    if rng.random() < 0.4:
        s = bytes(rng.choice(SPACES) for _ in range(rng.randint(1, 4))) + s
    tail = rng.choice([b"", b"", b"\n", b" ", b"\t\n", b"\0", b"\0junk",
                       b" 2", b"\t7", b",1", b"\v", b"\xa0", b"\n\n",
                       b" " * rng.randint(0, 30), b"x"])
    if rng.random() < 0.02:
        tail = b" " * 5000
    return s + tail


def write(path, data):
    """One write(2) of DATA to PATH: ("ok", consumed) or ("err", errno)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return ("err", e.errno)
    try:
        return ("ok", os.write(fd, data))
    except OSError as e:
        return ("err", e.errno)
    finally:
        os.close(fd)


def read(path):
    with open(path) as f:
        return int(f.read())


def ip(*args, check=True):
    res = subprocess.run(("ip",) + args, capture_output=True, text=True)
    if check and res.returncode:
        raise RuntimeError("ip %s: %s" % (" ".join(args), res.stderr.strip()))
    return res.returncode


def conf(tree, entry, knob):
    return "/proc/sys/net/%s/conf/%s/%s" % (tree, entry, knob)


class Fuzz:
    def __init__(self, tap, rng):
        self.tap, self.rng = tap, rng
        self.entries = ["all", "default"] + STATIC
        self.want = {(t, e, k): read(conf(t, e, k)) for t in KNOBS
                     for e in self.entries for k in KNOBS[t]}
        self.kinds = {}
        self.errors = []

    def apply(self, tree, entry, knob, value):
        targets = self.entries[1:] if entry == "all" else [entry]
        if entry == "all":
            self.want[(tree, "all", knob)] = value
        for e in targets:
            self.want[(tree, e, knob)] = value

    def state_errors(self):
        return ["%s=%d, want %d" % (conf(*key), got, want)
                for key, want in self.want.items()
                for got in [read(conf(*key))] if got != want]

    def churn_write(self, index, tree, knob, data, want, rng=None):
        """A write to a device the churn makes, renames and deletes: the
        model's outcome (counted in landed), or ENOENT for a device that
        is not (or no longer) there."""
        entry = (rng or self.rng).choice(["ch%d" % i for i in range(8)] +
                                ["cr%d" % i for i in range(8)])
        got = write(conf(tree, entry, knob), data)
        if got == want[:2]:
            self.landed += 1
        elif got != ("err", errno.ENOENT):
            self.errors.append("write %d: %r to %s: %s, want %s or ENOENT"
                               % (index, data, conf(tree, entry, knob), got, want))

    def one(self, index, churn):
        rng = self.rng
        tree = rng.choice(sorted(KNOBS))
        knob = rng.choice(sorted(KNOBS[tree]))
        entry = rng.choice(self.entries)
        lo, hi = KNOBS[tree][knob]
        data = payload(rng, lo, hi)
        want = model(data, lo, hi)
        if churn and rng.random() < 0.25:
            self.churn_write(index, tree, knob, data, want)
            return
        got = write(conf(tree, entry, knob), data)
        oracle_want = model(data, 0, 2)
        oracle_got = write(ORACLE, data)
        if len(oracle_want) == 3 and oracle_got[0] == "ok":
            oracle_got += (read(ORACLE),)
        self.kinds[want[0]] = self.kinds.get(want[0], 0) + 1
        if oracle_got != oracle_want:
            self.errors.append("write %d: %r to kptr_restrict: kernel %s, model %s"
                               % (index, data, oracle_got, oracle_want))
        if got != want[:2]:
            self.errors.append("write %d: %r to %s: %s, want %s"
                               % (index, data, conf(tree, entry, knob), got, want))
        if len(want) == 3:
            self.apply(tree, entry, knob, want[2])
        bad = self.state_errors()
        if bad:
            self.errors.append("after write %d (%r to %s): %s"
                               % (index, data, conf(tree, entry, knob),
                                  "; ".join(bad[:4])))
            # Follow what is there, so one error is reported once.
            for key in self.want:
                self.want[key] = read(conf(*key))

    def run(self, n, churn, what):
        self.errors = []
        self.kinds = {}
        self.landed = 0
        for i in range(n):
            self.one(i, churn)
            if len(self.errors) >= 10:
                break
        for e in self.errors:
            self.tap.note(e)
        self.tap.result(not self.errors, "%s: %d writes (%s), each as the model says, "
                        "nothing half applied" % (what, n, ", ".join(
                            "%s %d" % kv for kv in sorted(self.kinds.items()))))
        if churn:
            self.churn_landed(n)

    def churn_landed(self, n):
        """Some writes must have found a churned device there: ENOENT
        alone would pass whatever the module did with the others.  More
        are made, for up to a minute, until one lands."""
        # Its own generator: how many it takes depends on timing, and
        # the writes after it must replay from PROXYARP_SEED.
        rng, errors = random.Random(SEED + 2), len(self.errors)
        tried, end = 0, time.monotonic() + 60
        while not self.landed and len(self.errors) == errors and time.monotonic() < end:
            tree = rng.choice(sorted(KNOBS))
            knob = rng.choice(sorted(KNOBS[tree]))
            lo, hi = KNOBS[tree][knob]
            data = payload(rng, lo, hi)
            self.churn_write(n + tried, tree, knob, data, model(data, lo, hi), rng)
            tried += 1
        for e in self.errors[errors:]:
            self.tap.note(e)
        self.tap.result(self.landed > 0 and len(self.errors) == errors,
                        "writes to churned devices: %d found one there, as the "
                        "model says (%d more made to find one)" % (self.landed, tried))


def churner(stop, rng, failures):
    """Devices come, are renamed, go to another namespace and back, go."""
    other = "fuzz-other-%d" % os.getpid()
    ip("netns", "add", other)
    i = 0
    try:
        while not stop.is_set():
            name, new = "ch%d" % (i % 8), "cr%d" % (i % 8)
            i += 1
            try:
                ip("link", "add", name, "type", "dummy")
                if rng.random() < 0.5:
                    ip("link", "set", name, "name", new)
                    name = new
                if rng.random() < 0.3:
                    ip("link", "set", name, "netns", other)
                    ip("-n", other, "link", "set", name, "netns", str(os.getpid()))
                ip("link", "del", name)
            except RuntimeError as e:
                failures.append(str(e))
                ip("link", "del", name, check=False)
    finally:
        ip("netns", "del", other, check=False)


def empty_writes(tap):
    """The writes proc_dointvec_minmax() accepts without parsing a value
    (an empty one; one past the start, which sysctl_writes_strict
    ignores) store nothing: not all's last value into every device."""
    bad = []
    for tree in sorted(KNOBS):
        values = lambda: [read(conf(tree, e, "max_rate")) for e in ("all", "default", "fz1")]
        path = conf(tree, "all", "max_rate")
        write(path, b"7")
        write(conf(tree, "fz1", "max_rate"), b"5")
        write(conf(tree, "default", "max_rate"), b"6")
        got = write(path, b"")
        if got != ("ok", 0) or values() != [7, 6, 5]:
            bad.append("%s: an empty write to all: %s, all/default/fz1 %s, want "
                       "('ok', 0), [7, 6, 5]" % (tree, got, values()))
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, b"8")
            write(conf(tree, "fz1", "max_rate"), b"5")
            late = os.write(fd, b"9")
        finally:
            os.close(fd)
        if late != 1 or values() != [8, 8, 5]:
            bad.append("%s: a second write to all: %d, all/default/fz1 %s, want 1, [8, 8, 5]"
                       % (tree, late, values()))
        write(conf(tree, "fz1", "max_rate"), b"")
        if read(conf(tree, "fz1", "max_rate")) != 5:
            bad.append("%s: an empty write changed fz1" % tree)
    for b in bad:
        tap.note(b)
    tap.result(not bad, "writes that parse nothing (empty, past the start) store nothing")


def tree_matches(tap):
    links = set(os.listdir("/sys/class/net"))
    ok = True
    for tree in KNOBS:
        confs = set(os.listdir("/proc/sys/net/%s/conf" % tree))
        if confs != links | {"all", "default"}:
            tap.note("%s: conf %s, devices %s" % (tree, sorted(confs), sorted(links)))
            ok = False
    tap.result(ok, "the trees list exactly the devices there are, and all, default")


def all_reaches(tap, rng):
    bad = []
    for tree in sorted(KNOBS):
        for knob, (lo, hi) in sorted(KNOBS[tree].items()):
            v = rng.randint(lo, hi)
            if write(conf(tree, "all", knob), b"%d\n" % v)[0] != "ok":
                bad.append("%s.all.%s: write failed" % (tree, knob))
                continue
            for e in os.listdir("/proc/sys/net/%s/conf" % tree):
                if e != "all" and read(conf(tree, e, knob)) != v:
                    bad.append("%s.%s.%s != %d" % (tree, e, knob, v))
    for b in bad[:10]:
        tap.note(b)
    tap.result(not bad, "after the churn, a write to all reaches every device and default")


def inner():
    tap = Tap()
    rng = random.Random(SEED)
    tap.note("seed %d (replay: PROXYARP_SEED=%d make check TESTS=fuzz.py)" % (SEED, SEED))
    for name in STATIC:
        ip("link", "add", name, "type", "dummy")
    ip("link", "set", "fz0", "up")
    saved = read(ORACLE)
    try:
        empty_writes(tap)
        fuzz = Fuzz(tap, rng)
        alone = WRITES * 2 // 3
        fuzz.run(alone, False, "alone")

        stop, failures = threading.Event(), []
        t = threading.Thread(target=churner, args=(stop, random.Random(SEED + 1), failures))
        t.start()
        try:
            fuzz.run(WRITES - alone, True, "beside devices created, renamed, moved, deleted")
        finally:
            stop.set()
            t.join()
        for f in failures[:5]:
            tap.note("churn: " + f)
        tap.result(not failures, "the churn itself ran without an error")
        tree_matches(tap)
        all_reaches(tap, rng)
    finally:
        write(ORACLE, b"%d" % saved)
    print("1..%d" % tap.n)
    return KSFT_FAIL if tap.failed else KSFT_PASS


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inner":
        return inner()
    if os.geteuid():
        print("# SKIP: needs root")
        return KSFT_SKIP
    if not os.path.isdir("/sys/module/proxyarp"):
        subprocess.run(["insmod", KO], check=True)
    ns = "fuzz-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable,
                               os.path.abspath(__file__), "--inner"]).returncode
    finally:
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    sys.exit(main())
