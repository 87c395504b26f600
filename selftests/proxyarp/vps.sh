#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VPS host, and README's recipe for it: the provider's /64 is on-link
# on the VPS's uplink, and the VPS gives addresses of it to guests
# behind taps (a /128 each).  The provider's router resolves a guest's
# address with a solicitation on the link, and its port filter drops a
# Neighbor Advertisement that does not come from its target (ndppd#64,
# ndppd#71; yoursunny/ndpresponder answers from the target for that
# reason, ndp.go's Respond()).  The kernel answers an explicit entry
# from the device's own address, and so does the module by default:
# such a host cannot resolve its guests.  na_source=1 sends every
# advertisement the module makes, answers and announcements, from its
# target; nothing else in the frame changes.  The filter is an nft rule
# in the provider's namespace, per guest address.
#
#  prov                      node (the VPS)                  guest0, guest1
# +-------------------+     +-----------------------------+  +---------------+
# | eth0              |-----| eth0 2001:db8:100::2/64     |  | eth0          |
# | 2001:db8:100::1   |     | tap0, tap1: the guests' /128 |--| 2001:db8:100: |
# | nft: NA not from  |     +-----------------------------+  |   :a, ::b     |
# |  its target: drop |                                      +---------------+
# +-------------------+

source "$(dirname "$0")/lib.sh"

G0=2001:db8:100::a
G1=2001:db8:100::b
node="" prov="" guest0="" guest1=""

add_guest() { # NS TAP ADDRESS
	ip -n "$node" link add "$2" type veth peer name eth0 netns "$1" || return 1
	ip -n "$node" link set "$2" up
	ip -n "$node" -6 route add "$3/128" dev "$2"
	ip -n "$1" link set eth0 up
	ip -n "$1" addr add "$3/128" dev eth0
	ip -n "$1" -6 route add default dev eth0
}

setup() {
	setup_ns node prov guest0 guest1 || return 1
	no_dad "$node" "$prov" "$guest0" "$guest1"
	ip -n "$node" link add eth0 type veth peer name eth0 netns "$prov" || return 1
	ip -n "$prov" addr add 2001:db8:100::1/64 dev eth0
	ip -n "$prov" link set eth0 up
	ip -n "$node" addr add 2001:db8:100::2/64 dev eth0
	ip -n "$node" link set eth0 up
	ipv6 "$node" all forwarding 1
	add_guest "$guest0" tap0 "$G0" || return 1
	add_guest "$guest1" tap1 "$G1" || return 1
	ip netns exec "$prov" nft -f - <<-EOF
	table ip6 port {
		chain in {
			type filter hook input priority 0;
			icmpv6 type nd-neighbor-advert @th,64,128 $(hex6 "$G0") ip6 saddr != $G0 counter drop
			icmpv6 type nd-neighbor-advert @th,64,128 $(hex6 "$G1") ip6 saddr != $G1 counter drop
			icmpv6 type nd-neighbor-advert ip6 saddr $G1 ip6 daddr ff02::1 counter
		}
	}
	EOF
}

# resolved ADDRESS: the provider's router resolves ADDRESS as its kernel
# does, through a ping: the MAC it got and whether the ping came back.
resolved() {
	local rc mac

	ip -n "$prov" -6 neigh flush dev eth0
	ip netns exec "$prov" ping -6 -c 1 -W 2 "$1" >/dev/null 2>&1
	rc=$?
	mac=$(ip -n "$prov" -6 neigh show "$1" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	echo "${mac:-none} $([ "$rc" -eq 0 ] && echo ok || echo lost)"
}

# dropped N: the packets the filter's rule N (0, 1: the guests'; 2: the
# announcements counted) has counted.
dropped() {
	ip netns exec "$prov" nft -a list chain ip6 port in |
		awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }' |
		sed -n "$(($1 + 1))p"
}

# frame TARGET: the whole frame of the advertisement the router's
# solicitation from 2001:db8:100::1 gets, in hexadecimal.
frame() {
	ip netns exec "$prov" "$NDPQ" -i eth0 -s 2001:db8:100::1 -x -w 500 "$1" |
		sed -n 's/^frame //p' | head -n 1
}

test_default_source() {
	local d0

	module_load || return 1
	pn "$node" default mode 1
	pn "$node" eth0 mode 1
	pn "$node" tap0 mode 1
	pn "$node" tap1 mode 1
	d0=$(dropped 0)
	trace_start
	check_eq "$(resolved "$G0")" "none lost" \
		"na_source=0: the provider's router cannot resolve the guest"
	check_match "$(trace_lines6 | grep "dev=eth0 .*target=$G0 " | tail -n 1)" \
		"verdict=reply reason=proxied .*route=$G0/128 oif=tap0 " \
		"the module answered: the precondition"
	check_eq "$(($(dropped 0) > d0))" "1" "the port filter dropped the answer (from the node's own address)"
}

test_na_source() {
	local f0 f1 mac d0 want

	mac=$(mac_of "$node" eth0)
	f0=$(frame "$G0")
	pn "$node" eth0 na_source 1
	check_eq "$(pn "$node" eth0 na_source)" "1" "na_source takes 1"
	f1=$(frame "$G0")
	check_eq "$((${#f0} > 0 && ${#f0} == ${#f1}))" "1" \
		"an advertisement either way, of the same length (${#f0} hex digits)"
	check_eq "${f1:44:32}" "$(hex6 "$G0" | cut -c 3-)" "na_source=1: the IPv6 source is the target"
	check_eq "${f0:0:44}|${f0:76:36}|${f0:116}" "${f1:0:44}|${f1:76:36}|${f1:116}" \
		"and every other byte is the same but the checksum"
	check_match "$(ip netns exec "$prov" "$NDPQ" -i eth0 -s 2001:db8:100::1 -w 500 "$G0")" \
		"^reply $G0 from $G0 to 2001:db8:100::1 hlim=255 flags=-S- tllao=$mac " \
		"solicited, router and override clear, the uplink's MAC as the target's"

	d0=$(dropped 0)
	check_eq "$(resolved "$G0")" "$mac ok" "na_source=1: the router resolves the guest, and reaches it"
	check_eq "$(dropped 0)" "$d0" "nothing dropped"

	# An announcement, when the guest announces itself: from it too.
	pn "$node" eth0 announce 1
	want=$(($(dropped 2) + 1))
	send_na "$guest1" eth0 "$G1" "$(mac_of "$guest1" eth0)"
	busywait 10000 announced "$want"
	check_eq "$(dropped 2)" "$want" "the announcement for the guest's address comes from it"
	pn "$node" eth0 announce 0
	pn "$node" eth0 na_source 0
}

# shellcheck disable=SC2317 # through busywait
announced() {
	[ "$(dropped 2)" -ge "$1" ]
}

require_root
require_cmd ip ping nft python3
trap cleanup EXIT
setup || exit "$ksft_fail"

test_default_source
test_na_source
finish
