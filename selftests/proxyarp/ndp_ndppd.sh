#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Differential test against ndppd (Debian's, rule "auto"): on random
# topologies, the same solicitations answered once by ndppd (the module
# in mode 0) and once by the module (ndppd stopped); every disagreement
# must be one of the documented differences, by the kind of target:
#
#   live      a host behind a route through a tap        both answer
#   covered   a host in a /64 through a tap              both answer
#   dead      a /128 through a device with nobody on it  the module
#             answers from the route; ndppd asks the target first and
#             gets no answer
#   far       a host only ::/0 covers, through the uplink   ndppd
#             answers (it takes the first covering route, ::/0 too);
#             the module refuses (ignore_default_route)
#   onlink    an address in the VLAN's own prefix       neither
#   policy    a host behind a route in table 100, which ip -6 rule iif
#             vlan0 selects (in half the topologies)   the module
#             answers.  ndppd reads /proc/net/ipv6_route, which lists
#             every table and knows no rules, and takes the first line
#             that covers the target: with a table 100, that is the
#             table's own ::/0 (unreachable, on lo), listed before
#             main's routes, and ndppd answers nothing but what table
#             100 lists before its ::/0
#
# PROXYARP_SEED replays a run, PROXYARP_NDPPD_TOPOLOGIES (2) sets how
# many; NDPPD_VERBOSE=1 prints ndppd's debug log and the node's
# /proc/net/ipv6_route for each topology.
#
#  lan           node                                     guests
#  vl0 ------- vlan0 2001:db8:1::1/64     tapN -------- gN: eth0 (live)
#                                         dN (dummy, dead)
#                                         up0 -------- wan: up1 (far)

source "$(dirname "$0")/lib.sh"

node="" lan="" wan="" POLICY=0
SEED=${PROXYARP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
TOPOLOGIES=${PROXYARP_NDPPD_TOPOLOGIES:-2}
NDPPD_PID=""
NDPPD_TIMEOUT_MS=1500
declare -A KIND ANSWER

setup() {
	setup_ns node lan wan || return 1
	no_dad "$node" "$lan" "$wan"
	ip -n "$node" link add vlan0 type veth peer name vl0 netns "$lan"
	ip -n "$node" link add up0 type veth peer name up1 netns "$wan"
	ip -n "$node" link set vlan0 up
	ip -n "$node" link set up0 up
	ip -n "$lan" link set vl0 up
	ip -n "$wan" link set up1 up
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	ip -n "$node" -6 route add default dev up0
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv6/neigh/vlan0/proxy_delay'
}

# guest I: a namespace behind tapI whose eth0 will hold addresses.
guest() {
	local g

	setup_ns g || return 1
	no_dad "$g"
	ip -n "$node" link add "tap$1" type veth peer name eth0 netns "$g"
	ip -n "$node" link set "tap$1" up
	ip -n "$g" link set eth0 up
	GUEST_NS=$g
}

# topology T: random targets of every kind; fills KIND[target].
topology() {
	local t=$1 i n addr g

	KIND=()
	for ((i = 0; i < 2 + RANDOM % 2; i++)); do
		guest "$t$i" || return 1
		g=$GUEST_NS
		addr=2001:db8:$((0x10 + t)):$i::$((RANDOM % 4000 + 1))
		ip -n "$g" addr add "$addr/128" dev eth0 nodad
		ip -n "$node" -6 route add "$addr" dev "tap$t$i"
		KIND[$addr]=live
		addr=2001:db8:$((0x20 + t)):$i::$((RANDOM % 4000 + 1))
		ip -n "$g" addr add "$addr/64" dev eth0 nodad
		ip -n "$node" -6 route add "${addr%::*}::/64" dev "tap$t$i"
		KIND[$addr]=covered
	done
	add_dummy "$node" "d$t"
	for ((i = 0; i < 1 + RANDOM % 3; i++)); do
		addr=2001:db8:$((0x30 + t))::$((RANDOM % 4000 + 1))
		ip -n "$node" -6 route add "$addr" dev "d$t" 2>/dev/null
		KIND[$addr]=dead
	done
	for ((i = 0; i < 1 + RANDOM % 2; i++)); do
		addr=2001:db8:$((0x40 + t))::$((RANDOM % 4000 + 1))
		ip -n "$wan" addr add "$addr/128" dev up1 nodad
		KIND[$addr]=far
	done
	KIND[2001:db8:1::$((RANDOM % 4000 + 100))]=onlink
	POLICY=$((RANDOM % 2))
	if [ "$POLICY" = 1 ]; then
		ip -n "$node" -6 rule add iif vlan0 lookup 100 pref 100
		guest "p$t" || return 1
		g=$GUEST_NS
		addr=2001:db8:$((0x50 + t))::$((RANDOM % 4000 + 1))
		ip -n "$g" addr add "$addr/128" dev eth0 nodad
		ip -n "$node" -6 route add "$addr" dev "tapp$t" table 100
		KIND[$addr]=policy
	fi
	n=${#KIND[@]}
	[ "$n" -gt 0 ]
}

# links_ready NS...: every veth in the namespaces is up (the link watch
# has run for it, and so started the queue ndppd's solicitations and
# the answers to them leave by) and has its link-local address, none
# still tentative.
# shellcheck disable=SC2317 # called through busywait
links_ready() {
	local ns

	for ns in "$@"; do
		# a veth is NAME@PEER; none (no line) is not ready either
		ip -n "$ns" -br addr | awk '/@/ { n++; if ($2 != "UP" || !/ fe80::/) bad = 1 }
			END { exit bad || !n }' &&
			[ -z "$(ip -n "$ns" -6 addr show tentative)" ] || return 1
	done
}

ndppd_start() {
	local conf=$TMPDIR/ndppd.conf

	# route-ttl 0: ndppd re-reads the routes on every turn of its loop.
	# Its route::ifa() gives a route's interface only the first time it
	# is asked (then a null one, and the session asks nowhere), until
	# the next read makes the route anew; so two targets under one route
	# (the far ones, under ::/0) are both answered only if a read comes
	# between them.  timeout: how long it waits for the target's answer.
	cat >"$conf" <<-EOF
	route-ttl 0
	proxy vlan0 {
	    router no
	    timeout $NDPPD_TIMEOUT_MS
	    ttl 30000
	    rule 2001:db8::/32 {
	        auto
	    }
	}
	EOF
	ip netns exec "$node" ndppd ${NDPPD_VERBOSE:+-vvv} -c "$conf" >"$TMPDIR/ndppd.log" 2>&1 &
	NDPPD_PID=$!
	# ndppd has opened vlan0 once it has set allmulticast mode.
	busywait 10000 vlan0_allmulti || { ndppd_stop; return 1; }
}

# shellcheck disable=SC2317 # called through busywait
vlan0_allmulti() {
	[ "$(allmulti "$node" vlan0)" = 1 ]
}

ndppd_stop() {
	[ -n "$NDPPD_PID" ] || return 0
	kill "$NDPPD_PID" 2>/dev/null
	wait "$NDPPD_PID" 2>/dev/null
	NDPPD_PID=""
}

# ask_each T WHO WAIT_MS: asks for every target of KIND, one at a time
# (ndpq -F), each waiting up to WAIT_MS for its advertisement and no
# longer once it came; ANSWER[WHO TARGET] is 1 (answered) or 0 for each
# question ndpq says it asked, and topology T's check counts them.
ask_each() {
	local t=$1 who=$2 targets=("${!KIND[@]}") questions=$TMPDIR/questions i=0 index what

	printf '2001:db8:1::2 %s mcast\n' "${targets[@]}" >"$questions"
	while read -r _ index what _ && [ "$index" = "$i" ]; do
		ANSWER[$who ${targets[i]}]=$([ "$what" = frame ] && echo 1 || echo 0)
		i=$((i + 1))
	done < <(ip netns exec "$lan" "$NDPQ" -i vl0 -F "$questions" -w "$3")
	check_eq "$i" "${#targets[@]}" "topology $t: every target asked, $who answering"
}

# expected KIND NDPPD MODULE: both answers are what the kind allows,
# with a policy table (POLICY=1, ndppd answers nothing) or without.
expected() {
	case $POLICY/$1/$2/$3 in
	0/live/1/1 | 0/covered/1/1 | 0/dead/0/1 | 0/far/1/0 | 0/onlink/0/0) return 0 ;;
	1/live/0/1 | 1/covered/0/1 | 1/dead/0/1 | 1/far/0/0 | 1/onlink/0/0 | 1/policy/[01]/1) return 0 ;;
	*) return 1 ;;
	esac
}

test_topology() {
	local t=$1 target a_ndppd a_module agree=0 explained_n=0 bad=0 n=0 why=""
	local first_ns=${#NS_LIST[@]}

	setup || { log_test 1 "topology $t: namespaces"; return; }
	topology "$t" || { log_test 1 "topology $t: built"; return; }
	check_eq "$(busywait 10000 links_ready "${NS_LIST[@]:first_ns}" && echo ready)" ready \
		"topology $t: every link up, with its link-local address"
	pn "$node" vlan0 mode 0
	ndppd_start || { log_test 1 "topology $t: ndppd started"; sed 's/^/# /' "$TMPDIR/ndppd.log"; return; }
	ANSWER=()
	ask_each "$t" ndppd $((NDPPD_TIMEOUT_MS + 1000))
	check_eq "$(kill -0 "$NDPPD_PID" 2>&1 && echo running)" running "topology $t: ndppd still running after them"
	ndppd_stop
	[ -z "${NDPPD_VERBOSE:-}" ] || sed 's/^/# ndppd: /' "$TMPDIR/ndppd.log" | grep -v 'reading routes' | head -80
	[ -z "${NDPPD_VERBOSE:-}" ] || ip netns exec "$node" cat /proc/net/ipv6_route | sed 's/^/# /'
	ip -n "$node" -6 neigh flush dev vlan0
	pn "$node" vlan0 mode 1
	ask_each "$t" module 1500
	for target in "${!KIND[@]}"; do
		a_ndppd=${ANSWER[ndppd $target]:-}
		a_module=${ANSWER[module $target]:-}
		n=$((n + 1))
		if ! expected "${KIND[$target]}" "$a_ndppd" "$a_module"; then
			why+=" $target (${KIND[$target]}): ndppd ${a_ndppd:-?}, module ${a_module:-?};"
			bad=$((bad + 1))
		elif [ "$a_ndppd" = "$a_module" ]; then
			agree=$((agree + 1))
		else
			explained_n=$((explained_n + 1))
		fi
	done
	check_eq "$(allmulti "$node" vlan0)" 1 "topology $t: vlan0 in allmulticast mode for the module"
	pn "$node" vlan0 mode 0
	check_eq "$(allmulti "$node" vlan0)" 0 "topology $t: and out of it after ndppd and the module"
	check_eq "$bad" 0 "topology $t ($([ "$POLICY" = 1 ] && echo "a policy table" || echo "main only")): $n targets, $agree agree, $explained_n documented differences${why:+; not as documented (seed $SEED):$why}"
	TOTAL=$((TOTAL + n)) AGREE=$((AGREE + agree)) EXPLAINED=$((EXPLAINED + explained_n))
}

require_root
require_cmd ip ndppd python3
TMPDIR=$(mktemp -d)
trap 'ndppd_stop; cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"

RANDOM=$SEED
echo "# ndppd: seed $SEED (PROXYARP_SEED to replay)"
TOTAL=0 AGREE=0 EXPLAINED=0
for ((t = 0; t < TOPOLOGIES; t++)); do
	test_topology "$t"
done
echo "# ndppd: $TOTAL targets, $AGREE agree, $EXPLAINED documented differences"
finish
