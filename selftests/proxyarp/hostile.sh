#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and hostile input, into a device in mode 1 and one in mode 2:
# truncated frames, wrong hardware/protocol types and lengths, every
# opcode, broadcast/multicast/zero sender MACs, martian and local
# senders, broadcast/multicast/loopback/zero/local targets, and floods of
# valid requests for random targets.  Afterwards the module still answers
# a valid request correctly; the runner checks the kernel log.
#
#  lan                 node
# +---------+        +--------------------------------------+
# | vl0     |--------| vlan0 (mode 1)  10.0.0.1/24          |
# | vl1     |--------| vlan1 (mode 2)                       |
# +---------+        | up0 (dummy): 10.9.0.0/16, default    |
#                    +--------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

FLOOD=${PROXYARP_HOSTILE_FLOOD:-50}	# x 2 devices x 1000 random targets
sent=0

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" up0 10.9.0.0/16
	ip -n "$node" route add default dev up0
	ip -n "$node" addr add 10.0.0.1/24 dev vlan0
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 2
	ipv4 "$node" vlan0 proxy_arp 1
}

# send DEV ARPQ-OPTIONS... TARGET: send, count what was sent.
send() {
	local dev=$1 out

	shift
	out=$(ip netns exec "$lan" "$ARPQ" -i "$dev" -w 0 -q "$@" | tail -n 1)
	sent=$((sent + $(awk '{ print $2 }' <<<"$out")))
}

test_malformed() {
	local dev len v

	for dev in vl0 vl1; do
		for len in 14 15 20 27 28 35 41; do
			send "$dev" -s 10.0.0.7 -n "$len" -c 20 10.9.1.1
		done
		for v in 0 2 6 0x0306 0xffff; do
			send "$dev" -s 10.0.0.7 -H "$v" -c 20 10.9.1.1
		done
		for v in 0 0x0805 0x86dd 0xffff; do
			send "$dev" -s 10.0.0.7 -P "$v" -c 20 10.9.1.1
		done
		for v in 0 4 5 7 16 255; do
			send "$dev" -s 10.0.0.7 -L "$v" -c 20 10.9.1.1
			send "$dev" -s 10.0.0.7 -l "$v" -c 20 10.9.1.1
		done
		for v in 0 2 3 4 8 9 10 255 65535; do
			send "$dev" -s 10.0.0.7 -o "$v" -c 20 10.9.1.1
		done
		for v in ff:ff:ff:ff:ff:ff 01:00:5e:00:00:01 00:00:00:00:00:00; do
			send "$dev" -s 10.0.0.7 -S "$v" -c 20 10.9.1.1
		done
		for v in 0.0.0.0 255.255.255.255 224.0.0.1 127.0.0.1 10.0.0.1 0.1.2.3; do
			send "$dev" -s "$v" -c 20 10.9.1.1 10.0.0.1 224.0.0.5 \
				255.255.255.255 127.0.0.1 0.0.0.0 10.0.0.255
		done
	done
	# Per device: 40 shapes and 42 sender/target pairs, 20 times each.
	check_eq "$sent" "$((2 * (40 + 42) * 20))" \
		"every malformed and hostile frame was sent"
}

decisions() { # DEV: what the counters say DEV decided
	echo $(($(counter "$node" "$1" reply) + $(counter "$node" "$1" ignore)))
}

test_flood() {
	local dev before0 before1

	awk 'BEGIN { srand(7); for (i = 0; i < 1000; i++)
		printf "%d.%d.%d.%d\n", int(rand() * 223) + 1, int(rand() * 256),
		       int(rand() * 256), int(rand() * 254) + 1 }' >"$TMPDIR/targets"
	before0=$(decisions vlan0)
	before1=$(decisions vlan1)
	for dev in vl0 vl1; do
		send "$dev" -s 10.0.0.7 -f "$TMPDIR/targets" -c "$FLOOD"
	done
	check_eq "$(($(decisions vlan0) - before0)) $(($(decisions vlan1) - before1))" \
		"$((FLOOD * 1000)) $((FLOOD * 1000))" \
		"the counters add up to the valid requests flooded into each device"
	# 100,000 at least with the default flood (make check's).
	check_eq "$((sent >= 2 * FLOOD * 1000))" "1" \
		"at least 2 x $FLOOD x 1000 frames in all ($sent)"
}

test_still_answers() {
	check_eq "$(answer "$lan" vl0 10.0.0.7 10.9.4.4)" "$(mac_of "$node" vlan0)" \
		"afterwards, a valid request is answered with vlan0's MAC"
	check_eq "$(answer "$lan" vl0 10.0.0.7 10.77.0.1)" "" \
		"afterwards, the default route is still refused"
}

require_root
require_cmd ip awk
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_malformed
test_flood
test_still_answers
finish
