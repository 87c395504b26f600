#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Loading and unloading with requests flowing, and what unloading leaves:
# no sysctl tree, no tracepoint, and the kernel's own proxy_arp back at
# once.  The module is loaded again at the end.
#
#  lan                 node
# +---------+        +-------------------------------------------+
# | vl0     |--------| vlan0: mode 1, kernel proxy_arp 1,         |
# +---------+        |        proxy_delay 0                      |
#                    | up0 (dummy): default route                |
#                    +-------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

CYCLES=${PROXYARP_LOAD_CYCLES:-50}

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" up0 default
	ipv4 "$node" vlan0 proxy_arp 1
}

test_cycles() {
	local flood churn i ok=0 rx

	rx=$(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets)
	ip netns exec "$lan" "$ARPQ" -i vl0 -s 192.0.2.1 -r 2000 -c 1000000 \
		-w 0 -q 192.0.2.10 192.0.2.11 192.0.2.12 >/dev/null &
	flood=$!
	# Devices come and go meanwhile, a veth with its LAN end included.
	ip netns exec "$node" bash -c "
		while :; do
			ip link add ch0 type dummy; ip link set ch0 up
			ip link add ch1 type veth peer name ch2 netns $lan
			ip link set ch1 up
			ip link del ch0; ip link del ch1
		done" >/dev/null 2>&1 &
	churn=$!
	for i in $(seq "$CYCLES"); do
		if ! module_load || ! pa "$node" vlan0 mode 1 || ! module_unload; then
			break
		fi
		ok=$i
	done
	kill "$flood" "$churn"
	wait "$flood" "$churn" 2>/dev/null
	rx=$(($(ip netns exec "$node" cat /sys/class/net/vlan0/statistics/rx_packets) - rx))
	check_eq "$ok $((rx >= CYCLES))" "$CYCLES 1" \
		"$CYCLES load/unload cycles with requests flowing ($rx received) and devices coming and going"
}

test_unloaded() {
	module_load
	pa "$node" vlan0 mode 1
	check_eq "$(answer "$lan" vl0 192.0.2.1 192.0.2.77)" "" \
		"loaded, mode 1: the default route is not proxied"
	module_unload
	check_eq "$(answer "$lan" vl0 192.0.2.1 192.0.2.77)" "$(mac_of "$node" vlan0)" \
		"unloaded: the kernel's proxy_arp answers again at once"
	[ ! -e /proc/sys/net/proxyarp ] && ! ip netns exec "$node" test -e /proc/sys/net/proxyarp
	log_test $? "unloaded: no /proc/sys/net/proxyarp in any namespace"
	[ ! -e "$TRACEFS/events/proxyarp" ]
	log_test $? "unloaded: no proxyarp tracepoint"
	module_load
	log_test $? "loads again"
	check_eq "$(pa "$node" vlan0 mode)" "0" "a fresh load starts from the defaults"
}

require_root
require_cmd ip
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_cycles
test_unloaded
finish
