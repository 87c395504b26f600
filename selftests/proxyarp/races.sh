#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hooks' reads of the knobs against their writers, at once: ARP and
# NDP requests flood vlan0 from CPU 0 while a writer on CPU 1 flips each
# knob the request path reads, in both trees, as fast as it can.  Here
# the module must answer throughout and after; on a KCSAN kernel (make
# check-kcsan) this is what gives a plain read of a knob on that path a
# chance to be reported: a read watched on CPU 0 while CPU 1 writes (a
# mutant reading knobs plainly was reported in two runs of four).
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
# Each knob the request path reads, and the two values it flips between
# (not NDP's na_source, whose other value needs an address there).
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
print("files", len(fds))
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
	local wpid apid npid writes rx rc alive=0 files

	for i in 1 2 3 4 5 6 7 8; do
		seq -f "10.9.$i.%g" 1 250
	done >"$TMPDIR/targets4"
	# ndpflood sends its list once: enough for twice the time, at 500 a
	# second, so that it outlasts the writer.
	seq 1 $((SECONDS_EACH * 1000)) | xargs printf '2001:db8:9::%x\n' >"$TMPDIR/targets6"
	rx=$(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets)
	writer >"$TMPDIR/writes" 2>&1 &
	wpid=$!
	bg_pids=("$wpid")
	ip netns exec "$lan" taskset -c 0 "$ARPQ" -i vl0 -s 192.0.2.1 -r 500 \
		-c 1000000 -w 0 -q -f "$TMPDIR/targets4" >/dev/null 2>&1 &
	apid=$!
	bg_pids+=("$apid")
	ip netns exec "$lan" taskset -c 0 "$NDPFLOOD" -i vl0 -s 2001:db8:1::2 -r 500 \
		-w 0 -f "$TMPDIR/targets6" >/dev/null 2>&1 &
	npid=$!
	bg_pids+=("$npid")
	wait "$wpid"
	rc=$?
	# Both floods lasted the writer's whole time.
	kill -0 "$apid" 2>/dev/null && kill -0 "$npid" 2>/dev/null && alive=1
	kill "$apid" "$npid" 2>/dev/null
	wait "$apid" "$npid" 2>/dev/null
	bg_pids=()
	files=$(sed -n 's/^files //p' "$TMPDIR/writes")
	writes=$(tail -n 1 "$TMPDIR/writes")
	[[ $writes =~ ^[0-9]+$ ]] || { cat "$TMPDIR/writes"; writes=0; }
	rx=$(($(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets) - rx))
	echo "# $writes knob writes, $rx frames received in ${SECONDS_EACH} s"
	check_eq "$rc $files $((writes > 100)) $alive $((rx > 100))" "0 15 1 1 1" \
		"15 knobs written ($writes writes) while both floods ran ($rx frames received)"
	check_eq "$(pa "$node" vlan0 mode)/$(pn "$node" vlan0 mode)" "1/1" \
		"mode ends at the value written last, in both trees"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.9.0.1)" "$(mac_of "$node" vlan0)" \
		"ARP is answered after"
	check_eq "$(ask6 "$lan" vl0 2001:db8:1::2 2001:db8:9::1 | awk '{ print $2 }')" \
		"2001:db8:9::1" "NDP is answered after"
}

# What still runs when the script ends early (its timeout).
bg_pids=()
TMPDIR=$(mktemp -d)
trap 'kill "${bg_pids[@]}" 2>/dev/null; cleanup; rm -rf "$TMPDIR"' EXIT
require_root
require_cmd ip taskset python3 ethtool
if [ "$(nproc)" -lt 2 ]; then
	echo "# SKIP: the writer and the floods need a CPU each"
	exit "$ksft_skip"
fi
module_load || exit 1
setup || exit 1

test_flips

finish
