#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Explicit proxy entries (ip neigh add proxy ADDR dev DEV).  The kernel
# asks for one only when routing alone would not proxy (arp_fwd_proxy()
# || arp_fwd_pvlan() || pneigh_lookup()); the module does the same, so
# an entry names the reason (proxy_entry) only where it is what answers:
# where medium_id or the safety knobs refuse the route.  An announcement
# (announce) decides the same way.
#
#  lan                 node
# +---------+        +----------------------------------------+
# | vl0     |--------| vlan0 (mode 1, proxy_arp 0)            |
# +---------+        | d0 (dummy)  10.7.0.0/16, default       |
#                    | proxy entries 10.7.1.1, 10.8.1.1 (vlan0) |
#                    +----------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" d0 10.7.0.0/16 || return 1
	ip -n "$node" route add default dev d0
	ip -n "$node" neigh add proxy 10.7.1.1 dev vlan0
	ip -n "$node" neigh add proxy 10.8.1.1 dev vlan0
	pa "$node" vlan0 mode 1
}

test_routing_first() {
	local mac

	mac=$(mac_of "$node" vlan0)
	trace_start || return
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.1)" "$mac" \
		"a routed target with an entry: answered"
	check_eq "$(reason_of 10.7.1.1)" "proxied" \
		"routing answers it, the entry is not needed: proxied"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.2)" "$mac" \
		"a routed target without an entry: answered"
	check_eq "$(reason_of 10.7.1.2)" "proxied" "and proxied"
}

test_entry_over_knobs() {
	local mac

	mac=$(mac_of "$node" vlan0)
	pa "$node" vlan0 ignore_default_route 1
	pa "$node" vlan0 min_prefixlen 24
	trace_start || return
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.8.1.1)" "$mac" \
		"default route refused, but an entry: answered"
	check_eq "$(reason_of 10.8.1.1)" "proxy_entry" "reason proxy_entry"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.8.1.2)" "" \
		"default route, no entry: not answered"
	check_eq "$(reason_of 10.8.1.2)" "default_route" "reason default_route"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.1)" "$mac" \
		"short prefix refused, but an entry: answered"
	check_eq "$(reason_of 10.7.1.1)" "proxy_entry" "reason proxy_entry"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.2)" "" \
		"short prefix, no entry: not answered"
	check_eq "$(reason_of 10.7.1.2)" "short_prefix" "reason short_prefix"
	pa "$node" vlan0 ignore_default_route 0
	pa "$node" vlan0 min_prefixlen 0
}

test_entry_over_medium() {
	local mac

	mac=$(mac_of "$node" vlan0)
	ipv4 "$node" vlan0 medium_id 1
	ipv4 "$node" d0 medium_id 1
	trace_start || return
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.1)" "$mac" \
		"one medium, but an entry: answered"
	check_eq "$(reason_of 10.7.1.1)" "proxy_entry" "reason proxy_entry"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.2)" "" \
		"one medium, no entry: not answered"
	check_eq "$(reason_of 10.7.1.2)" "medium_id" "reason medium_id"
	ipv4 "$node" vlan0 medium_id 0
	ipv4 "$node" d0 medium_id 0
}

# ann_lines ADDRESS: vlan0's announcements of ADDRESS, a line each.
ann_lines() {
	announce_lines | grep "^dev=vlan0 .*addr=$1 "
}

# ann_round ADDRESS N: ADDRESS's N-th announcement, after a new MAC.
# shellcheck disable=SC2317 # called through busywait
ann_round() {
	ann_lines "$1" | grep -q "trigger=up count=$2 "
}

# An announcement decides as a request does: with one medium, vlan0
# announces the host route with an entry, not the one without.  The
# trigger is a new MAC (a bounce would delete the entries with the
# link).  A scan queues every address before the entry's second round,
# 2 s after its first: by then a wrong 10.7.1.2 is traced.  Then d0 on
# a medium of its own: the other is announced, so medium_id refused it.
test_entry_announced() {
	local wrong

	trace_start || return
	ip -n "$node" route add 10.7.1.1/32 dev d0
	ip -n "$node" route add 10.7.1.2/32 dev d0
	ipv4 "$node" vlan0 medium_id 1
	ipv4 "$node" d0 medium_id 1
	pa "$node" vlan0 announce 2
	ip -n "$node" link set vlan0 address 02:00:00:00:07:01
	busywait 10000 ann_round 10.7.1.1 2
	check_eq "$?" 0 "one medium, an entry: announced twice after vlan0's new MAC"
	wrong=$(ann_lines 10.7.1.2)
	[ -z "$wrong" ] || printf '# %s\n' "${wrong//$'\n'/$'\n'# }"
	check_eq "$(grep -c . <<<"$wrong")" 0 "one medium, no entry: not announced"
	ipv4 "$node" d0 medium_id 2
	ip -n "$node" link set vlan0 address 02:00:00:00:07:02
	busywait 10000 ann_round 10.7.1.2 1
	check_eq "$?" 0 "two media, no entry: announced (medium_id refused it above)"
	pa "$node" vlan0 announce 0
	ipv4 "$node" vlan0 medium_id 0
	ipv4 "$node" d0 medium_id 0
	ip -n "$node" route del 10.7.1.1/32 dev d0
	ip -n "$node" route del 10.7.1.2/32 dev d0
}

# The module refuses a gratuitous request; the kernel would answer it
# from the entry even with proxy_arp 0, so the module must consume it.
test_garp_consumed() {
	trace_start || return
	check_eq "$(answer "$lan" vl0 10.7.1.1 10.7.1.1)" "" \
		"a gratuitous request for an entry: not answered"
	check_eq "$(reason_of 10.7.1.1)" "garp" "reason garp"
	pa "$node" vlan0 mode 0
	check_eq "$(answer "$lan" vl0 10.7.1.1 10.7.1.1)" \
		"$(mac_of "$node" vlan0)" \
		"mode 0: the kernel answers it (the check above can fail)"
	pa "$node" vlan0 mode 1
}

# A reply the storm guard refuses is consumed like any refusal the
# kernel would answer, here from the entry (proxy_arp is 0).
test_guard_consumes() {
	local sent replies ms want

	pa "$node" vlan0 max_burst 1
	pa "$node" vlan0 max_rate 1
	read -r sent replies ms <<<"$(tally "$lan" vl0 -s 192.0.2.1 -w 300 \
		-f <(yes 10.7.1.1 | head -n 20))"
	want=$(awk -v ms="$ms" 'BEGIN { printf "%d", 1 + ms / 1000 }')
	check_eq "$sent $((replies >= 1 && replies <= want))" "20 1" \
		"max_rate 1, 20 requests for an entry's target: $replies answered in $ms ms, 1 to $want"
	pa "$node" vlan0 max_rate 0
}

require_root
require_cmd ip
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_routing_first
test_entry_over_knobs
test_entry_over_medium
test_entry_announced
test_garp_consumed
test_guard_consumes
finish
