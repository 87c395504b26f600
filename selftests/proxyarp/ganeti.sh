#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The routed Ganeti node of the "ARP proxy going rogue" posts, checked
# from the wire.
#
#  lan                   node                                       guest
# +-----------+        +--------------------------------------+   +------------------+
# | vl0       |--------| vlan0 (no address)            tap0   |---| eth0 192.0.2.42  |
# | (the VLAN:|        |                                      |   |   /24, via .1    |
# |  gw .1,   |        | uplink 198.51.100.2/24               |   +------------------+
# |  others)  |        +--|-----------------------------------+
# +-----------+           |        wan: up0 198.51.100.1/24
#                         +--------
#
# node:  ip rule iif vlan0 lookup 90; ip rule iif tap0 lookup 90
#        table 90 (case A): 192.0.2.0/24 dev vlan0
#                           default via 192.0.2.1 dev vlan0
#                           192.0.2.42 dev tap0
#        table 90 (case B): 192.0.2.42 dev tap0      (vlan0 went down/up)
#        main:              default via 198.51.100.1 dev uplink
#
# In case B the kernel's proxy_arp answers for every address on the
# VLAN through main's default route (the incident); the module must not.

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan="" guest="" wan=""

GW=192.0.2.1
GUEST=192.0.2.42
OTHER=192.0.2.77
FAR=203.0.113.9

setup() {
	setup_ns node lan guest wan || return 1
	ip -n "$node" link add vlan0 type veth peer name vl0 netns "$lan"
	ip -n "$node" link add tap0 type veth peer name eth0 netns "$guest"
	ip -n "$node" link add uplink type veth peer name up0 netns "$wan"
	ip -n "$lan" link set vl0 up
	ip -n "$guest" addr add "$GUEST/24" dev eth0
	ip -n "$guest" link set eth0 up
	ip -n "$wan" addr add 198.51.100.1/24 dev up0
	ip -n "$wan" link set up0 up
	for dev in vlan0 tap0 uplink; do
		ip -n "$node" link set "$dev" up
	done
	ip -n "$node" addr add 198.51.100.2/24 dev uplink
	ip -n "$node" route add default via 198.51.100.1 dev uplink
	ip -n "$node" rule add iif vlan0 lookup 90
	ip -n "$node" rule add iif tap0 lookup 90
	ipv4 "$node" all forwarding 1
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vlan0/proxy_delay'
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/tap0/proxy_delay'
	case_a
}

case_a() {
	ip -n "$node" route flush table 90 2>/dev/null
	ip -n "$node" route add 192.0.2.0/24 dev vlan0 table 90
	ip -n "$node" route add default via "$GW" dev vlan0 onlink table 90
	ip -n "$node" route add "$GUEST" dev tap0 table 90
}

case_b() {
	ip -n "$node" route flush table 90 2>/dev/null
	ip -n "$node" route add "$GUEST" dev tap0 table 90
}

# mode DEV... VALUE: the module's mode on the node's devices.
mode() {
	local val=${*: -1} dev

	for dev in "${@:1:$#-1}"; do
		pa "$node" "$dev" mode "$val"
	done
}

kernel_proxy_arp() {
	ipv4 "$node" vlan0 proxy_arp "$1"
	ipv4 "$node" tap0 proxy_arp "$1"
}

test_case_a() {
	local vlan_mac tap_mac lan_mac

	vlan_mac=$(mac_of "$node" vlan0)
	tap_mac=$(mac_of "$node" tap0)
	lan_mac=$(mac_of "$lan" vl0)
	mode vlan0 tap0 1
	trace_start

	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"case A: the guest's /32 is answered once, with vlan0's MAC"
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" \
		"case A: another VLAN address is not answered (route via vlan0)"
	check_eq "$(answer "$lan" vl0 "$GW" "$FAR")" "" \
		"case A: an address beyond the VLAN's gateway is not answered"
	check_eq "$(answer "$guest" eth0 "$GUEST" "$GW")" "$tap_mac" \
		"case A: from the tap, the gateway is answered with tap0's MAC"
	check_match "$(ip -n "$node" neigh show "$GW" dev vlan0)" \
		"lladdr $lan_mac" "case A: the asker is learnt on vlan0"
	check_match "$(trace_lines | grep "tip=$GUEST ")" \
		"dev=vlan0 .*verdict=reply reason=proxied table=90 route=$GUEST/32 oif=tap0 mode=on proto=3" \
		"case A: trace says the /32 in table 90 was proxied"
	check_match "$(trace_lines | grep "tip=$OTHER ")" \
		"verdict=ignore reason=same_device table=90 route=192.0.2.0/24 oif=vlan0" \
		"case A: trace says the /24 leaves through vlan0"
}

test_case_b() {
	local vlan_mac target

	vlan_mac=$(mac_of "$node" vlan0)
	case_b

	# The topology must reproduce the incident, or case B proves nothing.
	mode vlan0 tap0 0
	kernel_proxy_arp 1
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$vlan_mac" \
		"case B, kernel proxy_arp: answers for $OTHER (the incident)"
	kernel_proxy_arp 0

	mode vlan0 tap0 1
	trace_start
	for target in "$OTHER" 192.0.2.200 "$FAR"; do
		check_eq "$(answer "$lan" vl0 "$GW" "$target")" "" \
			"case B, module: $target is not answered"
	done
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"case B, module: the guest's /32 is still answered"
	check_match "$(trace_lines | grep "tip=$OTHER ")" \
		"dev=vlan0 .*verdict=ignore reason=default_route table=254 route=0.0.0.0/0 oif=uplink mode=on proto=3" \
		"case B: trace says the default route was ignored"
	check_eq "$(answer "$guest" eth0 "$GUEST" "$GW")" "" \
		"case B, module: from the tap, nothing through the default route"
}

test_knobs() {
	local vlan_mac

	vlan_mac=$(mac_of "$node" vlan0)
	case_b
	mode vlan0 tap0 1

	pa "$node" vlan0 ignore_default_route 0
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$vlan_mac" \
		"ignore_default_route=0 brings the kernel's answer back"
	pa "$node" vlan0 ignore_default_route 1

	ip -n "$node" route add 192.0.0.0/16 dev uplink
	trace_start
	pa "$node" vlan0 min_prefixlen 24
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" \
		"min_prefixlen=24 refuses a /16"
	check_match "$(trace_lines | grep "tip=$OTHER ")" \
		"reason=short_prefix table=254 route=192.0.0.0/16 oif=uplink" \
		"trace says the prefix was too short"
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"min_prefixlen=24 still answers a /32"
	pa "$node" vlan0 min_prefixlen 16
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$vlan_mac" \
		"min_prefixlen=16 answers a /16"
	pa "$node" vlan0 min_prefixlen 0
	ip -n "$node" route del 192.0.0.0/16 dev uplink
}

# route_proto: only a route its protocol names justifies an answer, as
# Ganeti's kvm-ifup adds a guest's /32 (proto static, 4); the default
# route (proto boot, ip route's own) then never does, whatever
# ignore_default_route says.  An explicit entry still answers.
test_route_proto() {
	local vlan_mac refused

	vlan_mac=$(mac_of "$node" vlan0)
	case_b
	mode vlan0 tap0 1
	pa "$node" vlan0 ignore_default_route 0
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST") $(answer "$lan" vl0 "$GW" "$OTHER")" \
		"$vlan_mac $vlan_mac" \
		"route_proto=0: the guest's /32 and, with ignore_default_route=0, the default route answer (proto boot)"
	trace_start
	refused=$(counter "$node" vlan0 route_proto)
	pa "$node" vlan0 route_proto 4
	check_eq "$(pa "$node" vlan0 route_proto)" "4" "route_proto takes 4 (static)"
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "" \
		"route_proto=4: the guest's /32 added as proto boot is refused"
	check_match "$(trace_lines | grep "tip=$GUEST ")" \
		"verdict=ignore reason=route_proto table=90 route=$GUEST/32 oif=tap0 mode=on proto=3$" \
		"traced: reason route_proto, the route's protocol 3"
	ip -n "$node" route replace "$GUEST" dev tap0 table 90 proto static
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"route_proto=4: the same /32 as proto static is answered"
	check_match "$(trace_lines | grep "tip=$GUEST " | tail -n 1)" \
		"verdict=reply reason=proxied table=90 route=$GUEST/32 oif=tap0 mode=on proto=4$" \
		"traced: proxied, protocol 4"
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" \
		"route_proto=4: the default route is refused though ignore_default_route=0"
	check_eq "$(($(counter "$node" vlan0 route_proto) - refused))" "2" \
		"both refusals counted as route_proto"
	ip -n "$node" neigh add proxy "$OTHER" dev vlan0
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$vlan_mac" \
		"route_proto=4: an explicit entry still answers"
	check_match "$(trace_lines | grep "tip=$OTHER " | tail -n 1)" \
		"verdict=reply reason=proxy_entry table=254 route=0.0.0.0/0 oif=uplink mode=on proto=3$" \
		"traced: proxy_entry"
	ip -n "$node" neigh del proxy "$OTHER" dev vlan0
	pa "$node" vlan0 route_proto 0
	pa "$node" vlan0 ignore_default_route 1
}

test_with_kernel_proxy() {
	local vlan_mac

	vlan_mac=$(mac_of "$node" vlan0)
	case_b
	mode vlan0 tap0 1
	kernel_proxy_arp 1

	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" \
		"kernel proxy_arp=1 beside mode=1 cannot answer what the module refused"
	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"kernel proxy_arp=1 beside mode=1: one reply, not two"
	# With a proxy delay, a second answer from the kernel would come
	# late: up to 0.8 s, listened for 2.5 s.
	ip netns exec "$node" sh -c 'echo 80 >/proc/sys/net/ipv4/neigh/vlan0/proxy_delay'
	check_eq "$(ASK_WAIT_MS=2500 answer "$lan" vl0 "$GW" "$GUEST")" "$vlan_mac" \
		"kernel proxy_arp=1 with proxy_delay beside mode=1: still one reply"
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vlan0/proxy_delay'
	kernel_proxy_arp 0
}

test_audit() {
	local vlan_mac

	vlan_mac=$(mac_of "$node" vlan0)
	case_a
	mode vlan0 tap0 2
	ip -n "$node" neigh flush dev vlan0
	trace_start

	check_eq "$(answer "$lan" vl0 "$GW" "$GUEST")" "" \
		"audit: nothing is sent"
	check_match "$(trace_lines | grep "tip=$GUEST ")" \
		"verdict=reply reason=proxied .* mode=audit" \
		"audit: the trace says what mode=1 would have done"
	check_eq "$(ip -n "$node" neigh show "$GW" dev vlan0)" "" \
		"audit: the asker is not learnt"

	case_b
	kernel_proxy_arp 1
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$vlan_mac" \
		"audit beside kernel proxy_arp: the kernel still answers"
	check_match "$(trace_lines | grep "tip=$OTHER ")" \
		"verdict=ignore reason=default_route .* mode=audit" \
		"audit beside kernel proxy_arp: the trace says the module would not"
	kernel_proxy_arp 0
}

require_root
require_cmd ip
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_case_a
test_case_b
test_knobs
test_route_proto
test_with_kernel_proxy
test_audit
finish
