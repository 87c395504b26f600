#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The routed node with IPv6: the module answers neighbour solicitations
# from routes, checked from the wire (tools/ndpq asks on the VLAN, the
# kernel's answers and the module's are told apart by the trace).
#
#  lan                    node                                   guest
# +-----------+        +----------------------------------+   +--------------------+
# | vl0       |--------| vlan0 2001:db8:1::1/64     tap0  |---| eth0 2001:db8:1::10 |
# | ::2 (gw), |        |                            tap1  |   +--------------------+
# |  askers   |        | up0 (dummy, main's default)      |
# +-----------+        +----------------------------------+
#
# node:  ip -6 rule iif vlan0 lookup 100
#        table 100: 2001:db8:1::/64 dev vlan0, default via ::2 dev vlan0,
#                   2001:db8:1::10 dev tap0 (the guest)
#        main:      default dev up0
#
# The bounce (vlan0 down and up) takes table 100's routes through vlan0
# away: a solicitation for another address on the VLAN then finds main's
# default route, which ignore_default_route refuses.

source "$(dirname "$0")/lib.sh"

node="" lan="" guest=""
COUNTERS=/proc/net/stat/proxyndp

NODE=2001:db8:1::1
GW=2001:db8:1::2
GUEST=2001:db8:1::10
OTHER=2001:db8:1::50
FAR=2001:db8:77::1

setup() {
	setup_ns node lan guest || return 1
	no_dad "$node" "$lan" "$guest"
	ip -n "$node" link add vlan0 type veth peer name vl0 netns "$lan"
	ip -n "$node" link add tap0 type veth peer name eth0 netns "$guest"
	add_dummy "$node" tap1
	add_dummy "$node" up0
	ip -n "$lan" link set vl0 up
	ip -n "$lan" addr add "$GW/64" dev vl0 nodad
	ip -n "$guest" link set eth0 up
	ip -n "$guest" addr add "$GUEST/64" dev eth0 nodad
	ip -n "$node" link set vlan0 up
	ip -n "$node" link set tap0 up
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:ff::1/64 dev up0 nodad
	ip -n "$node" -6 route add default dev up0
	ip -n "$node" -6 rule add iif vlan0 lookup 100
	vlan_up
}

# What ifup and the hooks would do for vlan0: its address (the routes
# are table 100's, not main's), table 100.
vlan_up() {
	ip -n "$node" addr add "$NODE/64" dev vlan0 nodad noprefixroute
	ip -n "$node" -6 route add 2001:db8:1::/64 dev vlan0 table 100
	ip -n "$node" -6 route add default via "$GW" dev vlan0 table 100
	ip -n "$node" -6 route replace "$GUEST" dev tap0 table 100
}

# ask TARGET [NDPQ OPTIONS]: from the gateway, on the VLAN.
ask() {
	ask6 "$lan" vl0 "$GW" "$@"
}

node_mac() {
	mac_of "$node" vlan0
}

test_off() {
	local out

	out=$(ip netns exec "$lan" "$NDPQ" -i vl0 -s "$GW" "$GUEST")
	check_match "$out" "^sent 1 replies 0$" \
		"mode 0: a solicitation for the guest was sent, none answered"
}

test_answer() {
	local out

	pn "$node" vlan0 mode 1
	trace_start
	ip -n "$node" -6 neigh flush dev vlan0
	out=$(ask "$GUEST")
	check_eq "$(wc -l <<<"$out")" 1 "the guest: one advertisement"
	check_match "$out" \
		"^reply $GUEST from $NODE to $GW hlim=255 flags=-S- tllao=$(node_mac) " \
		"solicited, router and override clear, the VLAN's MAC as target's, from vlan0's address"
	check_match "$(trace6_of "$GUEST")" \
		"dev=vlan0 .*saddr=$GW target=$GUEST sha=$(mac_of "$lan" vl0) verdict=reply reason=proxied table=100 route=$GUEST/128 oif=tap0 mode=on proto=3" \
		"traced: proxied by table 100's /128 through tap0"
	check_match "$(ip -n "$node" -6 neigh show "$GW" dev vlan0)" \
		"lladdr $(mac_of "$lan" vl0) " "the asker is learnt from its link-layer option"
}

test_unicast() {
	local out

	out=$(ask "$GUEST" -d "$GUEST" -D "$(node_mac)" --no-sllao)
	check_match "$out" "^reply $GUEST from $NODE to $GW hlim=255 flags=-S- tllao=- " \
		"a unicast solicitation: answered without the target's link-layer option"
}

test_no_lladdr() {
	local out

	ip -n "$lan" addr add 2001:db8:1::99/64 dev vl0 nodad
	out=$(ask6 "$lan" vl0 2001:db8:1::99 "$GUEST" --no-sllao)
	check_eq "$out" "" "a multicast solicitation without link-layer option, unknown sender: no answer"
	check_eq "$(reason6_of "$GUEST")" no_lladdr "traced no_lladdr"
	# ndisc_recv_ns() answers one whose sender it has an entry for.
	ip -n "$node" -6 neigh replace 2001:db8:1::99 lladdr "$(mac_of "$lan" vl0)" \
		dev vlan0 nud stale
	out=$(ask6 "$lan" vl0 2001:db8:1::99 "$GUEST" --no-sllao)
	check_match "$out" "^reply $GUEST .* tllao=$(node_mac) " \
		"the same from a sender the node has an entry for: answered"
	ip -n "$node" -6 neigh del 2001:db8:1::99 dev vlan0
}

test_refusals() {
	check_eq "$(ask "$OTHER")" "" "another address on the VLAN: no answer"
	check_eq "$(reason6_of "$OTHER")" same_device "traced same_device (table 100's /64)"
	check_eq "$(ask "$FAR")" "" "an address off the VLAN: no answer"
	check_match "$(trace6_of "$FAR")" "reason=same_device table=100 route=::/0 oif=vlan0" \
		"traced same_device (table 100's default, through the gateway)"

	ip -n "$node" -6 route add 2001:db8:5::/64 dev tap1 table 100
	check_match "$(ask 2001:db8:5::1)" "^reply 2001:db8:5::1 " "a /64 through tap1: answered"
	pn "$node" vlan0 min_prefixlen 65
	check_eq "$(ask 2001:db8:5::1)" "" "min_prefixlen 65: the /64 no longer answers"
	check_eq "$(reason6_of 2001:db8:5::1)" short_prefix "traced short_prefix"
	pn "$node" vlan0 min_prefixlen 0
	pn "$node" vlan0 route_proto 4
	check_eq "$(ask 2001:db8:5::1)" "" "route_proto 4: the /64 added as proto boot no longer answers"
	check_match "$(trace6_of 2001:db8:5::1)" \
		"verdict=ignore reason=route_proto table=100 route=2001:db8:5::/64 oif=tap1 mode=on proto=3$" \
		"traced route_proto, the route's protocol 3"
	ip -n "$node" -6 route replace 2001:db8:5::/64 dev tap1 table 100 proto static
	check_match "$(ask 2001:db8:5::1)" "^reply 2001:db8:5::1 " "route_proto 4: the /64 as proto static answers"
	ip -n "$node" -6 route replace 2001:db8:5::/64 dev tap1 table 100 proto boot
	ip -n "$node" -6 neigh add proxy 2001:db8:5::1 dev vlan0
	check_match "$(ask 2001:db8:5::1)" "^reply 2001:db8:5::1 " "route_proto 4: an explicit entry still answers"
	check_eq "$(reason6_of 2001:db8:5::1)" proxy_entry "traced proxy_entry"
	ip -n "$node" -6 neigh del proxy 2001:db8:5::1 dev vlan0
	pn "$node" vlan0 route_proto 0

	local type

	for type in unreachable blackhole prohibit; do
		ip -n "$node" -6 route replace "$type" 2001:db8:6::/64 table 100
		trace_start	# this type's event, not the last one's
		check_eq "$(ask 2001:db8:6::1)" "" "a $type route: no answer"
		check_eq "$(reason6_of 2001:db8:6::1)" not_unicast "traced not_unicast ($type)"
	done

	# ip6_forward() reads all.forwarding (defences.sh has each case).
	ipv6 "$node" all forwarding 0
	ipv6 "$node" vlan0 forwarding 1
	check_eq "$(ask "$GUEST")" "" "all.forwarding off: no answer"
	check_eq "$(reason6_of "$GUEST")" forwarding_off "traced forwarding_off"
	ipv6 "$node" all forwarding 1
}

test_local() {
	local out

	out=$(ask "$NODE")
	check_match "$out" "^reply $NODE from $NODE to $GW hlim=255 flags=RSO " \
		"vlan0's own address: the kernel's own answer (router, override)"
	check_eq "$(reason6_of "$NODE")" local "traced local"
	check_eq "$(ask 2001:db8:ff::1)" "" "an address of another device: no answer"
	check_eq "$(reason6_of 2001:db8:ff::1)" local "traced local"
}

test_dad() {
	local out

	out=$(ask6 "$lan" vl0 :: "$GUEST" --no-sllao)
	check_eq "$out" "" "a DAD probe for the guest: no answer from a route"
	check_eq "$(reason6_of "$GUEST")" dad "traced dad"

	ip -n "$node" -6 neigh add proxy "$GUEST" dev vlan0
	out=$(ask6 "$lan" vl0 :: "$GUEST" --no-sllao)
	check_match "$out" "^reply $GUEST from fe80::[0-9a-f:]+ to ff02::1 hlim=255 flags=--- tllao=$(node_mac) " \
		"with an explicit entry: answered to all nodes, as the kernel does"
	check_eq "$(reason6_of "$GUEST")" proxy_entry "traced proxy_entry"
	ip -n "$node" -6 neigh del proxy "$GUEST" dev vlan0
}

test_entry() {
	ip -n "$node" -6 neigh add proxy "$OTHER" dev vlan0
	check_match "$(ask "$OTHER")" "^reply $OTHER .*flags=-S- " \
		"an explicit entry answers where the route does not"
	check_eq "$(reason6_of "$OTHER")" proxy_entry "traced proxy_entry"
	ip -n "$node" -6 neigh del proxy "$OTHER" dev vlan0
	ip -n "$node" -6 neigh add proxy "$OTHER" dev vlan0 router
	check_match "$(ask "$OTHER")" "^reply $OTHER .*flags=RS- " \
		"an entry with the router flag: the answer has it, as the kernel's"
	ip -n "$node" -6 neigh del proxy "$OTHER" dev vlan0
}

test_fwmark() {
	ip -n "$node" -6 rule add fwmark 7 lookup 200 pref 50
	ip -n "$node" -6 route add 2001:db8:8::/64 dev tap1 table 200
	check_eq "$(ask 2001:db8:8::1)" "" "unmarked: table 200 is not consulted"
	ip netns exec "$node" nft -f - <<-EOF
	table ip6 pamark {
		chain pre {
			type filter hook prerouting priority mangle;
			icmpv6 type nd-neighbor-solicit meta mark set 7
		}
	}
	EOF
	check_match "$(ask 2001:db8:8::1)" "^reply 2001:db8:8::1 " \
		"marked in prerouting: the fwmark rule's table answers"
	check_match "$(trace6_of 2001:db8:8::1)" "reason=proxied table=200 " "traced table 200"
	ip netns exec "$node" nft delete table ip6 pamark
}

test_output_path() {
	local pkts

	ip netns exec "$node" nft -f - <<-EOF
	table ip6 paout {
		chain out {
			type filter hook output priority 0;
			icmpv6 type nd-neighbor-advert @th,64,128 $(hex6 "$GUEST") counter
		}
	}
	EOF
	ask "$GUEST" >/dev/null
	pkts=$(ip netns exec "$node" nft list table ip6 paout | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	check_eq "$pkts" 1 "the advertisement goes through the output hook: nft counts it"
	ip netns exec "$node" nft add rule ip6 paout out icmpv6 type nd-neighbor-advert drop
	check_eq "$(ask "$GUEST")" "" "and an nft drop rule in output stops it"
	ip netns exec "$node" nft delete table ip6 paout
}

test_audit() {
	pn "$node" vlan0 mode 2
	check_eq "$(ask "$GUEST")" "" "audit: no answer (the kernel has no entry)"
	check_match "$(trace6_of "$GUEST")" "verdict=reply reason=proxied .* mode=audit" \
		"audit: the decision is traced"
	pn "$node" vlan0 mode 1
}

test_bounce() {
	local out

	ip -n "$node" -6 neigh add proxy "$GUEST" dev vlan0
	ip -n "$node" link set vlan0 down
	ip -n "$node" link set vlan0 up
	vlan_up_partial
	check_eq "$(ip -n "$node" -6 neigh show proxy dev vlan0)" "" \
		"the bounce flushed the kernel's proxy entry (what GRNET's setup loses)"
	check_eq "$(ip -n "$node" -6 route show table 100 | grep -c vlan0)" 0 \
		"the bounce took table 100's routes through vlan0"
	out=$(ask "$GUEST")
	check_match "$out" "^reply $GUEST " "after the bounce: the guest is still answered"
	check_eq "$(ask "$OTHER")" "" "after the bounce: another address on the VLAN is not"
	check_match "$(trace6_of "$OTHER")" "reason=default_route table=254 route=::/0 oif=up0" \
		"traced default_route: main's ::/0"
	pn "$node" vlan0 ignore_default_route 0
	check_match "$(ask "$OTHER")" "^reply $OTHER " \
		"ignore_default_route 0: answered through main's ::/0 (the hijack of the incident)"
	pn "$node" vlan0 ignore_default_route 1
	check_eq "$(ask "$FAR")" "" "ignore_default_route 1 again: an address off the VLAN is refused"
	check_eq "$(reason6_of "$FAR")" default_route "traced default_route"
}

# After the bounce, ifup gives vlan0 its address back but no hook has
# put table 100's routes back yet: the incident's state.
vlan_up_partial() {
	ip -n "$node" addr add "$NODE/64" dev vlan0 nodad noprefixroute 2>/dev/null
}

test_vrf() {
	if ! ip -n "$node" link add vrf0 type vrf table 10 2>/dev/null; then
		log_skip "no VRF device in this kernel"
		return
	fi
	ip -n "$node" link set vrf0 up
	ip -n "$node" link add vlan1 type veth peer name vl1 netns "$lan"
	ip -n "$node" link set vlan1 master vrf0
	ip -n "$node" link set vlan1 up
	ip -n "$lan" link set vl1 up
	ip -n "$lan" addr add 2001:db8:a::2/64 dev vl1 nodad
	ip -n "$node" addr add 2001:db8:a::1/64 dev vlan1 nodad
	add_dummy "$node" tap9
	ip -n "$node" link set tap9 master vrf0
	ip -n "$node" -6 route add 2001:db8:b::5 dev tap9 table 10
	pn "$node" vlan1 mode 1
	check_match "$(ask6 "$lan" vl1 2001:db8:a::2 2001:db8:b::5)" "^reply 2001:db8:b::5 " \
		"a device in a VRF: answered from the VRF's table"
	check_match "$(trace6_of 2001:db8:b::5)" "dev=vlan1 .*reason=proxied table=10 " \
		"traced table 10"
}

require_root
require_cmd ip nft python3
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_off
test_answer
test_unicast
test_no_lladdr
test_refusals
test_local
test_dad
test_entry
test_fwmark
test_output_path
test_audit
test_bounce
test_vrf
finish
