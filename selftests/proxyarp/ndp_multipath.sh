#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NDP and a multipath route: the module looks at the path the kernel's
# lookup picks for the flow from the asker to the target (the multipath
# hash of that flow), so an asker is answered when its path leaves
# through another device and refused (same_device) when it leads back
# out of the VLAN, the same way whether it asks multicast or unicast.
#
#  lan                 node
# +---------+        +-------------------------------------------------+
# | vl0     |--------| vlan0 2001:db8:1::1/64                          |
# | askers  |        | 2001:db8:7::/64 nexthop via 2001:db8:d::2 dev d0 |
# +---------+        |                 nexthop via 2001:db8:1::2 dev vlan0 |
#                    | d0 (dummy) 2001:db8:d::1/64                     |
#                    +-------------------------------------------------+
# (IPv6 multipath routes need gateways.)  Then the same route through a
# group of nexthop objects.

source "$(dirname "$0")/lib.sh"

node="" lan=""
TARGET=2001:db8:7::5
ASKERS=16

setup() {
	local i

	setup_ns node lan || return 1
	ip -n "$node" link add vlan0 type veth peer name vl0 netns "$lan"
	add_dummy "$node" d0
	ip -n "$node" link set vlan0 up
	ip -n "$lan" link set vl0 up
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$node" addr add 2001:db8:d::1/64 dev d0 nodad
	for ((i = 1; i <= ASKERS; i++)); do
		echo "addr add 2001:db8:1::$((0x100 + i))/64 dev vl0 nodad"
	done | ip -n "$lan" -batch -
	ip -n "$node" -6 route add 2001:db8:7::/64 nexthop via 2001:db8:d::2 dev d0 \
		nexthop via 2001:db8:1::2 dev vlan0 || return 1
	pn "$node" vlan0 mode 1
}

# outcome ASKER [NDPQ OPTIONS]: "reply" or the reason traced.
outcome() {
	local src=$1 out

	shift
	trace_start	# this asker's event only
	out=$(ask6 "$lan" vl0 "$src" "$TARGET" "$@")
	if [ -n "$out" ]; then
		echo reply
	else
		reason6_of "$TARGET"
	fi
}

test_paths() {
	local i src first uni replies=0 refused=0 bad=0 line
	local same=", the same way multicast and unicast"

	[ -z "${WHAT:-}" ] || same=""
	trace_start
	for ((i = 1; i <= ASKERS; i++)); do
		src=2001:db8:1::$(printf '%x' $((0x100 + i)))
		first=$(outcome "$src")
		line=$(trace6_of "$TARGET")
		# Unicast once: the path is the lookup's either way.
		uni=$first
		[ -n "${WHAT:-}" ] ||
			uni=$(outcome "$src" -d "$TARGET" -D "$(mac_of "$node" vlan0)")
		case $first in
		reply)
			replies=$((replies + 1))
			grep -q "reason=proxied .*oif=d0 " <<<"$line" || { echo "# $src: $line"; bad=1; }
			;;
		same_device)
			refused=$((refused + 1))
			grep -q "oif=vlan0 " <<<"$line" || { echo "# $src: $line"; bad=1; }
			;;
		*) echo "# $src: $first"; bad=1 ;;
		esac
		if [ "$uni" != "$first" ]; then
			echo "# $src: $first, unicast $uni"
			bad=1
		fi
	done
	check_eq "$bad" 0 "${WHAT:-}$ASKERS askers: each answered through d0 or refused through vlan0$same"
	check_eq "$((replies > 0 && refused > 0))" 1 \
		"${WHAT:-}both paths are taken: $replies answered, $refused refused"
}

# The same route through a group of nexthop objects (ip nexthop, as FRR
# installs routes): the kernel's lookup picks the path as before.  A
# group leaves out a nexthop whose gateway has a neighbour entry that
# is not valid (nexthop_is_good_nh()), and neither gateway answers: both
# get permanent entries.
nexthop_objects() {
	ip -n "$node" -6 neigh replace 2001:db8:d::2 lladdr 02:00:00:00:0d:02 dev d0 nud permanent
	ip -n "$node" -6 neigh replace 2001:db8:1::2 lladdr 02:00:00:00:01:02 dev vlan0 nud permanent
	ip -n "$node" -6 nexthop add id 1 via 2001:db8:d::2 dev d0
	ip -n "$node" -6 nexthop add id 2 via 2001:db8:1::2 dev vlan0
	ip -n "$node" nexthop add id 10 group 1/2
	ip -n "$node" -6 route replace 2001:db8:7::/64 nhid 10
}

require_root
require_cmd ip python3
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_paths
nexthop_objects
check_match "$(ip -n "$node" -6 route show 2001:db8:7::/64)" "nhid 10" \
	"the route now through a group of nexthop objects"
WHAT="nexthop objects, multicast: " test_paths
finish
