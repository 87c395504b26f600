#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reception: a solicitation for a proxied target goes to the target's
# solicited-node group, which the node has not joined.  A device that
# filters multicast drops it unless it is in allmulticast mode, which the
# module holds while the device's proxyndp mode is not 0.  macvlan
# filters multicast as a NIC does (by a hash of the groups joined), so
# the test is a macvlan; the flag (IFF_ALLMULTI in
# /sys/class/net/DEV/flags, the device's own, counted) is checked to be
# balanced on every path: a mode written on the device and in "all", a
# device registering with "default"'s mode, leaving for another
# namespace, deleted, and the module unloaded.
#
#  lan                 node
# +---------+        +-------------------------------------------+
# | lw1     |--------| lw0 -- mv0 (macvlan) 2001:db8:1::1/64      |
# +---------+        | tap0 (dummy): 2001:db8:1::10/128          |
#                    +-------------------------------------------+

source "$(dirname "$0")/lib.sh"

node="" lan="" other=""
GUEST=2001:db8:1::10

setup() {
	setup_ns node lan other || return 1
	ip -n "$node" link add lw0 type veth peer name lw1 netns "$lan"
	add_dummy "$node" tap0
	ipv6 "$node" all forwarding 1
	ip -n "$node" link set lw0 up
	ip -n "$lan" link set lw1 up
	ip -n "$lan" addr add 2001:db8:1::2/64 dev lw1 nodad
	ip -n "$node" -6 route add "$GUEST" dev tap0
	setup_mv0
}

# setup_mv0: the macvlan, its address, and the counter at its ingress.
setup_mv0() {
	ip -n "$node" link add mv0 link lw0 type macvlan mode bridge
	ip -n "$node" link set mv0 up
	ip -n "$node" addr add 2001:db8:1::1/64 dev mv0 nodad
	ip netns exec "$node" nft -f - <<-EOF
	table netdev parx {
		chain in {
			type filter hook ingress device mv0 priority 0;
			icmpv6 type nd-neighbor-solicit @th,64,128 $(hex6 "$GUEST") counter
		}
	}
	EOF
}

# Solicitations for the guest mv0 received: an nft counter at its
# ingress, after the macvlan's filter, before IPv6 (the LAN's own
# solicitations for mv0's address are not counted).
rx() {
	ip netns exec "$node" nft list table netdev parx |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# received: how many of 5 solicitations for the guest reached mv0, and
# how many were answered, as "RECEIVED/ANSWERED".
received() {
	local before out

	before=$(rx)
	out=$(ip netns exec "$lan" "$NDPQ" -i lw1 -s 2001:db8:1::2 -c 5 -w 200 "$GUEST" |
	      tail -n 1)
	echo "$(($(rx) - before))/$(awk '{ print $4 }' <<<"$out")"
}

test_filter() {
	local i got

	check_eq "$(allmulti "$node" mv0)" 0 "mode 0: mv0 is not in allmulticast mode"
	# macvlan's filter is a 256-bit hash of the groups joined, mixed
	# with the device's address in memory: the guest's group can share
	# a bit with one of mv0's own (a few in a hundred).  Another mv0
	# draws again.
	for ((i = 1; ; i++)); do
		got=$(received)
		if [ "$got" = 0/0 ] || [ "$i" -ge 5 ]; then
			break
		fi
		echo "# mode 0: $got solicitations through mv0's filter (a hash collision): a new mv0"
		ip netns exec "$node" nft delete table netdev parx
		ip -n "$node" link del mv0
		setup_mv0
	done
	check_eq "$got" 0/0 "mode 0: the macvlan filters the guest's solicited-node group out"
	pn "$node" mv0 mode 1
	check_eq "$(allmulti "$node" mv0)" 1 "mode 1: mv0 is in allmulticast mode"
	check_eq "$(received)" 5/5 "mode 1: the solicitations reach mv0 and are answered"
	pn "$node" mv0 mode 2
	check_eq "$(allmulti "$node" mv0)" 1 "mode 2: still allmulticast"
	pn "$node" mv0 mode 0
	check_eq "$(allmulti "$node" mv0)" 0 "mode 0 again: the flag is given back"
	check_eq "$(received)" 0/0 "mode 0 again: filtered again"
}

test_user_flag() {
	ip -n "$node" link set mv0 allmulticast on
	pn "$node" mv0 mode 1
	pn "$node" mv0 mode 0
	check_eq "$(allmulti "$node" mv0)" 1 "the administrator's allmulticast survives mode 1 then 0"
	ip -n "$node" link set mv0 allmulticast off
	check_eq "$(allmulti "$node" mv0)" 0 "and goes when the administrator takes it back"
	pa "$node" mv0 mode 1
	check_eq "$(allmulti "$node" mv0)" 0 "proxyarp (ARP) mode 1 does not touch the flag"
	pa "$node" mv0 mode 0
}

test_all() {
	pn "$node" all mode 1
	check_eq "$(allmulti "$node" mv0)$(allmulti "$node" tap0)" 11 \
		"all/mode 1: every device in allmulticast mode"
	pn "$node" all mode 0
	check_eq "$(allmulti "$node" mv0)$(allmulti "$node" tap0)" 00 \
		"all/mode 0: every flag given back"
}

# is_allmulti NS DEV: read at each try of busywait.
# shellcheck disable=SC2317 # called through busywait
is_allmulti() {
	[ "$(allmulti "$1" "$2")" = 1 ]
}

test_default() {
	pn "$node" default mode 1
	ip -n "$node" link add dm1 type dummy
	busywait 2000 is_allmulti "$node" dm1
	log_test $? "a device registering with default/mode 1 enters allmulticast mode"
	ip -n "$node" link set dm1 netns "$other"
	check_eq "$(pn "$other" dm1 mode)/$(allmulti "$other" dm1)" 0/0 \
		"moved to a namespace whose default is 0: mode 0, flag given back"
	ip -n "$other" link set dm1 netns "$node"
	busywait 2000 is_allmulti "$node" dm1
	log_test $? "moved back: mode 1 from default, allmulticast again"
	ip -n "$node" link del dm1
	log_test $? "deleted with mode 1"
	pn "$node" default mode 0
}

test_unload() {
	pn "$node" mv0 mode 1
	check_eq "$(allmulti "$node" mv0)" 1 "mode 1 before unloading"
	module_unload
	check_eq "$(allmulti "$node" mv0)" 0 "module unloaded: the flag is given back"
	module_load
}

require_root
require_cmd ip nft python3
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_filter
test_user_flag
test_all
test_default
test_unload
finish
