#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A request whose sender is an address of the node's own namespace is a
# martian: the kernel refuses it (fib_validate_source() asks its address
# hash), and so must the module, which keeps its own copy of that hash
# through an inetaddr notifier.  Every way an address comes and goes is
# tried here: present before the module loads, added and deleted,
# changed in place by the SIOCSIFADDR ioctl (same in_ifaddr, another
# address), promoted, deleted with its primary, on a device moved to
# another namespace or deleted, and configured in another namespace
# only.  For each, the module's reason and the kernel's answer (mode 0,
# proxy_arp 1) are asked, so the expectation itself is checked.
#
#  lan                 node                          other
# +---------+        +---------------------------+  +--------------+
# | vl0     |--------| vlan0 (mode 1)            |  | d2           |
# +---------+        | d0 10.9.0.0/16, 10.9.9.9  |  | 203.0.113.5  |
#                    | d1 198.51.100.0/24        |  +--------------+
#                    +---------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan="" other=""
# Each request asks for a target not asked before.
asked=0

setup() {
	setup_ns node lan other || return 1
	link_pair "$node" "$lan" || return 1
	# fib_validate_source()'s short way: no rp_filter, no rules.
	ipv4 "$node" all rp_filter 0
	ipv4 "$node" vlan0 rp_filter 0
	add_dummy "$node" d0 10.9.0.0/16 || return 1
	ip -n "$node" addr add 10.9.9.9/32 dev d0
	add_dummy "$node" d1 || return 1
	add_dummy "$other" d2 || return 1
	ip -n "$other" addr add 203.0.113.5/32 dev d2
}

target_of() {
	echo "10.9.$(($1 / 250 + 1)).$(($1 % 250 + 1))"
}

# verdict SIP N: "MODULE-REASON KERNEL" for requests from SIP for the
# targets N and N+1, KERNEL being "answered" or "silent" with the module
# in mode 0 and proxy_arp 1.  Called in a subshell: trace_start first.
verdict() {
	local sip=$1 tip reason kernel

	tip=$(target_of "$2")
	answer "$lan" vl0 "$sip" "$tip" >/dev/null
	reason=$(reason_of "$tip")
	pa "$node" vlan0 mode 0
	ipv4 "$node" vlan0 proxy_arp 1
	tip=$(target_of $(($2 + 1)))
	kernel=$([ -n "$(answer "$lan" vl0 "$sip" "$tip")" ] &&
		echo answered || echo silent)
	ipv4 "$node" vlan0 proxy_arp 0
	pa "$node" vlan0 mode 1
	echo "${reason:-none} $kernel"
}

# is_local SIP DESCRIPTION / not_local SIP DESCRIPTION
is_local() {
	trace_start || return
	asked=$((asked + 2))
	check_eq "$(verdict "$1" "$asked")" "martian_source silent" "$1 $2: refused"
}

not_local() {
	trace_start || return
	asked=$((asked + 2))
	check_eq "$(verdict "$1" "$asked")" "proxied answered" "$1 $2: answered"
}

test_before_load() {
	is_local 10.9.9.9 "configured before the module loaded"
	not_local 192.0.2.1 "configured nowhere"
}

test_add_del() {
	ip -n "$node" addr add 192.0.2.77/32 dev d1
	is_local 192.0.2.77 "added"
	ip -n "$node" addr del 192.0.2.77/32 dev d1
	not_local 192.0.2.77 "deleted"
}

# SIOCSIFADDR on d0: devinet.c takes the in_ifaddr labelled d0 down,
# changes its address and brings the same in_ifaddr up again.
test_ioctl() {
	ip netns exec "$node" python3 - 10.9.9.10 <<'EOF'
import fcntl, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ifr = struct.pack("16sH2s4s8s", b"d0", socket.AF_INET, b"", socket.inet_aton(sys.argv[1]), b"")
fcntl.ioctl(s, 0x8916, ifr)  # SIOCSIFADDR
EOF
	check_match "$(ip -n "$node" -4 -o addr show dev d0)" " 10\.9\.9\.10/" \
		"SIOCSIFADDR changed d0's address"
	not_local 10.9.9.9 "changed by SIOCSIFADDR"
	is_local 10.9.9.10 "set by SIOCSIFADDR"
}

test_secondaries() {
	ip -n "$node" addr add 198.51.100.1/24 dev d1
	ip -n "$node" addr add 198.51.100.2/24 dev d1
	ipv4 "$node" d1 promote_secondaries 1
	ip -n "$node" addr del 198.51.100.1/24 dev d1
	not_local 198.51.100.1 "deleted primary"
	is_local 198.51.100.2 "promoted secondary"
	ipv4 "$node" d1 promote_secondaries 0
	ip -n "$node" addr add 198.51.100.3/24 dev d1
	is_local 198.51.100.3 "secondary"
	ip -n "$node" addr del 198.51.100.2/24 dev d1
	not_local 198.51.100.3 "secondary deleted with its primary"
}

test_other_namespace() {
	not_local 203.0.113.5 "configured in another namespace"
	add_dummy "$node" d3 || return
	ip -n "$node" addr add 203.0.113.6/32 dev d3
	is_local 203.0.113.6 "on d3"
	ip -n "$node" link set d3 netns "$other"
	not_local 203.0.113.6 "on d3, moved to another namespace"
	ip -n "$node" addr add 198.51.100.9/32 dev d1
	is_local 198.51.100.9 "on d1"
	ip -n "$node" link del d1
	not_local 198.51.100.9 "on d1, deleted"
}

test_reload() {
	module_unload
	module_load || { log_test 1 "reload the module"; return; }
	pa "$node" vlan0 mode 1
	is_local 10.9.9.10 "after a reload"
	not_local 203.0.113.6 "in another namespace, after a reload"
	ip netns del "$other"
	not_local 192.0.2.1 "after a namespace with addresses went"
}

require_root
require_cmd ip
require_cmd python3
trap cleanup EXIT
module_unload
setup || exit "$ksft_fail"
module_load || exit "$ksft_fail"
pa "$node" vlan0 mode 1

test_before_load
test_add_del
test_ioctl
test_secondaries
test_other_namespace
test_reload
finish
