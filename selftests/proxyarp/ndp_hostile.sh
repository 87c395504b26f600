#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile neighbour solicitations, counted exactly: each kind is sent a
# known number of times to a device in mode 1 and one in mode 2, and
# the counters of /proc/net/stat/proxyndp must grow by exactly that,
# under the reason RFC 4861 7.1.1 (as ndisc_recv_ns() applies it) says,
# with no advertisement on the wire.  Then floods: a stream of valid
# solicitations for random targets, all counted, and one over max_rate,
# where every solicitation is either answered or rate_limited.
#
#  lan                 node
# +---------+        +-------------------------------------------+
# | vl0     |--------| vlan0 (mode 1) 2001:db8:1::1/64, rx csum off|
# | vl1     |--------| vlan1 (mode 2) 2001:db8:2::1/64, rx csum off|
# +---------+        | tap0 (dummy): 2001:db8:9::/64             |
#                    +-------------------------------------------+

source "$(dirname "$0")/lib.sh"

node="" lan=""
COUNTERS=/proc/net/stat/proxyndp
N=${PROXYARP_NDP_HOSTILE_N:-20}
TARGET=2001:db8:9::5

setup() {
	setup_ns node lan || return 1
	ip -n "$node" link add vlan0 type veth peer name vl0 netns "$lan"
	ip -n "$node" link add vlan1 type veth peer name vl1 netns "$lan"
	add_dummy "$node" tap0 2001:db8:9::/64
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$node" addr add 2001:db8:2::1/64 dev vlan1 nodad
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	ip -n "$lan" addr add 2001:db8:2::2/64 dev vl1 nodad
	local dev
	for dev in vlan0 vlan1; do
		ip -n "$node" link set "$dev" up
		# The kernel then checks the checksum itself, as we do.
		ip netns exec "$node" ethtool -K "$dev" rx off >/dev/null 2>&1
	done
	ip -n "$lan" link set vl0 up
	ip -n "$lan" link set vl1 up
	pn "$node" vlan0 mode 1
	pn "$node" vlan1 mode 2
}

# kind DESCRIPTION REASON NDPQ-OPTIONS...: N of them to each device, each
# counted once under REASON, none answered.
kind() {
	local what=$1 reason=$2 dev lan_dev src before after out

	shift 2
	for dev in vlan0 vlan1; do
		lan_dev=vl${dev#vlan}
		src=2001:db8:$((${dev#vlan} + 1))::2
		before=$(counter "$node" "$dev" "$reason")
		out=$(ip netns exec "$lan" "$NDPQ" -i "$lan_dev" -s "$src" -c "$N" \
			-w 100 "$@" | tail -n 1)
		after=$(counter "$node" "$dev" "$reason")
		check_eq "$out/$((after - before))" "sent $N replies 0/$N" \
			"$what on $dev: $N sent, $N counted $reason, none answered"
	done
}

test_kinds() {
	kind "truncated (20 bytes)" invalid --truncate 20 "$TARGET"
	kind "a bad checksum" invalid --bad-csum "$TARGET"
	kind "hop limit 254" invalid --hlim 254 "$TARGET"
	kind "code 1" invalid --code 1 "$TARGET"
	kind "an option of length 0" invalid --zero-opt "$TARGET"
	kind "a source link-layer option of 16 bytes" invalid --sllao-len 2 "$TARGET"
	kind "DAD with a source link-layer option" invalid -s :: "$TARGET"
	kind "DAD to all nodes" invalid -s :: --no-sllao -d ff02::1 "$TARGET"
	kind "a multicast target" martian_target ff02::1:2
}

# A valid solicitation behind 150 unknown options: the kernel ignores
# unknown options, so does the module.
test_option_flood() {
	local out

	out=$(ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 --opts-before 150 \
		--opts 20 "$TARGET" | grep -c '^reply')
	check_eq "$out" 1 "170 unknown options around the link-layer option: answered"
}

test_flood() {
	local targets=() i before after out sent replies

	for ((i = 0; i < 200; i++)); do
		targets+=("2001:db8:9::$(printf '%x:%x' $((RANDOM)) $((RANDOM)))")
	done
	before=$(counter "$node" vlan0 reply)
	out=$(ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 -q -w 300 "${targets[@]}" |
	      tail -n 1)
	after=$(counter "$node" vlan0 reply)
	check_eq "$out/$((after - before))" "sent 200 replies 200/200" \
		"a flood of 200 random targets: 200 answered, 200 counted"

	# 2000 more, 1000 a second, from tools/ndpflood
	printf '2001:db8:9::1:%x\n' $(seq 1 2000) >"$TMPDIR/flood"
	before=$(counter "$node" vlan0 reply)
	out=$(ip netns exec "$lan" "$NDPFLOOD" -i vl0 -s 2001:db8:1::2 -r 1000 -w 500 \
		-f "$TMPDIR/flood" | tail -n 1)
	after=$(counter "$node" vlan0 reply)
	check_eq "$out/$((after - before))" "sent 2000 replies 2000/2000" \
		"2000 at 1000/s: 2000 answered, 2000 counted"

	pn "$node" vlan0 max_rate 10
	pn "$node" vlan0 max_burst 5
	before=$(( $(counter "$node" vlan0 reply) + $(counter "$node" vlan0 rate_limited) ))
	out=$(ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 -q -w 300 "${targets[@]}" |
	      tail -n 1)
	sent=$(awk '{ print $2 }' <<<"$out")
	replies=$(awk '{ print $4 }' <<<"$out")
	after=$(( $(counter "$node" vlan0 reply) + $(counter "$node" vlan0 rate_limited) ))
	check_eq "$((after - before))" "$sent" "over max_rate: every solicitation counted, answered or rate_limited"
	# One sender: its own share's burst (2), then what is above half
	# the device's (2): 3 at once.
	check_eq "$((replies >= 3 && replies < 200))" 1 \
		"over max_rate 10, burst 5, one sender: $replies of $sent answered"
	check_match "$(dmesg | grep 'over max_rate' | tail -n 1)" \
		"vlan0: over max_rate 10/s: [0-9]+ proxy neighbour solicitation\(s\) not answered" \
		"the kernel log says so"
	pn "$node" vlan0 max_rate 0
}

# After all that, a valid solicitation is answered as before.
test_still() {
	check_match "$(ask6 "$lan" vl0 2001:db8:1::2 "$TARGET")" \
		"^reply $TARGET from 2001:db8:1::1 to 2001:db8:1::2 hlim=255 flags=-S- " \
		"afterwards: a valid solicitation is answered"
}

require_root
require_cmd ip ethtool python3
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
# $RANDOM's choices, replayable: PROXYARP_SEED.
SEED=${PROXYARP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
echo "# seed $SEED (PROXYARP_SEED to replay)"
setup || exit "$ksft_fail"

test_kinds
test_option_flood
test_flood
test_still
finish
