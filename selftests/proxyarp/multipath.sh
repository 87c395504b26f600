#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multipath routes.  The kernel picks one nexthop by a hash which, for an
# ARP packet, is taken over ARP header bytes read as an IP header; the
# module answers only when every live nexthop would justify the answer.
#
#  lan                 node
# +---------+        +------------------------------------------+
# | vl0     |--------| vlan0 (mode 1)                           |
# +---------+        | d0, d1 (dummies)                         |
#                    | 10.5.0.0/16 nexthop dev d0 nexthop dev d1    |
#                    | 10.6.0.0/16 nexthop dev d0 nexthop dev vlan0 |
#                    | 10.7-10.10: through nexthop objects        |
#                    +------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" d0
	add_dummy "$node" d1
	ip -n "$node" route add 10.5.0.0/16 nexthop dev d0 nexthop dev d1
	ip -n "$node" route add 10.6.0.0/16 nexthop dev d0 nexthop dev vlan0
	pa "$node" vlan0 mode 1
}

# hash_control TARGET WHAT: whatever nexthop the kernel's hash picks for
# TARGET, it cannot answer what the module refused.  Forty askers, so
# that the hash varies: the control, the kernel alone (proxy_arp, mode
# 0), answers those hashed to d0; beside mode 1, none is answered.
# WHAT prefixes the checks' names.
hash_control() {
	local sent replies

	ipv4 "$node" vlan0 proxy_arp 1
	seq -f "192.0.2.%g $1" 10 49 >"$TMPDIR/askers"
	pa "$node" vlan0 mode 0
	read -r _ sent _ replies <<<"$(ip netns exec "$lan" "$ARPQ" -i vl0 -F "$TMPDIR/askers" |
		tail -n 1)"
	check_eq "$sent $((replies > 0 && replies < 40))" "40 1" \
		"${2}control, the kernel alone: $replies of 40 askers hashed to d0, the others to vlan0"
	pa "$node" vlan0 mode 1
	check_eq "$(ip netns exec "$lan" "$ARPQ" -i vl0 -F "$TMPDIR/askers" | tail -n 1)" \
		"sent 40 replies 0" \
		"${2}kernel proxy_arp beside mode 1: none of 40 askers answered"
	ipv4 "$node" vlan0 proxy_arp 0
}

test_multipath() {
	local mac

	mac=$(mac_of "$node" vlan0)
	trace_start
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.5.1.1)" "$mac" \
		"every nexthop leaves through another device: answered"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.6.1.1)" "" \
		"a nexthop leaves through the receiving device: not answered"
	check_match "$(trace_lines | grep 'tip=10.6.1.1 ')" \
		"verdict=ignore reason=same_device table=254 route=10.6.0.0/16" \
		"trace says why"
	ip -n "$node" link set d1 down
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.5.1.2)" "$mac" \
		"a dead nexthop does not count"
	ip -n "$node" link set d1 up

	hash_control 10.6.2.1 ""
}

# Routes through nexthop objects (ip nexthop, as FRR installs them):
# decided as routes with nexthops of their own are.
test_nexthop_objects() {
	local mac

	mac=$(mac_of "$node" vlan0)
	ip -n "$node" -4 nexthop add id 1 dev d0
	ip -n "$node" -4 nexthop add id 2 dev d1
	ip -n "$node" -4 nexthop add id 3 dev vlan0
	ip -n "$node" nexthop add id 10 group 1/2
	ip -n "$node" nexthop add id 11 group 1/3
	ip -n "$node" route add 10.7.0.0/16 nhid 1
	ip -n "$node" route add 10.8.0.0/16 nhid 10
	ip -n "$node" route add 10.9.0.0/16 nhid 11
	ip -n "$node" route add 10.10.0.0/16 nhid 3
	check_eq "$(ip -n "$node" route show | grep -c ' nhid ')" 4 \
		"four routes through nexthop objects"
	trace_start
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.1)" "$mac" \
		"nexthop object through another device: answered"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.8.1.1)" "$mac" \
		"nexthop group, every nexthop through another device: answered"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.9.1.1)" "" \
		"nexthop group, a nexthop through the receiving device: not answered"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.10.1.1)" "" \
		"nexthop object through the receiving device: not answered"
	check_match "$(trace_lines | grep 'tip=10.9.1.1 ')" \
		"verdict=ignore reason=same_device table=254 route=10.9.0.0/16" \
		"nexthop group: trace says why"
	check_match "$(trace_lines | grep 'tip=10.10.1.1 ')" \
		"verdict=ignore reason=same_device table=254 route=10.10.0.0/16" \
		"nexthop object through the receiving device: trace says why"

	hash_control 10.9.2.1 "nexthop group, "
}

require_root
require_cmd ip
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_multipath
test_nexthop_objects
finish
