#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hooks' reads of the knobs against their writers, at once: ARP and
# NDP requests flood vlan0 from CPU 0 while a writer on CPU 1 flips each
# knob the request path reads, in both trees, as fast as it can.  Here
# the module must answer throughout and after; on a KCSAN kernel (make
# check-kcsan) this is what makes a plain read of a knob on that path a
# report: a read watched on CPU 0 while CPU 1 writes.
#
#  lan                 node
# +---------+        +------------------------------------------+
# | vl0     |--------| vlan0: ARP and NDP mode 1                |
# +---------+        | up0 (dummy): 10.9.0.0/16, 2001:db8:9::/64 |
#                    +------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

SECONDS_EACH=${PROXYARP_RACES_SECONDS:-20}
# Each knob the request path reads, and the two values it flips between.
FLIPS="mode:1:2 min_prefixlen:0:8 ignore_default_route:1:0
	max_rate:0:1000000 max_burst:50:1000 honor_proxy_delay:0:1
	route_proto:0:4 announce:0:1"

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" up0 10.9.0.0/16
	ip -n "$node" route add 2001:db8:9::/64 dev up0
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	ip netns exec "$node" ethtool -K vlan0 rx off >/dev/null 2>&1
	pa "$node" vlan0 mode 1
	pn "$node" vlan0 mode 1
}

# The writer, on CPU 1: every knob of FLIPS in both trees (where the
# tree has it), in turn, for SECONDS_EACH; then the count of writes.
writer() {
	# shellcheck disable=SC2016 # the inner shell's
	ip netns exec "$node" taskset -c 1 python3 -c '
import os, sys, time
flips = [f.split(":") for f in sys.argv[1].split()]
end = time.monotonic() + float(sys.argv[2])
n = 0
paths = [("/proc/sys/net/%s/conf/vlan0/%s" % (tree, k), a, b)
         for tree in ("proxyarp", "proxyndp") for k, a, b in flips]
fds = [(open(p, "w"), a, b) for p, a, b in paths if os.path.exists(p)]
while time.monotonic() < end:
    for f, a, b in fds:
        for v in (b, a):
            f.seek(0)
            f.write(v)
            f.flush()
            n += 1
print(n)
' "$FLIPS" "$SECONDS_EACH"
}

test_flips() {
	local wpid apid npid writes rx

	for i in 1 2 3 4 5 6 7 8; do
		seq -f "10.9.$i.%g" 1 250
	done >"$TMPDIR/targets4"
	# ndpflood sends its list once: enough for the time, at 500 a second.
	seq 1 $((SECONDS_EACH * 500)) | xargs printf '2001:db8:9::%x\n' >"$TMPDIR/targets6"
	rx=$(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets)
	writer >"$TMPDIR/writes" 2>&1 &
	wpid=$!
	ip netns exec "$lan" taskset -c 0 "$ARPQ" -i vl0 -s 192.0.2.1 -r 500 \
		-c 1000000 -w 0 -q -f "$TMPDIR/targets4" >/dev/null 2>&1 &
	apid=$!
	ip netns exec "$lan" taskset -c 0 "$NDPFLOOD" -i vl0 -s 2001:db8:1::2 -r 500 \
		-w 0 -f "$TMPDIR/targets6" >/dev/null 2>&1 &
	npid=$!
	wait "$wpid"
	kill "$apid" "$npid" 2>/dev/null
	wait "$apid" "$npid" 2>/dev/null
	writes=$(tail -n 1 "$TMPDIR/writes")
	rx=$(($(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets) - rx))
	echo "# $writes knob writes, $rx frames received in ${SECONDS_EACH} s"
	check_eq "$((writes > 100)) $((rx > 100))" "1 1" \
		"knobs written ($writes) while requests arrived ($rx), at once"
	check_eq "$(pa "$node" vlan0 mode)/$(pn "$node" vlan0 mode)" "1/1" \
		"each knob ends at the value written last"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.9.0.1)" "$(mac_of "$node" vlan0)" \
		"ARP is answered after"
	check_eq "$(ask6 "$lan" vl0 2001:db8:1::2 2001:db8:9::1 | awk '{ print $2 }')" \
		"2001:db8:9::1" "NDP is answered after"
}

TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
require_root
require_cmd ip taskset python3 ethtool
module_load || exit 1
setup || exit 1

test_flips

finish
