#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/proxyarp-metrics: the counters of both families in the
# Prometheus text format, the exact counts of a known sequence of
# requests (counters.sh's, and NDP's), every reason of a family listed
# with zeros, the mode gauges, namespaces by name and with -a, the
# atomic -o file, and promtool's check of the whole exposition.
#
#  lan               node
# +---------+      +-----------------------------------------------+
# | vl0     |------| vlan0 (ARP mode 1, NDP mode 1) 2001:db8:1::1   |
# | vl1     |------| vlan1 (ARP mode 2, audit)                     |
# +---------+      | d0 (dummy): 10.9.0.0/16, 2001:db8:9::/64       |
#                  | up0 (dummy): the default routes               |
#                  +-----------------------------------------------+

source "$(dirname "$0")/lib.sh"

METRICS=$TOP/tools/proxyarp-metrics
PROMTOOL=${PROXYARP_PROMTOOL:-$(command -v promtool)}
node="" lan=""

setup() {
	setup_ns node lan || return 1
	no_dad "$node" "$lan"
	link_pair "$node" "$lan" vlan0 vl0 || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" d0 10.9.0.0/16
	add_dummy "$node" up0 default
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	# The LAN's reachability probe of the node's address, five seconds
	# after the node's own probe taught it that address, would be one
	# more decision (local): none while the test runs.
	ip netns exec "$lan" sysctl -qw net.ipv6.neigh.vl0.delay_first_probe_time=3600
	ip -n "$node" -6 route add 2001:db8:9::/64 dev d0
	ip -n "$node" -6 route add default dev up0
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 2
	pn "$node" vlan0 mode 1
}

send6() {
	ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 -w 300 "$@" | tail -n 1
}

# series NAME [LABEL-MATCH]: the lines of $out for a metric, sorted,
# those whose labels contain LABEL-MATCH.
series() {
	grep "^$1{" <<<"$out" | grep -F -- "${2:-}" | LC_ALL=C sort
}

# nonzero MATCH: "reason=value" for every decisions_total series of
# $out matching MATCH whose value is not 0, with its verdict.
nonzero() {
	series proxyarp_decisions_total "$1" | awk '$2 != 0 {
		match($1, /verdict="[a-z]*"/); v = substr($1, RSTART + 9, RLENGTH - 10)
		match($1, /reason="[a-z_]*"/); r = substr($1, RSTART + 8, RLENGTH - 9)
		print v "/" r "=" $2 }' | xargs
}

test_counts() {
	local n=netns=\"$node\"

	check_eq "$(ask_count "$lan" vl0 192.0.2.1 -f <(seq -f '10.9.1.%g' 1 5))" \
		"sent 5 replies 5" "vlan0: 5 proxied requests answered"
	check_eq "$(ask_count "$lan" vl0 192.0.2.1 203.0.113.1 203.0.113.2 203.0.113.3)" \
		"sent 3 replies 0" "vlan0: 3 requests through the default route refused"
	check_eq "$(ask_count "$lan" vl1 192.0.2.1 -f <(seq -f '10.9.2.%g' 1 4))" \
		"sent 4 replies 0" "vlan1 (audit): 4 requests, nothing sent"
	check_eq "$(send6 2001:db8:9::1 2001:db8:9::2)" "sent 2 replies 2" \
		"vlan0: 2 proxied solicitations answered"
	check_eq "$(send6 2001:db8:77::1)" "sent 1 replies 0" \
		"vlan0: 1 solicitation through the default route refused"

	out=$("$METRICS" "$node")
	log_test $? "proxyarp-metrics NETNS exits 0"
	check_eq "$(nonzero "$n,family=\"ipv4\",device=\"vlan0\"")" \
		"ignore/default_route=3 reply/proxied=5" "vlan0's ARP decisions, exactly"
	check_eq "$(nonzero "$n,family=\"ipv4\",device=\"vlan1\"")" \
		"reply/proxied=4" "vlan1's audit decisions count as replies"
	check_eq "$(nonzero "$n,family=\"ipv6\",device=\"vlan0\"")" \
		"ignore/default_route=1 reply/proxied=2" "vlan0's NDP decisions, exactly"
	check_eq "$(series proxyarp_decisions_total "$n,family=\"ipv4\",device=\"vlan0\"" | wc -l)" \
		"$(family_reasons ARP | wc -w)" "every ARP reason is a series, zeros included"
	check_eq "$(series proxyarp_decisions_total "$n,family=\"ipv6\",device=\"vlan0\"" | wc -l)" \
		"$(family_reasons NDP | wc -w)" "every NDP reason is a series, zeros included"
	check_eq "$(series proxyarp_decisions_total "$n" | grep -c 'device="all"')" "0" \
		"the namespace's sum is not a device"
	check_eq "$(series proxyarp_mode "$n" | paste -sd " ")" \
		"proxyarp_mode{$n,family=\"ipv4\",device=\"vlan0\"} 1 proxyarp_mode{$n,family=\"ipv4\",device=\"vlan1\"} 2 proxyarp_mode{$n,family=\"ipv6\",device=\"vlan0\"} 1" \
		"a mode gauge for each device the counters list"
	check_eq "$(series proxyarp_announcements_total "$n" | awk '{ print $2 }' | xargs)/$(series proxyarp_conflicts_total "$n" | wc -l)/$(series proxyarp_announcement_drops_total "$n" | wc -l)" \
		"0 0 0/3/3" "announcements, drops and conflicts: a series each per device the counters list"
	check_eq "$(series proxyarp_decisions_total "$n" | grep -c -e 'reason="announce' -e 'reason="conflict')" 0 \
		"the counters' last columns are not reasons"
	check_eq "$(grep -c '^proxyarp_module_loaded 1$' <<<"$out")" "1" "the module is loaded"

	if [ -x "$PROMTOOL" ]; then
		"$PROMTOOL" check metrics <<<"$out"
		log_test $? "promtool check metrics accepts the exposition"
	else
		skip_tool "promtool not found (set PROXYARP_PROMTOOL)"
	fi
}

test_namespaces() {
	local f

	out=$("$METRICS" "$node" "$lan")
	check_eq "$(series proxyarp_mode "netns=\"$lan\"" | wc -l)" "0" \
		"a namespace without modes has no device series"
	out=$("$METRICS" -a)
	check_eq "$(series proxyarp_mode "netns=\"$node\"" | wc -l)" "3" \
		"-a includes the namespaces under /run/netns"
	check_eq "$(grep -c '^# TYPE proxyarp_decisions_total counter$' <<<"$out")" "1" \
		"-a: one TYPE line per metric"
	out=$("$METRICS" "/run/netns/$node")
	check_eq "$(series proxyarp_mode "netns=\"/run/netns/$node\"" | wc -l)" "3" \
		"a namespace by the path of its file"
	"$METRICS" no-such-netns >/dev/null 2>&1
	check_eq "$?" "1" "an unknown namespace is an error"

	f=$(mktemp -d)
	"$METRICS" -o "$f/proxyarp.prom" "$node"
	check_eq "$?/$(find "$f" -mindepth 1 -printf "%f ")/$(stat -c %a "$f/proxyarp.prom")" "0/proxyarp.prom /644" \
		"-o writes the file, mode 644, and leaves no temporary"
	check_eq "$(grep -c '^proxyarp_mode{' "$f/proxyarp.prom")" "3" "-o: the whole exposition"
	"$METRICS" -o "$f/none/proxyarp.prom" >/dev/null 2>&1
	check_eq "$?" "1" "-o into a missing directory is an error"
	rm -rf "$f"

	module_unload
	out=$("$METRICS" "$node")
	check_eq "$?/$out" "0/# HELP proxyarp_module_loaded Whether the proxyarp module is loaded.
# TYPE proxyarp_module_loaded gauge
proxyarp_module_loaded 0" "the module not loaded: proxyarp_module_loaded 0, nothing else"
	module_load
}

require_root
require_cmd ip nsenter
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_counts
test_namespaces
finish
