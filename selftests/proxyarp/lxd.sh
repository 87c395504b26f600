#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An LXD/Incus host with a routed NIC, built as Incus builds it, and
# README's recipe for it.  From lxc/incus
# internal/server/device/nic_routed.go: the host side of the
# container's veth gets 169.254.0.1/32 and fe80::1/128, accept_ra 0,
# rp_filter 1 and forwarding; the container's /32 and /128 are routed
# through it (table 254; ip.Route sets no protocol: RTPROT_BOOT); an
# explicit proxy entry for each address goes on the parent
# (ip.NeighProxy, "ip neigh add proxy"), whose forwarding and proxy_ndp
# validateEnvironment requires; the container's gateways are the host
# addresses.  The kernel answers the LAN from the entries alone, and
# loses them with the parent: a carrier flap (lxc/incus#3341; kernels
# with NUD_PERMANENT proxy entries keep them there) or the parent going
# down and up (every kernel).  The module in mode 1 on the parent
# answers from the routes Incus keeps on the veth, with or without the
# entries.
#
#  lan                   node                              ct
# +---------------+    +-----------------------------+    +------------------+
# | eth0          |----| up0 (parent) 192.0.2.2/24   |    | eth0             |
# | 192.0.2.1/24  |    |   2001:db8:1::2/64          |    | 192.0.2.10/32    |
# | 2001:db8:1::1 |    | vethH 169.254.0.1, fe80::1  |----| 2001:db8:1::10   |
# +---------------+    +-----------------------------+    +------------------+

source "$(dirname "$0")/lib.sh"

CT4=192.0.2.10
CT6=2001:db8:1::10
node="" lan="" ct=""

sysctl_w() { # NS KEY=VALUE...
	local ns=$1

	shift
	ip netns exec "$ns" sysctl -qw "$@"
}

setup() {
	setup_ns node lan ct || return 1
	no_dad "$node" "$lan" "$ct"
	ip -n "$node" link add up0 type veth peer name eth0 netns "$lan" || return 1
	ip -n "$lan" addr add 192.0.2.1/24 dev eth0
	ip -n "$lan" addr add 2001:db8:1::1/64 dev eth0
	ip -n "$lan" link set eth0 up
	sysctl_w "$lan" net.ipv6.conf.eth0.keep_addr_on_down=1
	ip -n "$node" addr add 192.0.2.2/24 dev up0
	ip -n "$node" addr add 2001:db8:1::2/64 dev up0
	ip -n "$node" link set up0 up
	# Its addresses stay over a bounce, as ifupdown would put them back.
	sysctl_w "$node" net.ipv6.conf.up0.keep_addr_on_down=1
	# validateEnvironment's requirements on the parent.
	sysctl_w "$node" net.ipv4.conf.up0.forwarding=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv6.conf.all.proxy_ndp=1 net.ipv6.conf.up0.proxy_ndp=1
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/up0/proxy_delay'
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv6/neigh/up0/proxy_delay'

	# nic_routed.go's host side, routes and entries.
	ip -n "$node" link add vethH type veth peer name eth0 netns "$ct" || return 1
	sysctl_w "$node" net.ipv6.conf.vethH.accept_ra=0 net.ipv4.conf.vethH.rp_filter=1
	ip -n "$node" addr add 169.254.0.1/32 dev vethH
	ip -n "$node" addr add fe80::1/128 dev vethH
	sysctl_w "$node" net.ipv4.conf.vethH.forwarding=1 net.ipv6.conf.vethH.forwarding=1
	ip -n "$node" link set vethH up
	ip -n "$node" route add "$CT4/32" dev vethH table 254
	ip -n "$node" -6 route add "$CT6/128" dev vethH table 254
	entries add

	# The container's side.
	ip -n "$ct" addr add "$CT4/32" dev eth0
	ip -n "$ct" addr add "$CT6/128" dev eth0
	ip -n "$ct" link set eth0 up
	ip -n "$ct" route add 169.254.0.1 dev eth0
	ip -n "$ct" route add default via 169.254.0.1 dev eth0
	ip -n "$ct" -6 route add default via fe80::1 dev eth0
}

entries() { # add|del
	ip -n "$node" neigh "$1" proxy "$CT4" dev up0
	ip -n "$node" -6 neigh "$1" proxy "$CT6" dev up0
}

# reach: the LAN resolves the container's two addresses as its kernel
# does, through a ping of each: "MAC4 MAC6", "none" for one not resolved.
reach() {
	local m4 m6

	ip -n "$lan" neigh flush dev eth0
	ip -n "$lan" -6 neigh flush dev eth0
	ip netns exec "$lan" ping -c 1 -W 2 "$CT4" >/dev/null 2>&1
	ip netns exec "$lan" ping -6 -c 1 -W 2 "$CT6" >/dev/null 2>&1
	m4=$(ip -n "$lan" neigh show "$CT4" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	m6=$(ip -n "$lan" -6 neigh show "$CT6" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	echo "${m4:-none} ${m6:-none}"
}

n_entries() {
	echo $(($(kept4) + $(kept6)))
}

kept4() {
	ip -n "$node" neigh show proxy dev up0 | grep -c "^$CT4 "
}

kept6() {
	ip -n "$node" -6 neigh show proxy dev up0 | grep -c "^$CT6 "
}

# The parent's link-local address is usable again (no DAD here, but the
# address comes back with the link).
# shellcheck disable=SC2317 # through busywait
parent_ready() {
	ip -n "$node" -6 addr show dev up0 scope link | grep -q 'inet6 fe80' &&
		! ip -n "$node" -6 addr show dev up0 | grep -q tentative
}

test_kernel() {
	local up0

	up0=$(mac_of "$node" up0)
	check_eq "$(reach)" "$up0 $up0" "Incus's entries, the kernel: the LAN resolves both addresses to the parent"

	# A carrier flap of the parent: its peer down and up.  Whether the
	# entries survive it depends on the kernel (NUD_PERMANENT proxy
	# entries): the kernel answers from those that did.
	ip -n "$lan" link set eth0 down
	ip -n "$lan" link set eth0 up
	busywait 10000 parent_ready
	local want4=none want6=none

	[ "$(kept4)" = 0 ] || want4=$up0
	[ "$(kept6)" = 0 ] || want6=$up0
	check_eq "$(reach)" "$want4 $want6" \
		"carrier flap: $(kept4) IPv4 and $(kept6) IPv6 entries left (incus#3341), the kernel answers from those only"

	entries replace
	ip -n "$node" link set up0 down
	ip -n "$node" link set up0 up
	busywait 10000 parent_ready
	check_eq "$(n_entries) $(ip -n "$node" route show "$CT4/32" | grep -c vethH)" "0 1" \
		"the parent down and up: the entries are gone, the routes on the veth stay"
	check_eq "$(reach)" "none none" "and the kernel no longer answers the LAN (the outage)"
	entries add
}

test_module() {
	local up0 mode

	up0=$(mac_of "$node" up0)
	module_load || return 1
	pa "$node" up0 mode 1
	pn "$node" up0 mode 1
	trace_start
	check_eq "$(reach)" "$up0 $up0" "the module on the parent, entries present: both resolved"
	check_match "$(trace_lines | grep "tip=$CT4 " | tail -n 1)" \
		"dev=up0 .*verdict=reply reason=proxied table=254 route=$CT4/32 oif=vethH mode=on proto=3$" \
		"traced: answered from Incus's /32 on the veth"
	check_match "$(trace_lines6 | grep "target=$CT6 " | tail -n 1)" \
		"dev=up0 .*verdict=reply reason=proxied table=254 route=$CT6/128 oif=vethH mode=on proto=3$" \
		"traced: answered from Incus's /128"
	entries del
	check_eq "$(n_entries) $(reach)" "0 $up0 $up0" "without the entries: both still resolved"

	for mode in carrier admin; do
		entries replace
		if [ "$mode" = carrier ]; then
			ip -n "$lan" link set eth0 down
			ip -n "$lan" link set eth0 up
		else
			ip -n "$node" link set up0 down
			ip -n "$node" link set up0 up
		fi
		busywait 10000 parent_ready
		check_eq "$(reach)" "$up0 $up0" \
			"the parent's $mode flap ($(n_entries) of 2 entries left): the module still answers both"
	done
	pa "$node" up0 mode 0
	pn "$node" up0 mode 0
}

require_root
require_cmd ip ping sysctl
trap cleanup EXIT
setup || exit "$ksft_fail"

test_kernel
test_module
finish
