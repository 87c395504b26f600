#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test for NDP: the kernel's explicit proxy entries are the oracle.

A seeded generator builds random topologies; every target gets an
explicit entry (ip -6 neigh add proxy) and the kernel answers with
proxy_ndp=1 and proxy_delay=0.  Then the module answers the same
questions, driven by routes alone, and again with the entries beside the
routes.  Every advertisement must be the same frame, byte for byte, but
for the differences proxyarp(7) documents: a route never answers a
duplicate address detection probe, and a route-based answer's router
flag is clear where the entry would set it.  Decoys (targets with an
entry but no route that justifies an answer: none, back out of the
VLAN, a reject route) must not be answered from routes.

   lan                        node
  +---------+               +---------------------------------------+
  | vl0     |---------------| vlan0  maybe global addresses,        |
  | askers: |               |        maybe ip -6 rule iif vlan0     |
  | globals,|               |        lookup 100                     |
  | fe80::  |               | d0 d1 (dummies): routes of every      |
  +---------+               |        length to the targets          |
   (ndpq -F asks)           +---------------------------------------+

Environment: PROXYARP_SEED (replay), PROXYARP_NDP_TOPOLOGIES (8),
PROXYARP_NDP_TARGETS (per topology, 12).
"""

import ipaddress
import os
import random
import re
import subprocess
import sys
import tempfile
import time

from ksft import KO, KSFT_FAIL, KSFT_PASS, KSFT_SKIP, SEED, Tap

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NDPQ = os.environ.get("NDPQ", os.path.join(TOP, "tools", "ndpq"))

TOPOLOGIES = int(os.environ.get("PROXYARP_NDP_TOPOLOGIES", "8"))
TARGETS = int(os.environ.get("PROXYARP_NDP_TARGETS", "12"))
KINDS = ["mcast"] * 6 + ["ucast"] * 2 + ["ucast-bare", "dad"]


def run(*cmd, ns=None, check=True, stdin=None):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if check and res.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), res.stderr.strip()))
    return res.stdout


def ipb(ns, lines):
    """ip -6 -batch in NS: one ip command a line."""
    run("ip", "-6", "-n", ns, "-batch", "-", stdin="\n".join(lines) + "\n")


def sysctl(ns, path, value):
    run("sh", "-c", "echo %s >/proc/sys/%s" % (value, path), ns=ns)


def addr(rng, prefix):
    net = ipaddress.IPv6Network(prefix)
    return net[rng.randrange(1, 1 << 32)]


class Topology:
    def __init__(self, rng, index):
        self.rng = rng
        self.node = "ndpn%d-%d" % (os.getpid(), index)
        self.lan = "ndpl%d-%d" % (os.getpid(), index)
        self.routes = []       # ip route lines
        self.targets = []      # (target, router flag, answered by a route)
        self.questions = []    # (source, target, kind)

    def build(self):
        rng = self.rng
        for ns in (self.node, self.lan):
            run("ip", "netns", "add", ns)
            run("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0", ns=ns)
        ipb(self.node, [
            "link set lo up",
            "link add vlan0 type veth peer name vl0 netns " + self.lan,
            "link add d0 type dummy", "link add d1 type dummy",
            "link set vlan0 up", "link set d0 up", "link set d1 up"])
        ipb(self.lan, ["link set lo up", "link set vl0 up"])
        sysctl(self.node, "net/ipv6/conf/all/forwarding", 1)
        sysctl(self.node, "net/ipv6/neigh/vlan0/proxy_delay", 0)
        node_addrs = ["addr add %s/64 dev vlan0 nodad" % addr(rng, "2001:db8:1::/64")
                      for _ in range(rng.choice([0, 1, 2]))]
        lan = [addr(rng, "2001:db8:1::/64") for _ in range(rng.randint(1, 3))]
        ipb(self.lan, ["addr add %s/64 dev vl0 nodad" % a for a in lan])
        lan.append(self.link_local())
        table = rng.choice(["main", "100"])
        cmds = list(node_addrs)
        if table == "100":
            cmds.append("rule add iif vlan0 lookup 100")
            cmds.append("route add 2001:db8:1::/64 dev vlan0 table 100")
        for i in range(TARGETS):
            target = addr(rng, "2001:db8:%x::/48" % (0x10 + i))
            plen = rng.choice([128, 128, 127, 120, 96, 64, 56, 48])
            net = ipaddress.IPv6Network("%s/%d" % (target, plen), strict=False)
            cmds.append("route add %s dev %s table %s"
                        % (net, rng.choice(["d0", "d1"]), table))
            self.targets.append((target, rng.random() < 0.25, True))
        decoys = [("2001:db8:1::%x" % rng.randrange(1, 1 << 16), None),
                  ("2001:db8:%x::1" % rng.randrange(0x100, 0x200), None),
                  ("2001:db8:66::%x" % rng.randrange(1, 1 << 16), "blackhole")]
        for target, rtype in decoys:
            if rtype:
                cmds.append("route add %s 2001:db8:66::/64 table %s"
                            % (rtype, table))
            self.targets.append((ipaddress.IPv6Address(target),
                                 rng.random() < 0.25, False))
        ipb(self.node, cmds)
        for target, _, _ in self.targets:
            for _ in range(rng.choice([1, 1, 2])):
                self.questions.append((rng.choice(lan), target,
                                       rng.choice(KINDS)))
        self.node_mac = re.search(r"link/ether ([0-9a-f:]+)",
                                  run("ip", "-n", self.node, "link", "show",
                                      "vlan0")).group(1)

    def link_local(self):
        """vl0's link-local address, once addrconf has made it (it waits
        for the carrier, which linkwatch reports a moment later)."""
        for _ in range(100):
            out = run("ip", "-n", self.lan, "-6", "-o", "addr", "show",
                      "dev", "vl0", "scope", "link")
            m = re.search(r"inet6 ([0-9a-f:]+)/", out)
            if m:
                return ipaddress.IPv6Address(m.group(1))
            time.sleep(0.05)
        raise RuntimeError("vl0 has no link-local address")

    def entries(self, add):
        ipb(self.node, ["neigh %s proxy %s dev vlan0%s"
                        % ("add" if add else "del", t,
                           " router" if r and add else "")
                        for t, r, _ in self.targets])

    def mode(self, value):
        sysctl(self.node, "net/proxyndp/conf/vlan0/mode", value)

    def ask(self):
        run("ip", "-n", self.node, "-6", "neigh", "flush", "dev", "vlan0")
        with tempfile.NamedTemporaryFile("w", suffix=".q") as f:
            for src, target, kind in self.questions:
                f.write("%s %s %s\n" % (src, target, kind))
            f.flush()
            out = run(NDPQ, "-i", "vl0", "-F", f.name, "-D", self.node_mac,
                      "-w", "300", ns=self.lan)
        answers = {}
        for line in out.splitlines():
            m = re.match(r"q (\d+) (?:frame ([0-9a-f]+)|none)$", line)
            if m:
                answers[int(m.group(1))] = m.group(2)
        # A question ndpq never asked is not one left unanswered.
        unasked = [i for i in range(len(self.questions)) if i not in answers]
        if unasked:
            raise RuntimeError("ndpq asked %d of %d questions (first not asked: %d)"
                               % (len(answers), len(self.questions), unasked[0]))
        return [answers[i] for i in range(len(self.questions))]

    def destroy(self):
        for ns in (self.node, self.lan):
            run("ip", "netns", "del", ns, check=False)


def router_only(kernel, module):
    """The frames differ at most by the router flag, and so the checksum."""
    if kernel is None or module is None:
        return False
    k, m = bytearray.fromhex(kernel), bytearray.fromhex(module)
    # Ethernet 14 + IPv6 40: the ICMPv6 checksum at 56, the flags at 58
    k[58] &= 0x7F
    k[56:58] = m[56:58]
    return k == m


def compare(topo, kernel, module, entries):
    """(agreeing, compared, explained, disagreements) of one module pass.

    Explained: with routes alone, a DAD probe and a decoy get no answer,
    and a route-based answer has the router flag clear where the entry
    sets it; with entries, a unicast solicitation for a decoy is
    answered, where the kernel answers a unicast solicitation only when
    the route forwards it (ip6_forward()'s proxy check).
    """
    flags = {t: (r, routed) for t, r, routed in topo.targets}
    same = explained = 0
    bad = []
    for i, (src, target, kind) in enumerate(topo.questions):
        router, routed = flags[target]
        want, got = kernel[i], module[i]
        if entries:
            ok = got == want
            if not ok and want is None and got and not routed and \
                    kind.startswith("ucast"):
                ok = True
                explained += 1
        elif not routed or kind == "dad":
            ok = got is None
            explained += want is not None and ok
        elif router and want:
            ok = router_only(want, got)
            explained += ok
        else:
            ok = got == want
        if ok:
            same += 1
        else:
            bad.append((i, src, target, kind, want, got))
    return same, len(topo.questions), explained, bad


def main():
    if os.geteuid():
        print("# SKIP: must run as root")
        return KSFT_SKIP
    if not os.path.isdir("/sys/module/proxyarp"):
        run("insmod", KO)
    tap = Tap()
    tap.note("ndp parity: seed %d (PROXYARP_SEED to replay)" % SEED)
    rng = random.Random(SEED)
    totals = [0] * 6
    for index in range(TOPOLOGIES):
        topo = Topology(rng, index)
        try:
            topo.build()
            topo.mode(0)
            sysctl(topo.node, "net/ipv6/conf/all/proxy_ndp", 1)
            sysctl(topo.node, "net/ipv6/conf/vlan0/proxy_ndp", 1)
            topo.entries(True)
            kernel = topo.ask()
            sysctl(topo.node, "net/ipv6/conf/all/proxy_ndp", 0)
            sysctl(topo.node, "net/ipv6/conf/vlan0/proxy_ndp", 0)
            topo.mode(1)
            with_entries = topo.ask()
            topo.entries(False)
            routes = topo.ask()
        finally:
            topo.destroy()
        answered = sum(1 for k in kernel if k)
        s1, n1, x1, bad1 = compare(topo, kernel, routes, False)
        s2, n2, x2, bad2 = compare(topo, kernel, with_entries, True)
        for i, src, target, kind, want, got in bad1 + bad2:
            tap.note("question %d: %s asks %s (%s)\n  kernel: %s\n  module: %s"
                     % (i, src, target, kind, want, got))
        tap.result(answered > 0,
                   "topology %d: the kernel answered %d of %d questions from entries"
                   % (index, answered, n1))
        tap.result(not bad1, "topology %d: routes alone: %d of %d as the kernel "
                   "(%d documented differences)" % (index, s1, n1, x1))
        tap.result(not bad2, "topology %d: routes and entries: %d of %d as the "
                   "kernel (%d documented differences)" % (index, s2, n2, x2))
        for i, v in enumerate((n1, answered, s1, x1, s2, x2)):
            totals[i] += v
    tap.note("ndp parity: %d questions, the kernel answered %d; routes alone "
             "agree on %d (%d documented differences), routes and entries on "
             "%d (%d)" % tuple(totals))
    print("1..%d" % tap.n)
    return KSFT_FAIL if tap.failed else KSFT_PASS


if __name__ == "__main__":
    sys.exit(main())
