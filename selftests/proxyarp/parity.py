#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Differential test: the kernel's own proxy_arp is the oracle.

A seeded generator builds random topologies in two namespaces and asks
random ARP questions; the kernel answers with proxy_arp=1 and
proxy_delay=0 (seen on the wire), the module decides in audit mode with
its knobs off (seen in its trace).  Every request must agree, but for
the differences README.md documents.  A second pass turns the knobs on:
every new disagreement must be a default route or a prefix shorter than
min_prefixlen, as the trace says.

   client                         node
  +--------+                     +------------------------------------+
  | c0     |---------------------| p0   addresses, tables 100-101,    |
  | c1     |---------------------| p1   ip rules (iif, from, fwmark), |
  | c2 ... |---------------------| p2   routes of every type and      |
  +--------+                     |      length, proxy entries, VRF,   |
   (arpq asks)                   |      tc ingress marks (fwmark)     |
                                 | d0 d1 (dummies: route targets)     |
                                 +------------------------------------+

Environment: PROXYARP_SEED (replay), PROXYARP_PARITY_TOPOLOGIES (20),
PROXYARP_PARITY_REQUESTS (per topology, 100).
"""

import ipaddress
import os
import random
import re
import subprocess
import sys
import tempfile

from ksft import KO, KSFT_FAIL, KSFT_PASS, KSFT_SKIP, SEED, Tap

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
ARPQ = os.environ.get("ARPQ", os.path.join(TOP, "tools", "arpq"))
TRACEFS = "/sys/kernel/tracing"

TOPOLOGIES = int(os.environ.get("PROXYARP_PARITY_TOPOLOGIES", "20"))
REQUESTS = int(os.environ.get("PROXYARP_PARITY_REQUESTS", "100"))

ROUTE_TYPES = (["unicast"] * 10 + ["via"] * 4 +
               ["unreachable", "blackhole", "prohibit", "local",
                "broadcast", "multicast"])
MARTIANS = ["127.0.0.5", "224.0.0.9", "0.1.2.3", "255.255.255.255",
            "239.1.2.3"]


def run(*cmd, ns=None, check=True, stdin=None):
    if ns:
        cmd = ("ip", "netns", "exec", ns) + cmd
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if check and res.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), res.stderr.strip()))
    return res.stdout


class Topology:
    """One random node and the requests to ask it."""

    def __init__(self, index, rng):
        self.index = index
        self.rng = rng
        self.ports = ["p%d" % i for i in range(rng.randint(2, 4))]
        self.dummies = ["d%d" % i for i in range(rng.randint(1, 2))]
        self.tables = [254] + [100 + i for i in range(rng.randint(0, 2))]
        self.vrf_port = rng.choice(self.ports) if rng.random() < 0.25 else None
        # Ports whose received packets get skb->mark 5 (tc skbedit), so
        # that fwmark rules meet marked requests.
        self.marked = [p for p in self.ports if rng.random() < 0.3]
        if self.vrf_port:
            self.tables.append(200)
        self.prefixes = []
        self.locals = []
        self.batch = []        # ip -batch lines for the node
        self.sysctls = []      # (path, value) in the node
        self.make_prefixes()
        self.make_addresses()
        self.make_routes()
        self.make_rules()
        self.make_proxy_entries()
        self.make_sysctls()

    def rand_prefix(self):
        plen = self.rng.choice([0, 8, 12, 16, 20, 24, 24, 26, 28, 30, 32,
                                self.rng.randint(1, 32)])
        base = self.rng.choice(["10.%d.0.0" % self.rng.randint(0, 3),
                                "198.18.%d.0" % self.rng.randint(0, 3),
                                "10.%d.%d.0" % (self.rng.randint(0, 3),
                                                self.rng.randint(0, 255))])
        addr = int(ipaddress.IPv4Address(base)) + self.rng.randrange(1 << 10)
        return ipaddress.IPv4Network((addr, plen), strict=False)

    def make_prefixes(self):
        self.prefixes = [self.rand_prefix() for _ in range(self.rng.randint(5, 9))]

    def make_addresses(self):
        for i, port in enumerate(self.ports):
            if self.rng.random() < 0.5:
                addr = "10.%d.%d.1" % (i, self.rng.randint(0, 3))
                self.batch.append("address add %s/24 dev %s" % (addr, port))
                self.locals.append(addr)

    def out_dev(self):
        return self.rng.choice(self.ports + self.dummies)

    def make_routes(self):
        for _ in range(self.rng.randint(5, 12)):
            net = self.rng.choice(self.prefixes)
            table = self.rng.choice(self.tables)
            kind = self.rng.choice(ROUTE_TYPES)
            dev = self.out_dev()
            if table == 200:
                dev = self.vrf_port
            if kind == "unicast":
                spec = "%s dev %s" % (net, dev)
            elif kind == "via":
                gw = net.network_address + 1 if net.prefixlen < 31 else net.network_address
                spec = "%s via %s dev %s onlink" % (net, gw, dev)
            elif kind in ("local", "broadcast", "multicast"):
                spec = "%s %s dev %s" % (kind, net, dev)
            else:
                spec = "%s %s" % (kind, net)
            self.batch.append("route add %s table %d" % (spec, table))
        # A default route in main through a dummy, like an uplink.
        if self.rng.random() < 0.7:
            self.batch.append("route add default dev %s" % self.dummies[0])

    def make_rules(self):
        for _ in range(self.rng.randint(0, 3)):
            table = self.rng.choice(self.tables[1:] or [254])
            kind = self.rng.choice(["iif", "from", "fwmark", "iif-from"])
            port = self.rng.choice(self.ports)
            src = self.rng.choice(self.prefixes)
            sel = {"iif": "iif %s" % port,
                   "from": "from %s" % src,
                   "fwmark": "fwmark 0x5",
                   "iif-from": "iif %s from %s" % (port, src)}[kind]
            self.batch.append("rule add %s lookup %d" % (sel, table))

    def make_proxy_entries(self):
        for _ in range(self.rng.randint(0, 2)):
            addr = self.rand_addr(self.rng.choice(self.prefixes))
            if self.rng.random() < 0.5:
                self.batch.append("neigh add proxy %s dev %s" %
                                  (addr, self.rng.choice(self.ports)))
            else:
                self.batch.append("neigh add proxy %s" % addr)

    def make_sysctls(self):
        rng = self.rng
        conf = "/proc/sys/net/ipv4/conf/"
        self.sysctls.append((conf + "all/forwarding", 1))
        self.sysctls.append((conf + "all/rp_filter", rng.choice([0, 0, 1, 2])))
        for port in self.ports:
            self.sysctls += [
                (conf + port + "/proxy_arp", 1),
                ("/proc/sys/net/ipv4/neigh/%s/proxy_delay" % port, 0),
                (conf + port + "/forwarding", 0 if rng.random() < 0.1 else 1),
                (conf + port + "/rp_filter", rng.choice([0, 0, 1, 2])),
                (conf + port + "/proxy_arp_pvlan", 1 if rng.random() < 0.2 else 0),
                (conf + port + "/medium_id", rng.choice([0, 0, 0, -1, 1, 2])),
                (conf + port + "/accept_local", 1 if rng.random() < 0.1 else 0),
                (conf + port + "/route_localnet", 1 if rng.random() < 0.1 else 0),
                (conf + port + "/src_valid_mark", 1 if rng.random() < 0.3 else 0),
                ("/proc/sys/net/proxyarp/conf/%s/mode" % port, 2),
            ]
        for dev in self.dummies:
            self.sysctls.append((conf + dev + "/medium_id", rng.choice([0, -1, 1, 2])))
        self.sysctls.append(("/proc/sys/net/proxyarp/conf/all/ignore_default_route", 0))
        self.sysctls.append(("/proc/sys/net/proxyarp/conf/all/min_prefixlen", 0))

    def rand_addr(self, net):
        return str(net.network_address + self.rng.randrange(net.num_addresses))

    def rand_sender(self, port):
        r = self.rng.random()
        if r < 0.55:
            return self.rand_addr(self.rng.choice(self.prefixes))
        if r < 0.75:
            return "10.%d.%d.%d" % (self.rng.randint(0, 3), self.rng.randint(0, 3),
                                    self.rng.randint(2, 254))
        if r < 0.85:
            return self.rng.choice(MARTIANS)
        if r < 0.93 and self.locals:
            return self.rng.choice(self.locals)
        if r < 0.96:
            return "0.0.0.0"
        return "%d.%d.%d.%d" % tuple(self.rng.randint(1, 223) for _ in range(4))

    def rand_target(self, sip):
        r = self.rng.random()
        if r < 0.6:
            return self.rand_addr(self.rng.choice(self.prefixes))
        if r < 0.7:
            return "%d.%d.%d.%d" % tuple(self.rng.randint(1, 223) for _ in range(4))
        if r < 0.78 and self.locals:
            return self.rng.choice(self.locals)
        if r < 0.86:
            return sip
        if r < 0.93:
            return self.rng.choice(MARTIANS)
        return "10.%d.%d.255" % (self.rng.randint(0, 3), self.rng.randint(0, 3))

    def requests(self, macs):
        """[(port, sip, tip, dmac)], each (port, sip, tip) once."""
        seen = set()
        out = []
        while len(out) < REQUESTS:
            port = self.rng.choice(self.ports)
            sip = self.rand_sender(port)
            tip = self.rand_target(sip)
            if (port, sip, tip) in seen:
                continue
            seen.add((port, sip, tip))
            dmac = macs[port] if self.rng.random() < 0.3 else "ff:ff:ff:ff:ff:ff"
            out.append((port, sip, tip, dmac))
        return out


class Node:
    """The namespaces of one topology."""

    def __init__(self, topo):
        tag = "%d-%d" % (os.getpid(), topo.index)
        self.node = "parity-node-" + tag
        self.client = "parity-client-" + tag
        self.topo = topo
        run("ip", "netns", "add", self.node)
        run("ip", "netns", "add", self.client)
        lines = ["link set lo up"]
        for i, port in enumerate(topo.ports):
            lines.append("link add %s type veth peer name c%d netns %s" %
                         (port, i, self.client))
            lines.append("link set %s up" % port)
        for dev in topo.dummies:
            lines += ["link add %s type dummy" % dev, "link set %s up" % dev]
        if topo.vrf_port:
            lines += ["link add vr type vrf table 200", "link set vr up",
                      "link set %s master vr" % topo.vrf_port]
        run("ip", "-n", self.node, "-batch", "-", stdin="\n".join(lines) + "\n")
        run("ip", "-n", self.node, "-force", "-batch", "-", check=False,
            stdin="\n".join(topo.batch) + "\n")
        for port in topo.marked:
            run("tc", "qdisc", "add", "dev", port, "clsact", ns=self.node)
            run("tc", "filter", "add", "dev", port, "ingress", "matchall",
                "action", "skbedit", "mark", "5", ns=self.node)
        run("ip", "-n", self.client, "-batch", "-", stdin="".join(
            "link set c%d up\n" % i for i in range(len(topo.ports))))
        script = "".join("echo %s > %s\n" % (v, p) for p, v in topo.sysctls)
        run("sh", "-c", script, ns=self.node)
        self.macs = {port: self.mac(port) for port in topo.ports}

    def mac(self, dev):
        out = run("ip", "-n", self.node, "-o", "link", "show", "dev", dev)
        return re.search(r"link/ether (\S+)", out).group(1)

    def set_knobs(self, idr, minlen):
        run("sh", "-c",
            "echo %d > /proc/sys/net/proxyarp/conf/all/ignore_default_route;"
            "echo %d > /proc/sys/net/proxyarp/conf/all/min_prefixlen" % (idr, minlen),
            ns=self.node)

    def ask(self, requests):
        """The set of (port, sip, tip) the kernel answered."""
        answered = set()
        for i, port in enumerate(self.topo.ports):
            mine = [r for r in requests if r[0] == port]
            if not mine:
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".req") as f:
                f.write("".join("%s %s %s\n" % (s, t, d) for _, s, t, d in mine))
                f.flush()
                out = run(ARPQ, "-i", "c%d" % i, "-F", f.name, "-w", "400",
                          ns=self.client)
            # A request arpq never sent is not one left unanswered.
            if not re.search(r"^sent %d replies" % len(mine), out, re.M):
                raise RuntimeError("arpq on c%d sent not %d requests: %s"
                                   % (i, len(mine), out.splitlines()[-1:]))
            for m in re.finditer(r"^reply (\S+) is-at \S+ us=\d+ asker=(\S+)$",
                                 out, re.M):
                answered.add((port, m.group(2), m.group(1)))
        return answered

    def destroy(self):
        run("ip", "netns", "del", self.node, check=False)
        run("ip", "netns", "del", self.client, check=False)


class Trace:
    def __init__(self):
        self.dir = os.path.join(TRACEFS, "instances", "parity-%d" % os.getpid())
        os.mkdir(self.dir)
        self.enable = os.path.join(self.dir, "events/proxyarp/enable")
        self.write(self.enable, "1")

    @staticmethod
    def write(path, value):
        with open(path, "w") as f:
            f.write(value)

    def clear(self):
        self.write(os.path.join(self.dir, "trace"), "")

    def decisions(self):
        """{(dev, sip, tip): {field: value}} of the events traced so far."""
        out = {}
        with open(os.path.join(self.dir, "trace")) as f:
            for line in f:
                if "proxyarp_decision: " not in line:
                    continue
                ev = dict(kv.split("=", 1) for kv in
                          line.split("proxyarp_decision: ", 1)[1].split())
                out[(ev["dev"], ev["sip"], ev["tip"])] = ev
        return out

    def close(self):
        self.write(self.enable, "0")
        os.rmdir(self.dir)


def expected(ev):
    """What the module's decision says about the wire: True (a proxy
    reply), False (none), or None (the kernel's own business: a local
    target or a DAD probe, which the module leaves untouched)."""
    if ev["reason"] in ("local", "dad"):
        return None
    return ev["verdict"] == "reply"


def describe(topo, req, answered, ev):
    port, sip, tip, dmac = req
    return ("topology %d, request on %s: who-has %s tell %s (to %s): kernel %s, "
            "module %s" % (topo.index, port, tip, sip, dmac,
                           "answered" if answered else "silent",
                           " ".join("%s=%s" % kv for kv in ev.items()) if ev
                           else "traced nothing"))


REASONS = {}


def compare(topo, requests, answered, decisions, tap, knobs=None):
    """Count agreements; report disagreements.  With knobs=(idr, minlen),
    a disagreement is allowed only where the knobs explain it."""
    agree = deliberate = 0
    bad = []
    for req in requests:
        port, sip, tip, _ = req
        ev = decisions.get((port, sip, tip))
        kernel = (port, sip, tip) in answered
        if ev is None:
            bad.append(describe(topo, req, kernel, ev))
            continue
        if not knobs:
            key = "%s%s" % (ev["reason"], " (kernel answered)" if kernel else "")
            REASONS[key] = REASONS.get(key, 0) + 1
        want = expected(ev)
        if want is None or want == kernel:
            agree += 1
        elif ev["reason"] == "garp" and kernel:
            deliberate += 1
        elif knobs and kernel and explained_by_knobs(ev, *knobs):
            deliberate += 1
        else:
            bad.append(describe(topo, req, kernel, ev))
    return agree, deliberate, bad


def explained_by_knobs(ev, idr, minlen):
    route, plen = ev["route"].split("/")
    plen = int(plen)
    if ev["reason"] == "default_route":
        return idr and plen == 0 and ev["table"] != "0"
    if ev["reason"] == "short_prefix":
        return plen < minlen and ev["table"] != "0"
    return False


def main():
    tap = Tap()
    print("TAP version 13")
    if os.getuid() != 0:
        print("# SKIP: must run as root")
        return KSFT_SKIP
    if not os.path.isdir("/sys/module/proxyarp"):
        run("insmod", KO)
    tap.note("seed %d (replay: PROXYARP_SEED=%d make check TESTS=parity.py)" %
             (SEED, SEED))
    trace = Trace()
    total = agree_all = deliberate_all = 0
    knob_total = knob_ok = knob_expl = 0
    try:
        for index in range(TOPOLOGIES):
            rng = random.Random("%d-%d" % (SEED, index))
            topo = Topology(index, rng)
            node = Node(topo)
            try:
                requests = topo.requests(node.macs)
                trace.clear()
                answered = node.ask(requests)
                agree, deliberate, bad = compare(topo, requests, answered,
                                                 trace.decisions(), tap)
                total += len(requests)
                agree_all += agree
                deliberate_all += deliberate
                for b in bad:
                    tap.note(b)
                tap.result(not bad, "topology %d: %d/%d agree (%d deliberate)" %
                           (index, agree, len(requests), deliberate))

                # The same questions with the knobs on.
                minlen = rng.choice([0, 8, 16, 24, 28])
                node.set_knobs(1, minlen)
                trace.clear()
                answered2 = node.ask(requests)
                agree2, expl, bad2 = compare(topo, requests, answered2,
                                             trace.decisions(), tap,
                                             knobs=(1, minlen))
                knob_total += len(requests)
                knob_ok += agree2
                knob_expl += expl
                for b in bad2:
                    tap.note("knobs on: " + b)
                tap.result(not bad2, "topology %d, ignore_default_route=1 "
                           "min_prefixlen=%d: every new difference is a "
                           "default route or a short prefix (%d)" %
                           (index, minlen, expl - deliberate))
            finally:
                node.destroy()
    finally:
        trace.close()
    tap.note("decisions by reason, knobs off: " + ", ".join(
        "%s %d" % kv for kv in sorted(REASONS.items())))
    # Agreement means little if the kernel hardly answers.  How much it
    # answers depends on the random topologies: 9% to 28% of 400
    # requests (4 topologies), 11% to 22% of 2,000, 14% to 19% of
    # 100,000 seen so far; the floor is half the lowest of those.
    replied = sum(n for k, n in REASONS.items() if "answered" in k)
    proxied = sum(REASONS.get(r + " (kernel answered)", 0)
                  for r in ("proxied", "proxy_entry"))
    tap.result(replied * 20 >= total and proxied > 0,
               "the oracle answered %d of %d requests (at least 5%%), "
               "%d of them by proxy (at least 1)" % (replied, total, proxied))
    tap.note("knobs on: %d/%d agree, %d explained by the knobs or deliberate" %
             (knob_ok, knob_total, knob_expl))
    print("# parity: %d/%d requests agree (%d deliberate differences)" %
          (agree_all + deliberate_all, total, deliberate_all))
    tap.result(agree_all + deliberate_all == total and total > 0,
               "parity: %d/%d requests agree (%d deliberate differences), seed %d" %
               (agree_all + deliberate_all, total, deliberate_all, SEED))
    print("1..%d" % tap.n)
    return KSFT_FAIL if tap.failed else KSFT_PASS


if __name__ == "__main__":
    sys.exit(main())
