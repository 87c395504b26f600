#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""faults.py: every allocation the module makes, failed, one at a time,
then at random under load; the module survives each and says so.

Needs a kernel with fault injection (make check-debug's): failslab,
fail_page_alloc and the module's own fail_proxyarp (module/fault.c, the
per-CPU counters' allocation), all scoped by the stack filter to the
module's text (every address above the kernel image: the debug kernel
has no other module), so that only allocations the module asks for,
directly or through the kernel (a sysctl table, a proc file, a hook, an
xarray node), can fail.  Debian's kernels have none of it: SKIP there.

1. One at a time (/proc/PID/fail-nth): each operation that makes the
   module allocate (insmod, creating a device at default's mode 0 and
   1, renaming and moving one, creating a namespace, the first mode
   write of each family and entry, adding an address, adding host
   routes, rmmod) is run with its Nth allocation failed, for N = 1,
   2, ... until it runs with none failed.  Each injection is
   asserted made (a fault attribute's "times" went down, or the
   forced-failure dump is in the log), attributed to its site (the
   innermost frame of the module on the dumped stack, and the kernel
   function it called), and followed by: no splat in the kernel log,
   the operation refused or applied whole (its own check), the trees
   and counters of every namespace listing exactly the devices there
   (or the log line naming a device the module could not set up), the
   kernel's own ARP answering on the device, the module answering.
   After each operation's series: rmmod, insmod, kmemleak.
2. In softirq (no fail-nth there): the next allocation under the
   module fails (failslab's cache-filter narrowing it to one kind of
   object where another would come first) while one request is asked:
   ARP's reply built by arp_create() (a packet socket on the device
   makes the request shared), the same from the delay queue's timer,
   a new asker's entry, a gratuitous sender's, a tunnel reply's
   metadata; NDP's advertisement, its route, a new asker's entry, a
   route's per-CPU copy, a nonlinear solicitation made linear.  The
   failure must be that site; the request's outcome, and the next
   one's, are asserted; kmemleak.
3. At random: a probability on all three attributes while devices are
   created, renamed, moved and deleted, namespaces come and go, modes
   are written, addresses change, requests arrive and the module is
   unloaded and loaded; then the same checks, rmmod, insmod, kmemleak.

The last lines list, per site, the injections made and their outcomes;
every site of REQUIRED must have had one.

    PROXYARP_FAULT_SECONDS (default 120): the random phase's length,
    PROXYARP_FAULT_OPS (default 30): and its fewest operations (a
    loaded machine ran 4 in 120 s, and made no injection).
    PROXYARP_FAULT_PERCENT (default 10): its probability.
    PROXYARP_FAULT_ONLY=random: the random phase alone; =softirq: the
    softirq sites alone; =NAME (rmmod, "create a device", ...): that
    one-at-a-time series alone.
    PROXYARP_SEED replays the random phase's choices.
"""

import collections
import contextlib
import ctypes
import itertools
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

from ksft import KO, KSFT_FAIL, KSFT_PASS, KSFT_SKIP, SEED, TOP, Tap

DEBUGFS = "/sys/kernel/debug"
KMEMLEAK = DEBUGFS + "/kmemleak"
ATTRS = ("failslab", "fail_page_alloc", "fail_proxyarp")
SECONDS = int(os.environ.get("PROXYARP_FAULT_SECONDS", "120"))
MIN_OPS = int(os.environ.get("PROXYARP_FAULT_OPS", "30"))
PERCENT = int(os.environ.get("PROXYARP_FAULT_PERCENT", "10"))
# PROXYARP_FAULT_ONLY=random or softirq: that phase alone; =NAME: the
# series of that name alone (to iterate on one).
ONLY = os.environ.get("PROXYARP_FAULT_ONLY", "")
ARPQ = os.path.join(TOP, "tools", "arpq")
NDPQ = os.path.join(TOP, "tools", "ndpq")
MAX_NTH = 400
# Above the kernel's image, below the fixmap: the module area.
MODULES_END = 0xffffffffff000000
kernel_end = MODULES_END
kmemleak_text = (0, 0)

NODE, LAN, OTHER = "fi-node", "fi-lan", "fi-other"
TREES = ("proxyarp", "proxyndp")
# The node's VLAN side, the LAN's end, the routed prefixes behind dm0.
VN, VL = "vn0", "vl0"
NODE4, LAN4, PROXIED4 = "192.0.2.1", "192.0.2.50", "198.51.100.7"
NODE6, LAN6, PROXIED6 = "2001:db8:1::1", "2001:db8:1::50", "2001:db8:2::7"

# Every allocation and registration of module/ that can fail, as the
# dumped stack names it: the module's innermost frame (static helpers
# may be inlined into their caller), the kernel function it called (a
# sibling call leaves the function it went through off the stack);
# then a key (softirq() names the one it must hit) and what it is.
REQUIRED = (
    (r"proxyarp_addr_(add|event|net_init)", r"__kmalloc", "mirror",
     "addr.c: the address mirror's entry"),
    (r"proxyarp_(dev_add|dev_register|netdev_event)", r"__kmalloc", "device",
     "device.c: the per-device state"),
    (r"proxyarp_(stats_alloc|fdev_want_stats|fdev_init|conf_all_stats|sysctl_\w+)", r"should_fail",
     "device counters", "stats.c: a device's per-CPU counters (fail_proxyarp)"),
    (r"proxyarp_stats_(alloc|net_init)", r"should_fail", "namespace counters",
     "stats.c: a namespace's per-CPU counters (fail_proxyarp)"),
    (r"proxyarp_stats_net_init", r"proc_create_net_single", "proc",
     "stats.c: /proc/net/stat/proxyarp and proxyndp"),
    (r"proxyarp_(route\w*|fib_event)", r"__kmalloc", "route index",
     "routes.c: a host route's index entry (the route stays, not announced; a warning)"),
    (r"proxyarp_sysctl_register", r"__kmalloc", "table", "sysctl.c: the table's copy"),
    (r"proxyarp_sysctl_register", r"__register_sysctl_table|register_net_sysctl",
     "directory", "sysctl.c: a directory (device, rename, all, default)"),
    (r"proxyarp_\w+", r"nf_register_net_hook", "hook",
     "family.c: the hook, on the first mode write"),
    (r"proxyarp_init", r"register_pernet_subsys", "pernet",
     "main.c: the per-namespace state"),
    (r"proxyarp_\w+", r"neigh_event_ns", "asker",
     "arp_hook.c: the asker's neighbour entry (the reply goes without)"),
    (r"proxyarp_(note_asker|arp_in)", r"_+neigh_create", "garp",
     "arp_hook.c: a refused gratuitous request's sender, under arp_accept"),
    (r"proxyarp_\w+", r"arp_create", "reply", "arp_reply.c: the reply to a shared request"),
    (r"proxyarp_\w+", r"iptunnel_metadata_reply", "tunnel",
     "arp_reply.c: a tunnel reply's metadata (the tunnel drops the reply)"),
    (r"proxyarp_ndp_\w+", r"__pskb_pull_tail", "pull",
     "ndp_hook.c: a nonlinear solicitation made linear (else the kernel's)"),
    (r"proxyarp_ndp_\w+", r"ip6_route_input_lookup|fib6_rule_lookup", "route copy",
     "ndp_decision.c: a route's per-CPU copy (else no route: refused)"),
    (r"proxyarp_ndp_\w+", r"_+neigh_create", "ndp asker",
     "ndp_reply.c: the asker's neighbour entry (unanswered, as the kernel)"),
    (r"proxyarp_ndp_\w+", r"__alloc_skb|alloc_skb", "advertisement",
     "ndp_reply.c: the advertisement"),
    (r"proxyarp_ndp_\w+", r"ndisc_send_skb", "advertisement route",
     "ndp_reply.c: the advertisement's route"),
    (r"proxyarp_fault_init", r"fault_create_debugfs_attr", "debugfs",
     "fault.c: the debugfs knobs (a failure leaves fail-nth only)"),
)
# What cannot fail, and why (listed in the report).
UNREACHABLE = {
    "proxyarp_addr_init": "register_inetaddr_notifier() allocates nothing and "
                          "fails only for a notifier already registered",
    "proxyarp_device_init": "register_netdevice_notifier() allocates nothing; its "
                            "failures are the replayed NETDEV_REGISTER (device sites)",
    "proxyarp_init": "register_pernet_subsys() fails only in the namespace "
                     "inits it runs (the namespace sites)",
    "proxyarp_delay_enqueue": "the delay queue holds the request itself: no allocation",
    "proxyarp_dev_add xa_insert()": "its node is allocated GFP_NOWAIT | __GFP_NOWARN "
                                         "under the lock, then, if that fails, GFP_KERNEL: "
                                         "one failure is absorbed (the undumped injections "
                                         "of the namespace series), -ENOMEM needs two in a "
                                         "row (the random phase)",
}

SPLAT = re.compile(r"WARNING:|BUG:|Oops|general protection|refcount_t|RCU|stall|"
                   r"unreferenced object|KASAN|UBSAN|kernel BUG|corruption|lockdep|"
                   r"possible recursive locking|circular locking|"
                   r"scheduling while atomic|leak")
FRAME = re.compile(r"^\s*(\? )?([A-Za-z0-9_.]+)\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[(\w+)\])?")

PROGRESS = os.environ.get("PROXYARP_FAULT_LOG")
T0 = time.monotonic()
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
tap = Tap()
injections = collections.defaultdict(collections.Counter)
host_ns = os.open("/proc/self/ns/net", os.O_RDONLY)


class Ns:
    """with Ns(name): this thread in namespace NAME (None: the host's)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        if self.name:
            fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
            try:
                if libc.setns(fd, CLONE_NEWNET):
                    raise OSError(ctypes.get_errno(), "setns " + self.name)
            finally:
                os.close(fd)

    def __exit__(self, *exc):
        if self.name and libc.setns(host_ns, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns back")


def progress(text):
    """A line to PROXYARP_FAULT_LOG, if set, as the run goes."""
    if PROGRESS:
        with open(PROGRESS, "a") as f:
            f.write("%7.1f %s\n" % (time.monotonic() - T0, text))


def run(args, ns=None, nth=0, check=False, cpu=None):
    """ARGS in NS with its NTH allocation under the module failed, on
    CPU if given; (returncode, output)."""

    def arm():
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        if nth:
            fd = os.open("/proc/self/fail-nth", os.O_WRONLY)
            os.write(fd, b"%d" % nth)
            os.close(fd)

    with Ns(ns):
        res = subprocess.run(args, capture_output=True, text=True, preexec_fn=arm)
    if check and res.returncode:
        raise RuntimeError("%s: %s" % (" ".join(args), res.stderr.strip()))
    return res.returncode, (res.stdout + res.stderr).strip()


def ip(*args, ns=None, nth=0, check=True):
    return run(("ip",) + args, ns=ns, nth=nth, check=check)


def write_sh(path, value, ns, nth=0):
    """echo VALUE >PATH from a shell in NS, as an operator would."""
    return run(("sh", "-c", "echo %s >%s" % (value, path)), ns=ns, nth=nth)


def knob(ns, tree, entry, name):
    with Ns(ns):
        try:
            with open("/proc/sys/net/%s/conf/%s/%s" % (tree, entry, name)) as f:
                return int(f.read())
        except FileNotFoundError:
            return None


def write_ok(path, value, ns):
    """write_sh(), which must succeed."""
    rc, out = write_sh(path, value, ns)
    if rc:
        raise RuntimeError("%s=%s: %s" % (path, value, out))


def set_knob(ns, tree, entry, name, value):
    write_ok("/proc/sys/net/%s/conf/%s/%s" % (tree, entry, name), value, ns)


def fi_path(attr, name):
    return "%s/%s/%s" % (DEBUGFS, attr, name)


def fi_set(attr, name, value):
    path = fi_path(attr, name)
    if os.path.exists(path):
        with open(path, "w") as f:
            f.write(str(value))


def fi_times():
    out = {}
    for attr in ATTRS:
        try:
            with open(fi_path(attr, "times")) as f:
                out[attr] = int(f.read())
        except FileNotFoundError:
            pass
    return out


def module_loaded():
    return os.path.isdir("/sys/module/proxyarp")


def scope(attr, percent=0, times=1 << 30, verbose=2, task=False, caches=False):
    """ATTR fails only what the module asks for; PERCENT at random;
    failslab with CACHES, only from the slab caches marked (mark())."""
    if not os.path.isdir("%s/%s" % (DEBUGFS, attr)):
        return
    start = 0
    if attr != "fail_proxyarp":
        start = kernel_end
        fi_set(attr, "stacktrace-depth", 32)
        fi_set(attr, "ignore-gfp-wait", "N")
    if attr == "failslab":
        fi_set(attr, "cache-filter", "Y" if caches else "N")
    if attr == "fail_page_alloc":
        fi_set(attr, "ignore-gfp-highmem", "N")
        fi_set(attr, "min-order", 0)
    if start:
        # Not kmemleak's own metadata, allocated inside the module's
        # allocations (__GFP_NOWARN; it falls back to its pool).
        fi_set(attr, "reject-start", kmemleak_text[0])
        fi_set(attr, "reject-end", kmemleak_text[1])
    fi_set(attr, "require-start", start)
    fi_set(attr, "require-end", 0xffffffffffffffff if not start else MODULES_END)
    fi_set(attr, "task-filter", "Y" if task else "N")
    fi_set(attr, "interval", 1)
    fi_set(attr, "space", 0)
    fi_set(attr, "verbose", verbose)
    fi_set(attr, "times", times)
    fi_set(attr, "probability", percent)


def scope_all(**kw):
    for attr in ATTRS:
        scope(attr, **kw)


class Log:
    """The kernel's log records since the last read, from /dev/kmsg."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def read(self):
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192).decode(errors="replace")
            except BlockingIOError:
                return lines
            except BrokenPipeError:
                lines.append("(kernel log records overwritten before read)")
                continue
            # "PRI,SEQ,TS,FLAGS;TEXT\n", then " KEY=VALUE" lines; a
            # newline inside TEXT is escaped.
            text = rec.partition(";")[2].split("\n", 1)[0]
            lines.extend(text.replace("\\x0a", "\n").split("\n"))


def dumps_and_splats(lines):
    """The sites of the forced failures in LINES, and the lines that are
    a splat: not part of a forced-failure dump or an allocation-failure
    report (warn_alloc, SLUB's), which an injection rightly causes."""
    sites, splats = [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "FAULT_INJECTION: forcing a failure" in line:
            name = ""
            frames = []
            i += 1
            while i < len(lines) and "</TASK>" not in lines[i] and \
                    "FAULT_INJECTION" not in lines[i]:
                m = FRAME.match(lines[i])
                if lines[i].startswith("name "):
                    name = lines[i].split(",")[0][5:]
                elif m and not m.group(1):
                    frames.append((m.group(2), m.group(3)))
                i += 1
            sites.append((name, site_of(frames)))
            continue
        if SPLAT.search(line):
            splats.append(line)
        i += 1
    return sites, splats


def site_of(frames):
    """(module function, kernel callee, module caller) of a stack.
    proxyarp_should_fail() is the fault point, not a site: its caller
    is (a sibling call leaves it off the stack; under gcov, which keeps
    it on, it is named should_fail, the kernel's point it calls)."""
    k = next((k for k, (fn, _) in enumerate(frames) if fn == "proxyarp_should_fail"), None)
    if k is not None:
        frames = [("should_fail", "")] + frames[k + 1:]
    for k, (fn, mod) in enumerate(frames):
        if mod == "proxyarp":
            callee = frames[k - 1][0] if k else "?"
            caller = next((f for f, m in frames[k + 1:] if m == "proxyarp"), "")
            return (fn, callee, caller)
    return ("(no module frame)", frames[0][0] if frames else "?", "")


def required_of(label):
    """The entries of REQUIRED that LABEL ("fn -> callee ...") is."""
    fn, _, rest = label.partition(" -> ")
    callee = rest.split(" ")[0]
    return [k for k, (f, c, _, _) in enumerate(REQUIRED)
            if re.fullmatch(f, fn) and re.match(c, callee)]


def required_key(key):
    """The index in REQUIRED of KEY."""
    return next(k for k, r in enumerate(REQUIRED) if r[2] == key)


# -- The world the injections run in ---------------------------------------

MACS = {}


def lan_mac():
    """vn0's MAC (sysfs shows the namespace it was mounted in: ask ip)."""
    if VN not in MACS:
        out = ip("-n", NODE, "-o", "link", "show", "dev", VN)[1]
        MACS[VN] = re.search(r"link/ether ([0-9a-f:]+)", out).group(1)
    return MACS[VN]


def netns_exists(name):
    return os.path.exists("/run/netns/" + name)


def setup():
    for ns in (NODE, LAN, OTHER):
        if not netns_exists(ns):
            ip("netns", "add", ns)
    ip("-n", NODE, "link", "add", VN, "type", "veth", "peer", "name", VL, "netns", LAN)
    ip("-n", NODE, "addr", "add", NODE4 + "/24", "dev", VN)
    ip("-n", NODE, "addr", "add", NODE6 + "/64", "dev", VN, "nodad")
    ip("-n", LAN, "addr", "add", LAN4 + "/24", "dev", VL)
    ip("-n", LAN, "addr", "add", LAN6 + "/64", "dev", VL, "nodad")
    ip("-n", NODE, "link", "add", "dm0", "type", "dummy")
    for ns, dev in ((NODE, VN), (NODE, "dm0"), (LAN, VL), (NODE, "lo"), (LAN, "lo")):
        ip("-n", ns, "link", "set", dev, "up")
    ip("-n", NODE, "route", "add", "198.51.100.0/24", "dev", "dm0")
    ip("-n", NODE, "route", "add", "2001:db8:2::/64", "dev", "dm0")
    write_sh("/proc/sys/net/ipv4/conf/all/forwarding", 1, NODE)
    write_sh("/proc/sys/net/ipv6/conf/all/forwarding", 1, NODE)
    write_sh("/proc/sys/net/ipv4/neigh/%s/proxy_delay" % VN, 0, NODE)


def baseline():
    """The module loaded, answering for the routed prefixes on vn0."""
    if not module_loaded():
        run(("insmod", KO), check=True)
    scope_all()
    for tree in TREES:
        set_knob(NODE, tree, VN, "mode", 1)


def ask(sip=LAN4, tip=PROXIED4, dev=VL):
    """The MACs that answered a who-has TIP from the LAN's DEV."""
    rc, out = run((ARPQ, "-i", dev, "-s", sip, "-w", "400", tip), ns=LAN)
    return [line.split()[3] for line in out.splitlines() if line.startswith("reply")]


def ask6(tip=PROXIED6, cpu=None):
    """The advertisements for TIP, asked from the LAN; from CPU, the CPU
    whose softirq takes the solicitation in the node (veth)."""
    rc, out = run(("python3", NDPQ, "-i", VL, "-s", LAN6, "-w", "400", tip), ns=LAN,
                  cpu=cpu)
    return [line for line in out.splitlines() if line.startswith("reply")]


def tree_state(ns):
    """Per tree: the entries of conf/, and the rows of the counters."""
    with Ns(ns):
        devs = set(n for _, n in socket.if_nameindex())
        trees = {}
        for tree in TREES:
            try:
                conf = set(os.listdir("/proc/sys/net/%s/conf" % tree))
            except FileNotFoundError:
                conf = None
            try:
                with open("/proc/net/stat/%s" % tree) as f:
                    rows = set(line.split()[0] for line in f.read().splitlines()[1:])
            except FileNotFoundError:
                rows = None
            trees[tree] = (conf, rows)
    return devs, trees


class World:
    """What the module said it could not set up, since it loaded."""

    def __init__(self):
        self.unset = set()       # devices the log named, any namespace
        self.uncounted = set()   # (tree, device) the log said start at mode 0
        self.inexact = False     # the address mirror's fallback
        self.unindexed = 0       # host routes the log said are not indexed
        self.dumped = False      # the last operation's failure was dumped

    def loaded(self):
        self.unset.clear()
        self.uncounted.clear()
        self.inexact = False

    def note(self, lines):
        for line in lines:
            m = re.search(r"proxyarp: (\S+): no state for the device", line)
            if m:
                self.unset.add(m.group(1))
            m = re.search(r"proxyarp: (\S+): no memory for its (\w+) counters: mode 0", line)
            if m:
                self.uncounted.add((m.group(2), m.group(1)))
            if "sender addresses now checked the slow way" in line:
                self.inexact = True
            if re.search(r"proxyarp: a host route in table \d+ not indexed", line):
                self.unindexed += 1

    def consistent(self):
        """The trees and counters of every namespace against its devices:
        errors, empty when consistent."""
        errs = []
        for ns in (None, NODE, LAN, OTHER):
            if ns and not netns_exists(ns):
                continue
            devs, trees = tree_state(ns)
            for tree, (conf, rows) in trees.items():
                if conf is None or rows is None:
                    errs.append("%s: no %s tree or counters" % (ns or "host", tree))
                    continue
                entries = conf - {"all", "default"}
                missing = devs - entries - self.unset
                extra = entries - devs
                if missing or extra or not {"all", "default"} <= conf:
                    errs.append("%s %s: devices %s, conf %s" %
                                (ns or "host", tree, sorted(devs), sorted(conf)))
                if not rows - {"all"} <= devs:
                    errs.append("%s %s: counter rows %s" % (ns or "host", tree, sorted(rows)))
        return errs


world = World()
log = None


def kernel_arp_ok():
    return ask(tip=NODE4) == [lan_mac()]


def module_arp_ok():
    return knob(NODE, "proxyarp", VN, "mode") == 1 and ask() == [lan_mac()]


def kmemleak_clean(what):
    """A scan, twice (an object must be older than 5 s and seen
    unreferenced by a scan): nothing reported since the last clear."""
    if not os.path.exists(KMEMLEAK):
        tap.result(False, "%s: kmemleak is there" % what)
        return
    time.sleep(6)
    for _ in range(2):
        with open(KMEMLEAK, "w") as f:
            f.write("scan")
    with open(KMEMLEAK) as f:
        report = f.read()
    with open(KMEMLEAK, "w") as f:
        f.write("clear")
    if report:
        tap.note(report[:4000])
    tap.result(not report, "%s: kmemleak reports nothing" % what)


# -- One at a time ---------------------------------------------------------

class Series:
    """An operation, failed at its Nth allocation for N = 1, 2, ..."""

    def __init__(self, name, op, check, before=None, undo=None, module=True,
                 arp=True, after=None):
        self.name = name
        self.arp = arp          # the topology is there: ask
        self.op = op            # nth -> (rc, output)
        self.check = check      # rc -> list of errors
        self.before = before    # the operation's precondition, set up
        self.undo = undo        # back to the precondition
        self.module = module    # the module is loaded for it
        self.after = after      # once the series is done

    def one(self, nth):
        if self.before:
            self.before()
        times = fi_times()
        rc, out = self.op(nth)
        after = fi_times()
        lines = log.read()
        sites, splats = dumps_and_splats(lines)
        world.note(lines)
        world.dumped = bool(sites)
        fired = [a for a in after if a in times and after[a] < times[a]]
        return rc, out, sites, splats, fired

    def walk(self):
        made = 0
        errors = []
        for nth in range(1, MAX_NTH + 1):
            rc, out, sites, splats, fired = self.one(nth)
            progress("%s nth %d rc %d %s %s" % (self.name, nth, rc, fired,
                                               [site_label(s) for _, s in sites]))
            if not sites and not fired:
                # Nothing failed: the operation ran whole.
                errs = self.check(rc, out, True)
                if self.undo:
                    self.undo()
                tap.result(not errs, "%s: runs whole after %d injection(s)%s" %
                           (self.name, made, "".join("; " + e for e in errs)))
                break
            made += 1
            names = sites or [(a, ("(no dump: __GFP_NOWARN)", "", "")) for a in fired]
            if len(names) != 1:
                errors.append("nth %d: %d failures forced, one asked: %s" %
                              (nth, len(names), names))
            errs = self.check(rc, out, False)
            errs += ["splat: " + s for s in splats]
            if module_loaded():
                errs += world.consistent()
            elif self.module:
                errs.append("module gone")
            if self.arp and not kernel_arp_ok():
                errs.append("the kernel's ARP does not answer on %s" % VN)
            for attr, site in names:
                injections[site_label(site)][("refused" if rc else "applied") +
                                             (", errors" if errs else "")] += 1
                injections[site_label(site)]["_attr:" + attr] += 1
            if errs:
                errors.append("nth %d (%s, rc %d): %s" %
                              (nth, site_label(names[0][1]), rc, "; ".join(errs)))
            if self.undo:
                self.undo()
        else:
            tap.result(False, "%s: still failing at nth %d" % (self.name, MAX_NTH))
        for e in errors[:20]:
            tap.note(e)
        tap.result(not errors and made > 0,
                   "%s: %d injection(s), each refused whole or applied, no splat, "
                   "trees consistent, ARP answered" % (self.name, made))
        if self.after:
            self.after()


def site_label(site):
    fn, callee, caller = site
    return "%s -> %s%s" % (fn, callee, " (from %s)" % caller if caller else "")


def gone_cleanly():
    errs = []
    if module_loaded():
        errs.append("/sys/module/proxyarp still there")
    for ns in (None, NODE):
        if ns and not netns_exists(ns):
            continue
        devs, trees = tree_state(ns)
        for tree, (conf, rows) in trees.items():
            if conf is not None or rows is not None:
                errs.append("%s: /proc/sys/net/%s or /proc/net/stat/%s left" %
                            (ns or "host", tree, tree))
    if os.path.exists(DEBUGFS + "/fail_proxyarp"):
        errs.append("debugfs fail_proxyarp left")
    return errs


def series_insmod():
    def before():
        if module_loaded():
            run(("rmmod", "proxyarp"), check=True)

    def op(nth):
        rc, out = run(("insmod", KO), nth=nth)
        if not rc:
            world.loaded()
        return rc, out

    def check(rc, out, whole):
        if rc:
            return gone_cleanly()
        world.loaded()
        return world.consistent()

    # Run first, in the host's namespace alone: each try replays every
    # device of every namespace.
    return Series("insmod", op, check, before=before, module=False, arp=False)


# The rmmod series puts an nftables chain beside each of the module's
# hooks in NODE (family, hook point), so that unloading does not
# unregister the last hook of those points: then the kernel shrinks the
# point's array (proxyarp_hooks_unregister -> nf_unregister_net_hooks,
# dumped, one per family), all the module's exit asks for.  The others
# made under its frames are the debug kernel's: debugobjects' fill_pool()
# refilling its pool from the call_rcu()s of the module's frees
# (__GFP_NOWARN, undumped; their number follows the pool's level, so a
# try's Nth allocation falls on the shrink only now and then).  Named
# by a kretprobe on should_failslab with a stack, 2026-12-03.
RMMOD_HOOKS = (("arp", "input"), ("ip6", "prerouting"))


def series_rmmod():
    def before():
        if not module_loaded():
            run(("insmod", KO), check=True)
            world.loaded()
            baseline()
        for family, hook in RMMOD_HOOKS:
            run(("nft", "add table %s fi_rmmod { chain c { type filter hook %s "
                 "priority 0; }; }" % (family, hook)), ns=NODE, check=True)

    def op(nth):
        return run(("rmmod", "proxyarp"), nth=nth)

    def check(rc, out, whole):
        return gone_cleanly() if not rc else ["rmmod refused: " + out]

    def undo():
        before()

    def after():
        for family, _ in RMMOD_HOOKS:
            run(("nft", "delete", "table", family, "fi_rmmod"), ns=NODE, check=True)

    return Series("rmmod", op, check, before=before, undo=undo, module=False,
                  after=after)


def series_create():
    """A device is never refused: one the module cannot set up is
    created without its tunables, and the log names it."""
    def op(nth):
        return ip("-n", NODE, "link", "add", "fi0", "type", "dummy", nth=nth, check=False)

    def check(rc, out, whole):
        devs, trees = tree_state(NODE)
        errs = []
        if rc:
            errs.append("ip link add refused: " + out)
        elif "fi0" not in devs:
            errs.append("fi0 not there")
        elif knob(NODE, "proxyarp", "fi0", "max_rate") is None and "fi0" not in world.unset:
            errs.append("fi0 created without its tunables and without a log line")
        elif whole and "fi0" in world.unset:
            errs.append("nothing failed, yet fi0 has no state")
        return errs

    def undo():
        ip("-n", NODE, "link", "del", "fi0", check=False)
        world.unset.discard("fi0")

    return Series("create a device", op, check, undo=undo)


def series_create_default():
    """A device created while default's mode is 1: its counters come at
    registration; without them it starts at mode 0, and the log says so."""
    def before():
        for tree in TREES:
            set_knob(NODE, tree, "default", "mode", 1)

    def op(nth):
        return ip("-n", NODE, "link", "add", "fi4", "type", "dummy", nth=nth, check=False)

    def check(rc, out, whole):
        errs = []
        if rc:
            return ["ip link add refused: " + out]
        if "fi4" in world.unset:
            return ["nothing failed, yet fi4 has no state"] if whole else []
        for tree in TREES:
            mode = knob(NODE, tree, "fi4", "mode")
            if mode == 1 or (mode == 0 and (tree, "fi4") in world.uncounted):
                continue
            errs.append("%s: fi4 at mode %s%s" % (tree, mode, "" if mode else
                                                   ", without a log line"))
        if whole and world.uncounted:
            errs.append("nothing failed, yet %s started at mode 0" % world.uncounted)
        return errs

    def undo():
        ip("-n", NODE, "link", "del", "fi4", check=False)
        world.unset.discard("fi4")
        world.uncounted.clear()
        for tree in TREES:
            set_knob(NODE, tree, "default", "mode", 0)

    return Series("create a device at default's mode 1", op, check, before=before,
                  undo=undo)


def series_rename():
    def before():
        ip("-n", NODE, "link", "add", "fi1", "type", "dummy")
        for tree in TREES:
            set_knob(NODE, tree, "fi1", "max_rate", 123)

    def op(nth):
        return ip("-n", NODE, "link", "set", "fi1", "name", "fi2", nth=nth, check=False)

    def check(rc, out, whole):
        devs, _ = tree_state(NODE)
        old, new = ("fi1", "fi2") if rc else ("fi2", "fi1")
        errs = []
        if old not in devs or new in devs:
            errs.append("rc %d, devices %s" % (rc, sorted(devs)))
        for tree in TREES:
            if knob(NODE, tree, old, "max_rate") != 123:
                errs.append("%s: %s lost its max_rate" % (tree, old))
            if knob(NODE, tree, new, "max_rate") is not None:
                errs.append("%s: %s has a directory" % (tree, new))
        return errs

    def undo():
        for name in ("fi1", "fi2"):
            ip("-n", NODE, "link", "del", name, check=False)

    return Series("rename a device", op, check, before=before, undo=undo)


def series_move():
    def before():
        ip("-n", NODE, "link", "add", "fi3", "type", "dummy")

    def op(nth):
        return ip("-n", NODE, "link", "set", "fi3", "netns", OTHER, nth=nth, check=False)

    def check(rc, out, whole):
        here, _ = tree_state(NODE)
        there, _ = tree_state(OTHER)
        errs = []
        if rc:
            if "fi3" not in here:
                errs.append("refused, yet fi3 left")
        elif "fi3" not in there:
            errs.append("moved, yet fi3 is not in %s" % OTHER)
        elif knob(OTHER, "proxyarp", "fi3", "mode") is None and "fi3" not in world.unset:
            errs.append("fi3 moved without tunables and without a log line")
        elif whole and "fi3" in world.unset:
            errs.append("nothing failed, yet fi3 has no state")
        return errs

    def undo():
        ip("-n", NODE, "link", "del", "fi3", check=False)
        ip("-n", OTHER, "link", "del", "fi3", check=False)
        world.unset.discard("fi3")

    return Series("move a device to another namespace", op, check,
                  before=before, undo=undo)


def series_netns():
    def op(nth):
        return ip("netns", "add", "fi-new", nth=nth, check=False)

    def check(rc, out, whole):
        if rc:
            return ["fi-new left after a refusal"] if netns_exists("fi-new") else []
        devs, trees = tree_state("fi-new")
        # lo is never refused: without its state it is in the log.
        want = {"all", "default"} if "lo" in world.unset and not whole else \
            {"all", "default", "lo"}
        errs = []
        for tree, (conf, rows) in trees.items():
            if conf != want or rows is None:
                errs.append("fi-new %s: conf %s, counters %s" % (tree, conf, rows))
        return errs

    def undo():
        if netns_exists("fi-new"):
            ip("netns", "del", "fi-new", check=False)
        world.unset.discard("lo")

    return Series("create a namespace", op, check, undo=undo)


def series_mode(tree, entry):
    """The first mode write of TREE in NODE (the hook registered)."""
    devices = ("lo", VN, "dm0")

    def before():
        for e in ("all", "default") + devices:
            set_knob(NODE, tree, e, "mode", 0)

    def op(nth):
        return write_sh("/proc/sys/net/%s/conf/%s/mode" % (tree, entry), 1, NODE, nth=nth)

    def check(rc, out, whole):
        want = 0 if rc else 1
        errs = []
        reach = devices + ("default",) if entry == "all" else ()
        for e in (entry,) + reach:
            if knob(NODE, tree, e, "mode") != want:
                errs.append("%s.%s.mode is %s, not %d" %
                            (tree, e, knob(NODE, tree, e, "mode"), want))
        answers = len(ask() if tree == "proxyarp" else ask6())
        answered = (entry in (VN, "all")) and not rc
        if answers != int(answered):
            errs.append("%d answer(s) for the routed target, %d expected" %
                        (answers, int(answered)))
        if whole and rc:
            errs.append("refused with nothing failed: " + out)
        return errs

    def undo():
        before()
        set_knob(NODE, tree, VN, "mode", 1)

    return Series("first %s mode write, %s" % (tree, entry), op, check,
                  before=before, undo=undo)


def series_addr():
    def op(nth):
        return ip("-n", NODE, "addr", "add", "192.0.2.9/24", "dev", VN, nth=nth, check=False)

    def check(rc, out, whole):
        errs = []
        if rc:
            errs.append("address refused: " + out)
        # The node's own address as a sender is refused, exact mirror or not.
        if ask(sip="192.0.2.9"):
            errs.append("a request from the node's new address was answered%s" %
                        (" (the slow path)" if world.inexact else ""))
        if not module_arp_ok():
            errs.append("the module does not answer")
        if not whole and not world.inexact:
            errs.append("no log line for the mirror's fallback")
        return errs

    def undo():
        ip("-n", NODE, "addr", "del", "192.0.2.9/24", "dev", VN, check=False)

    return Series("add an address", op, check, undo=undo)


# Outside the node's routed prefixes: answered only through the routes.
HOST4, HOST6 = "203.0.113.77", "2001:db8:4::77"
HOST_ROUTES = "route add %s/32 dev dm0\nroute add %s/128 dev dm0\n" % (HOST4, HOST6)


def series_routes():
    """Host routes, one a family, in one process: the FIB notifier runs
    in it and indexes each (routes.c); a failure leaves the route, not
    indexed (not announced), and a warning."""
    batch = "/run/proxyarp-faults-routes"

    def before():
        with open(batch, "w") as f:
            f.write(HOST_ROUTES)
        world.unindexed = 0

    def op(nth):
        return ip("-n", NODE, "-batch", batch, nth=nth, check=False)

    def check(rc, out, whole):
        errs = []
        if rc:
            errs.append("routes refused: " + out)
        for fam, addr in (("-4", HOST4), ("-6", HOST6)):
            if addr not in ip("-n", NODE, fam, "route", "show", addr, check=False)[1]:
                errs.append("no route for " + addr)
        na = ask6(tip=HOST6)
        if ask(tip=HOST4) != [lan_mac()] or len(na) != 1 or \
                "tllao=%s " % lan_mac() not in na[0] + " ":
            errs.append("the module does not answer for the routes' addresses: %s" % na)
        if whole and world.unindexed:
            errs.append("a warning, with nothing failed")
        # A failure with no dump (a slab page's first, __GFP_NOWARN
        # try) is retried by the allocator: indexed, no warning.
        if world.dumped and not world.unindexed:
            errs.append("no warning for the route not indexed")
        return errs

    def undo():
        ip("-n", NODE, "route", "del", HOST4 + "/32", check=False)
        ip("-n", NODE, "-6", "route", "del", HOST6 + "/128", check=False)

    def after():
        os.unlink(batch)

    return Series("add host routes", op, check, before=before, undo=undo, after=after)


def reload(what):
    """rmmod and insmod, no injection: both work, nothing leaked."""
    scope_all()
    errs = []
    rc, out = run(("rmmod", "proxyarp"))
    if rc:
        errs.append("rmmod: " + out)
    errs += gone_cleanly()
    world.unset.clear()
    for ns in ("fi-new",):
        if netns_exists(ns):
            ip("netns", "del", ns, check=False)
    rc, out = run(("insmod", KO))
    if rc:
        errs.append("insmod: " + out)
    else:
        world.loaded()
        baseline()
        errs += world.consistent()
        if not module_arp_ok():
            errs.append("the module does not answer")
    lines = log.read()
    errs += ["splat: " + s for s in dumps_and_splats(lines)[1]]
    tap.result(not errs, "%s: rmmod and insmod work%s" %
               (what, "".join("; " + e for e in errs)))


# -- In softirq ------------------------------------------------------------

GARP4 = "192.0.2.77"
# The tunnel of "a tunnel reply's metadata": a collect_md vxlan in NODE,
# asked through a vxlan with a fixed remote in LAN, over vn0 and vl0.
VX, VXL = "vx0", "vxl"
TUN_NODE4, TUN_LAN4 = "10.20.0.254", "10.20.0.1"
# failslab's cache-filter: the caches of a route (ip6_dst_cache), of an
# skb's head, and kmalloc's (a tunnel reply's metadata; that reply's own
# buffers come from skbuff_head_cache and skbuff_small_head, unmarked
# then).
ROUTE_CACHES = re.compile(r"ip6_dst_cache$")
# An skb's head: its first allocation (the advertisement's own, alone).
SKB_CACHES = re.compile(r"skbuff_head_cache$")
KMALLOC_CACHES = re.compile(r"kmalloc-\d+k?$")
SLAB = "/sys/kernel/slab"


def mark(caches, on):
    """Mark (ON) or unmark the slab caches whose names match CACHES for
    failslab's cache-filter; the errors (a cache that others were merged
    into refuses the mark: the debug kernel merges none)."""
    names = [c for c in sorted(os.listdir(SLAB)) if caches.match(c)]
    errs = [] if names else ["no slab cache matches %s" % caches.pattern]
    for name in names:
        try:
            with open("%s/%s/failslab" % (SLAB, name), "w") as f:
                f.write("1" if on else "0")
        except OSError as e:
            errs.append("%s/%s/failslab: %s" % (SLAB, name, e.strerror))
    return errs


class Undumped:
    """with Undumped() as u: u.sites() are the sites of failslab's
    failures meanwhile, from the stacks a kretprobe on should_failslab
    records (a tracefs instance of its own): a failure of an allocation
    asked with __GFP_NOWARN is made without a dump."""

    TRACEFS = "/sys/kernel/tracing"
    PROBE = "proxyarp_faults_fsl"

    def __enter__(self):
        self.inst = self.TRACEFS + "/instances/proxyarp_faults"
        os.mkdir(self.inst)
        self.probes("r:%s should_failslab ret=$retval" % self.PROBE)
        self.event = "%s/events/kprobes/%s" % (self.inst, self.PROBE)
        for path, value in (("/events/kprobes/%s/filter" % self.PROBE, "ret != 0"),
                            ("/options/stacktrace", "1"),
                            ("/events/kprobes/%s/enable" % self.PROBE, "1")):
            with open(self.inst + path, "w") as f:
                f.write(value)
        return self

    def __exit__(self, *exc):
        with open(self.event + "/enable", "w") as f:
            f.write("0")
        os.rmdir(self.inst)
        self.probes("-:" + self.PROBE)

    def probes(self, line):
        """LINE to kprobe_events, appended (open()'s "a" would seek,
        which the file refuses)."""
        fd = os.open(self.TRACEFS + "/kprobe_events", os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, line.encode() + b"\n")
        finally:
            os.close(fd)

    def sites(self):
        """("failslab", site) of each failure recorded.  The stack's
        lines name functions bare: the module's are told by kallsyms."""
        with open("/proc/kallsyms") as f:
            ours = set(line.split()[2] for line in f if line.rstrip().endswith("[proxyarp]"))
        stacks = []
        with open(self.inst + "/trace") as f:
            for line in f:
                if "<stack trace>" in line:
                    stacks.append([])
                elif stacks and line.startswith(" => "):
                    fn = line[4:].split()[0].split("+")[0]
                    stacks[-1].append((fn, "proxyarp" if fn in ours else None))
        return [("failslab", site_of(frames)) for frames in stacks]


def softirq(name, send, site, failed=0, after=1,
            outcome="unanswered, then answered", caches=None, undumped=False, tries=5):
    """Fail the next allocation under the module (failslab, times 1; of
    the CACHES only, when given), then SEND, which returns what came of
    the request: FAILED with the allocation failed, AFTER the next time.
    The failure must be REQUIRED's SITE (its key); UNDUMPED: it is asked
    with __GFP_NOWARN, and its stack is read from Undumped's probe.  A
    request whose allocation the filter let through is sent again, up
    to TRIES in all: the delay queue's timer interrupts whatever runs,
    and the stack filter rejects a stack with kmemleak's allocation on
    it (the interrupted task's frames are on it too)."""
    errs = mark(caches, True) if caches else []
    scope("failslab", percent=100, times=1, caches=bool(caches))
    sites, got, left = [], None, None
    probe = Undumped() if undumped else contextlib.nullcontext()
    try:
        with probe:
            for n in range(1, tries + 1):
                got = send()
                left = fi_times().get("failslab")
                found, splats = dumps_and_splats(log.read())
                sites += found
                errs += ["splat: " + s for s in splats]
                if left == 0:
                    break
            if undumped:
                sites += probe.sites()
    finally:
        scope("failslab")
        if caches:
            errs += mark(caches, False)
    if left != 0 or len(sites) != 1:
        errs.append("failures forced: %s (times left %s) in %d request(s)" %
                    (sites, left, n))
    elif required_key(site) not in required_of(site_label(sites[0][1])):
        errs.append("the failure hit %s, not %s" %
                    (site_label(sites[0][1]), REQUIRED[required_key(site)][3]))
    elif n > 1:
        tap.note("%s: the failure was used by request %d" % (name, n))
    if got != failed:
        errs.append("with the allocation failed: %r, %r expected" % (got, failed))
    again = send()
    if again != after:
        errs.append("next: %r, %r expected" % (again, after))
    for _, where in sites:
        injections[site_label(where)][outcome + (", errors" if errs else "")] += 1
        injections[site_label(where)]["_attr:failslab"] += 1
    tap.result(not errs, "%s failed: %s, no splat%s" %
               (name, outcome, "".join("; " + e for e in errs)))


def neigh_known(ns, addr, dev):
    """ADDR has an entry in NS's neighbour table for DEV, not a failed
    one."""
    out = ip("-n", ns, "neigh", "show", addr, "dev", dev)[1]
    return bool(out) and not re.search(r"FAILED|INCOMPLETE", out)


def stranger(ns, addr, dev):
    """ADDR's entry for DEV in NS deleted; whether it is gone."""
    ip("-n", ns, "neigh", "del", addr, "dev", dev, check=False)
    return not neigh_known(ns, addr, dev)


def arp_from_stranger():
    """(answers, the asker learnt) for a request from an asker the node
    does not know: the reply in the request's buffer, so the asker's
    entry is the one allocation."""
    if not stranger(NODE, LAN4, VN):
        return "precondition: %s still in the node's table" % LAN4
    return len(ask()), neigh_known(NODE, LAN4, VN)


def garp_from_stranger():
    """(answers, the sender learnt) for a gratuitous request from an
    address the node does not know (refused: its target is on vn0)."""
    if not stranger(NODE, GARP4, VN):
        return "precondition: %s still in the node's table" % GARP4
    return len(ask(sip=GARP4, tip=GARP4)), neigh_known(NODE, GARP4, VN)


def tunnel(up):
    """vx0 and vxl, for "a tunnel reply's metadata"; no IPv6 on them."""
    if not up:
        ip("-n", NODE, "link", "del", VX, check=False)
        ip("-n", LAN, "link", "del", VXL, check=False)
        return
    ip("-n", NODE, "link", "add", VX, "type", "vxlan", "external", "dstport", "4789")
    ip("-n", LAN, "link", "add", VXL, "type", "vxlan", "id", "42", "remote", NODE4,
       "local", LAN4, "dstport", "4789", "dev", VL)
    for ns, dev, addr in ((NODE, VX, TUN_NODE4), (LAN, VXL, TUN_LAN4)):
        write_sh("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % dev, 1, ns)
        ip("-n", ns, "addr", "add", addr + "/24", "dev", dev)
        ip("-n", ns, "link", "set", dev, "up")
    set_knob(NODE, "proxyarp", VX, "mode", 1)


def via_tunnel():
    """Answers through the tunnel."""
    return len(ask(sip=TUN_LAN4, dev=VXL))


def ndp_from_stranger():
    """Advertisements for an asker the node does not know (the
    solicitation's option makes its entry), asked from CPU 0."""
    if not stranger(NODE, LAN6, VN):
        return "precondition: %s still in the node's table" % LAN6
    return len(ask6(cpu=0))


# A solicitation for TARGET from SOURCE, padded past a page with options
# of a type no receiver knows (ignored), sent from DEV with a virtio-net
# header, so that af_packet puts all but the Ethernet header in pages:
# it reaches the node nonlinear.  Prints the advertisements for TARGET
# that DEV heard within 400 ms.
BIG_NS = r"""
import socket, struct, sys, time
dev, src, target = sys.argv[1:4]
t = socket.inet_pton(socket.AF_INET6, target)
dst = bytes.fromhex("ff0200000000000000000001ff") + t[13:]
rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
rx.bind((dev, 0))
mac = rx.getsockname()[4]
pad = bytes([253, 175]) + bytes(175 * 8 - 2)
icmp = struct.pack("!BBH4x16s", 135, 0, 0, t) + bytes([1, 1]) + mac + pad * 3
pseudo = socket.inet_pton(socket.AF_INET6, src) + dst + struct.pack("!I3xB", len(icmp), 58)
data = pseudo + icmp
c = sum(struct.unpack("!%dH" % (len(data) // 2), data))
while c >> 16:
    c = (c & 0xffff) + (c >> 16)
icmp = icmp[:2] + struct.pack("!H", ~c & 0xffff) + icmp[4:]
ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + \
    socket.inet_pton(socket.AF_INET6, src) + dst
frame = b"\x33\x33" + dst[12:] + mac + b"\x86\xdd" + ip6 + icmp
tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
tx.setsockopt(263, 15, 1)  # SOL_PACKET, PACKET_VNET_HDR
tx.bind((dev, 0))
assert tx.send(bytes(10) + frame) == 10 + len(frame) > 4096 + 10
rx.settimeout(0.1)
n = 0
end = time.time() + 0.4
while time.time() < end:
    try:
        f = rx.recv(2048)
    except socket.timeout:
        continue
    if len(f) >= 78 and f[20] == 58 and f[54] == 136 and f[62:78] == t:
        n += 1
print(n)
"""


def ndp_nonlinear():
    """Advertisements for a solicitation that reaches vn0 nonlinear."""
    rc, out = run(("python3", "-c", BIG_NS, VL, LAN6, PROXIED6), ns=LAN, cpu=0)
    return int(out) if not rc else "sender: " + out[-200:]


ROUTES = itertools.count(1)


def ndp_new_route():
    """Advertisements for a target behind a route that no lookup has
    used yet (a new one each time: it has no per-CPU copy), from CPU 0."""
    prefix = "2001:db8:3:%x::" % next(ROUTES)
    ip("-n", NODE, "-6", "route", "add", prefix + "/64", "dev", "dm0")
    return len(ask6(tip=prefix + "7", cpu=0))


def softirq_arp():
    # A packet socket on vn0 holds a clone of each request: the reply
    # cannot be built in place, arp_create() makes it.
    with Ns(NODE):
        tapsock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
        tapsock.bind((VN, 0))
    try:
        softirq("ARP: arp_create()'s reply to a shared request", lambda: len(ask()), "reply")
        set_knob(NODE, "proxyarp", VN, "honor_proxy_delay", 1)
        write_sh("/proc/sys/net/ipv4/neigh/%s/proxy_delay" % VN, 5, NODE)
        softirq("ARP: arp_create()'s reply from the delay queue", lambda: len(ask()), "reply")
        write_sh("/proc/sys/net/ipv4/neigh/%s/proxy_delay" % VN, 0, NODE)
        set_knob(NODE, "proxyarp", VN, "honor_proxy_delay", 0)
    finally:
        tapsock.close()
    softirq("ARP: a new asker's neighbour entry", arp_from_stranger, "asker",
            failed=(1, False), after=(1, True),
            outcome="answered, the asker not learnt, then learnt")
    write_sh("/proc/sys/net/ipv4/conf/%s/arp_accept" % VN, 1, NODE)
    softirq("ARP: a gratuitous request's sender (arp_accept 1)", garp_from_stranger, "garp",
            failed=(0, False), after=(0, True),
            outcome="refused, the sender not learnt, then learnt")
    write_sh("/proc/sys/net/ipv4/conf/%s/arp_accept" % VN, 0, NODE)
    tunnel(True)
    try:
        tap.result(via_tunnel() == 1, "ARP: the module answers through the collect_md "
                   "tunnel (its asker now known)")
        softirq("ARP: a tunnel reply's metadata", via_tunnel, "tunnel", caches=KMALLOC_CACHES,
                outcome="unanswered (the tunnel drops a reply without), then answered")
    finally:
        tunnel(False)


def softirq_ndp():
    # Each solicitation from CPU 0, and one answered first, so that the
    # asker is known and the route has its per-CPU copy there.
    tap.result(len(ask6(cpu=0)) == 1 and neigh_known(NODE, LAN6, VN),
               "NDP: answered from CPU 0 before, the asker known")
    softirq("NDP: the advertisement", lambda: len(ask6(cpu=0)), "advertisement",
            caches=SKB_CACHES)
    softirq("NDP: the advertisement's route", lambda: len(ask6(cpu=0)), "advertisement route",
            caches=ROUTE_CACHES)
    softirq("NDP: a new asker's neighbour entry", ndp_from_stranger, "ndp asker")
    softirq("NDP: a route's per-CPU copy", ndp_new_route, "route copy", caches=ROUTE_CACHES,
            outcome="refused (no route), then answered")
    for dev, ns in ((VN, NODE), (VL, LAN)):
        ip("-n", ns, "link", "set", dev, "mtu", "9000")
    try:
        softirq("NDP: making a nonlinear solicitation linear", ndp_nonlinear, "pull",
                outcome="to the kernel (unanswered), then answered", undumped=True)
    finally:
        for dev, ns in ((VN, NODE), (VL, LAN)):
            ip("-n", ns, "link", "set", dev, "mtu", "1500")


def softirq_sites():
    # An advertisement the node receives runs the module's decision for
    # its target (a conflict?), whose route lookup may then take the
    # failure meant for the request's path.  The node's NUD probe of
    # the asker, 5 s after an NDP answer, brings one: none while these
    # run (an entry takes the delay when it goes to DELAY: none is left
    # there, before or after).
    probe_delay = "/proc/sys/net/ipv6/neigh/%s/delay_first_probe_time" % VN
    with Ns(NODE):
        with open(probe_delay) as f:
            was = f.read().strip()
    write_ok(probe_delay, 3600, NODE)
    ip("-n", NODE, "-6", "neigh", "flush", "dev", VN)
    try:
        softirq_arp()
        softirq_ndp()
    finally:
        write_ok(probe_delay, was, NODE)
        ip("-n", NODE, "-6", "neigh", "flush", "dev", VN)


# -- At random -------------------------------------------------------------

def random_phase(rng):
    stop = threading.Event()
    sent = [0]

    def traffic():
        while not stop.is_set():
            run((ARPQ, "-i", VL, "-s", LAN4, "-q", "-w", "50", "-c", "20",
                 PROXIED4, NODE4), ns=LAN)
            run(("python3", NDPQ, "-i", VL, "-s", LAN6, "-w", "50", PROXIED6), ns=LAN)
            sent[0] += 1

    ops = collections.Counter()
    scope_all(percent=PERCENT, verbose=0)
    before = fi_times()
    made = 0
    thread = threading.Thread(target=traffic)
    thread.start()
    end = time.monotonic() + SECONDS
    n = 0
    try:
        while time.monotonic() < end or n < MIN_OPS:
            n += 1
            op = rng.choice(("create", "create", "delete", "rename", "move", "netns",
                             "mode", "mode", "addr") * 3 + ("reload",))
            ops[op] += 1
            name = "fr%d" % rng.randrange(4)
            if op == "create":
                ip("-n", NODE, "link", "add", name, "type", "dummy", check=False)
            elif op == "delete":
                for ns in (NODE, OTHER):
                    ip("-n", ns, "link", "del", name, check=False)
            elif op == "rename":
                new = "fr%d" % rng.randrange(4)
                if not ip("-n", NODE, "link", "set", name, "name", new,
                          check=False)[0] and name in world.unset:
                    world.unset.discard(name)
                    world.unset.add(new)
            elif op == "move":
                src, dst = rng.choice(((NODE, OTHER), (OTHER, NODE)))
                ip("-n", src, "link", "set", name, "netns", dst, check=False)
            elif op == "netns":
                if netns_exists("fi-new"):
                    ip("netns", "del", "fi-new", check=False)
                else:
                    ip("netns", "add", "fi-new", check=False)
            elif op == "mode":
                tree = rng.choice(TREES)
                entry = rng.choice(("all", "default", VN, "dm0", name))
                write_sh("/proc/sys/net/%s/conf/%s/mode" % (tree, entry),
                         rng.randrange(3), NODE)
            elif op == "addr":
                verb = rng.choice(("add", "del"))
                ip("-n", NODE, "addr", verb, "192.0.2.%d/24" % rng.randrange(10, 14),
                   "dev", VN, check=False)
            elif op == "reload":
                # fail_proxyarp goes with the module: count it first.
                made += before.get("fail_proxyarp", 0) - \
                    fi_times().get("fail_proxyarp", before.get("fail_proxyarp", 0))
                run(("rmmod", "proxyarp"))
                for _ in range(5):
                    if not run(("insmod", KO))[0]:
                        ops["reload, loaded under faults"] += 1
                        break
                    ops["reload, insmod refused"] += 1
                kept = fi_times()
                made += sum(before[a] - kept.get(a, before[a]) for a in before
                            if a != "fail_proxyarp")
                if not module_loaded():
                    # A load makes ~150 allocations: at PERCENT most fail.
                    scope_all()
                    run(("insmod", KO), check=True)
                world.loaded()
                scope_all(percent=PERCENT, verbose=0)
                before = fi_times()
            world.note(log.read())
    finally:
        now = fi_times()
        made += sum(before[a] - now.get(a, before[a]) for a in before)
        scope_all()
        stop.set()
        thread.join()
    lines = log.read()
    world.note(lines)
    splats = dumps_and_splats(lines)[1]
    tap.note("random: %d s (at least %d operations) at %d%%: %d operations %s, "
             "%d traffic rounds, %d injection(s) counted (reloads excluded in flight)" %
             (SECONDS, MIN_OPS, PERCENT, n, dict(ops), sent[0], made))
    injections["(random, all sites)"]["injections"] += made
    if not module_loaded():
        run(("insmod", KO), check=True)
        world.loaded()
    baseline()
    errs = world.consistent() + ["splat: " + s for s in splats]
    if not kernel_arp_ok():
        errs.append("the kernel's ARP does not answer")
    if not module_arp_ok():
        errs.append("the module does not answer")
    tap.result(not errs and made > 0, "random: %d injection(s) under load: no splat, "
               "trees consistent, ARP answered%s" % (made, "".join("; " + e for e in errs)))


# -- The report ------------------------------------------------------------

def report(required=True):
    """The per-site table, its lines prefixed "faults:" (scripts/check shows
    them); every required site reached, unless REQUIRED is False (a
    series run alone)."""
    tap.note("faults: site (module function -> kernel callee) | injections | outcomes")
    reached = set()
    total = 0
    for label in sorted(injections):
        c = injections[label]
        n = sum(v for k, v in c.items() if not k.startswith("_") and k != "injections")
        n += c.get("injections", 0)
        outs = ", ".join("%s %d" % (k, v) for k, v in sorted(c.items())
                         if not k.startswith("_") and k != "injections")
        attrs = "/".join(k[6:] for k in sorted(c) if k.startswith("_attr:"))
        tap.note("faults: %s | %d | %s%s" % (label, n, outs, " [" + attrs + "]" if attrs else ""))
        reached.update(required_of(label))
        total += n
    tap.note("faults: %d injections, %d of %d required sites reached" %
             (total, len(reached), len(REQUIRED)))
    if not required:
        return
    for k, (fn, callee, _, what) in enumerate(REQUIRED):
        tap.result(k in reached, "site reached: %s -> %s (%s)" % (fn, callee, what))
    for fn, why in UNREACHABLE.items():
        tap.note("faults: not a site: %s: %s" % (fn, why))


def cleanup():
    scope_all()
    for ns in (NODE, LAN, OTHER, "fi-new"):
        if netns_exists(ns):
            ip("netns", "del", ns, check=False)


def teardown():
    """The namespaces deleted and the module unloaded, nothing injected:
    every namespace exit of the module has run when rmmod returns (it
    runs those not yet cleaned up itself).  Their log is checked here
    and left for the runner."""
    cleanup()
    rc, out = run(("rmmod", "proxyarp")) if module_loaded() else (0, "")
    splats = dumps_and_splats(log.read())[1]
    for line in splats:
        tap.note(line)
    tap.result(not rc and not splats,
               "teardown: namespaces deleted, module unloaded, no splat%s" %
               ("; rmmod: " + out if rc else ""))


def main():
    global log, kernel_end, kmemleak_text
    if os.geteuid():
        print("# SKIP: needs root")
        return KSFT_SKIP
    if not os.path.exists("/proc/self/fail-nth") or \
            not os.path.isdir(DEBUGFS + "/failslab"):
        print("# SKIP: this kernel has no fault injection (make check-debug has)")
        return KSFT_SKIP
    with open("/proc/modules") as f:
        others = [line.split()[0] for line in f if line.split()[0] != "proxyarp"]
    if others:
        print("# SKIP: other modules loaded (%s): the stack filter would "
              "fail their allocations too" % " ".join(others))
        return KSFT_SKIP
    with open("/proc/kallsyms") as f:
        syms = dict((line.split()[2], int(line.split()[0], 16)) for line in f
                    if line.split()[2] in ("_end", "__link_object", "__create_object"))
    kernel_end = syms["_end"]
    # mm/kmemleak.c's object allocation: __link_object() to past
    # __create_object(), in its text's order.
    if "__create_object" in syms:
        kmemleak_text = (min(syms["__link_object"], syms["__create_object"]),
                         max(syms["__link_object"], syms["__create_object"]) + 0x1000)
    rng = random.Random(SEED)
    print("# seed %d" % SEED)
    splat = [line for line in subprocess.run(["dmesg"], capture_output=True,
                                             text=True).stdout.splitlines()
             if SPLAT.search(line) or "Call Trace" in line]
    for line in splat:
        tap.note(line)
    tap.result(not splat, "the kernel log before the injections has no splat")
    log = Log()
    if module_loaded():
        run(("rmmod", "proxyarp"), check=True)
    try:
        scope_all()
        with open(KMEMLEAK, "w") as f:
            f.write("clear")
        if ONLY in ("", "insmod"):
            series_insmod().walk()
        setup()
        if not module_loaded():
            run(("insmod", KO), check=True)
        world.loaded()
        baseline()
        kallsyms = [line.split() for line in open("/proc/kallsyms")
                    if line.rstrip().endswith("[proxyarp]")]
        addrs = [int(s[0], 16) for s in kallsyms if s[1] in "tT"]
        tap.result(addrs and kernel_end <= min(addrs) and max(addrs) < MODULES_END,
                   "the module's text is inside the stack filter's range")
        tap.result(kernel_arp_ok() and module_arp_ok() and len(ask6()) == 1,
                   "before: the kernel answers for %s, the module for %s and %s" %
                   (NODE4, PROXIED4, PROXIED6))
        with open(KMEMLEAK, "w") as f:
            f.write("clear")
        series = [series_create(), series_create_default(), series_rename(), series_move(),
                  series_netns(), series_addr(), series_routes()]
        for tree in TREES:
            for entry in (VN, "all", "default"):
                series.append(series_mode(tree, entry))
        series.append(series_rmmod())
        if ONLY in ("random", "softirq"):
            series = []
        elif ONLY:
            series = [s for s in series if s.name == ONLY]
            tap.result(series or ONLY == "insmod",
                       "PROXYARP_FAULT_ONLY=%s names a series" % ONLY)
        for s in series:
            s.walk()
            reload(s.name)
        if ONLY not in ("random", "softirq"):
            kmemleak_clean("one at a time")
        if ONLY in ("", "softirq"):
            softirq_sites()
            reload("softirq")
            kmemleak_clean("softirq")
        if ONLY in ("", "random"):
            random_phase(rng)
            reload("random")
            kmemleak_clean("random")
        if ONLY != "random":
            report(required=not ONLY)
    finally:
        # The forced failures' dumps have Call Traces the runner would
        # count: every record since the start was checked above.
        log.read()
        subprocess.run(["dmesg", "--clear"])
        teardown()
    print("1..%d" % tap.n)
    return KSFT_FAIL if tap.failed else KSFT_PASS


if __name__ == "__main__":
    sys.exit(main())
