#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The tunables under /proc/sys/net/proxyarp/conf/{all,default,<dev>}:
# values, all/default/device semantics, invalid writes, entries that
# follow devices (register, rename, unregister, netns moves), and two
# namespaces with different settings.
#
#  n1                          n2
# +----------------------+    +----------------------+
# | d1, d2 (dummy)       |    | (its own defaults)   |
# | va ---- vb (veth)    |    |                      |
# +----------------------+    +----------------------+
#
#  a1                 b1                      a2                 b2
# +------+          +--------------------+   +------+          +--------------------+
# | p0   |----------| q0 (mode 1)        |   | p0   |----------| q0 (mode 1)        |
# +------+          | default via up0    |   +------+          | default via up0    |
#                   | ignore_default=1   |                     | ignore_default=0   |
#                   +--------------------+                     +--------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
n1="" n2="" a1="" b1="" a2="" b2="" h0="" h1="" h2="" h3="" hook_pid=""

KNOBS="mode ignore_default_route min_prefixlen honor_proxy_delay max_rate max_burst announce route_proto"

# values NS DEV: every tunable of DEV, in KNOBS order, on one line, in
# one netns exec: an exec takes most of a second on the debug kernel.
values() {
	# shellcheck disable=SC2016,SC2086 # sh's own $0 and $@; KNOBS is a list
	ip netns exec "$1" sh -c 'cd "$0" && cat "$@"' \
		"/proc/sys/net/proxyarp/conf/$2" $KNOBS | xargs
}

test_defaults() {
	check_eq "$(conf_dirs "$n1")" "all d1 d2 default lo va vb" \
		"an entry for all, default and every device"
	check_eq "$(values "$n1" default)" "0 1 0 0 0 50 0 0" \
		"built-in defaults: mode 0, ignore_default_route 1, min_prefixlen 0, honor_proxy_delay 0, max_rate 0, max_burst 50, announce 0, route_proto 0"
	check_eq "$(values "$n1" d1)" "0 1 0 0 0 50 0 0" "devices start with the defaults"
	check_eq "$(stat -c %a /proc/sys/net/proxyarp/conf/all/mode)" "644" \
		"entries are root-writable, world-readable"
}

test_semantics() {
	pa "$n1" d1 min_prefixlen 8
	check_eq "$(values "$n1" d1) / $(values "$n1" d2)" "0 1 8 0 0 50 0 0 / 0 1 0 0 0 50 0 0" \
		"a device's write changes that device only"
	pa "$n1" default mode 2
	check_eq "$(pa "$n1" d1 mode)" "0" "default does not change existing devices"
	ip -n "$n1" link add d3 type dummy
	check_eq "$(values "$n1" d3)" "2 1 0 0 0 50 0 0" "a new device takes default"
	pa "$n1" all ignore_default_route 0
	check_eq "$(pa "$n1" d1 ignore_default_route)$(pa "$n1" d2 ignore_default_route)$(pa "$n1" d3 ignore_default_route)$(pa "$n1" default ignore_default_route)$(pa "$n1" all ignore_default_route)" \
		"00000" "all sets every device and default"
	check_eq "$(pa "$n1" d1 min_prefixlen)" "8" "all leaves other tunables alone"
	ip -n "$n1" link add d4 type dummy
	check_eq "$(values "$n1" d4)" "2 0 0 0 0 50 0 0" "a device added after a write to all takes it"
	pa "$n1" all ignore_default_route 1
	pa "$n1" all mode 0
}

# invalid_writes NS: for each "DEV KNOB VALUE" line on stdin, write
# VALUE to DEV's KNOB in NS (a plain shell write, as an operator would)
# and print "DEV KNOB VALUE|RC|ERROR|BEFORE|AFTER", BEFORE and AFTER being
# d1's and DEV's tunables around the write; all in one netns exec, which
# takes most of a second on these guests.
invalid_writes() {
	# shellcheck disable=SC2016 # the inner shell's variables
	ip netns exec "$1" bash -c '
		knobs=$0
		vals() { (cd "/proc/sys/net/proxyarp/conf/$1" && cat $knobs) | xargs; }
		while read -r dev knob val; do
			before="$(vals d1)/$(vals "$dev")"
			err=$( { echo "$val" >"/proc/sys/net/proxyarp/conf/$dev/$knob"; } 2>&1)
			rc=$?
			echo "$dev $knob $val|$rc|$err|$before|$(vals d1)/$(vals "$dev")"
		done' "$KNOBS"
}

test_invalid() {
	local knob val dev what rc err before after n=0

	for knob in mode:3 mode:-1 mode:abc mode:1x ignore_default_route:2 \
		    min_prefixlen:33 min_prefixlen:-1 min_prefixlen: \
		    honor_proxy_delay:2 honor_proxy_delay:-1 max_rate:-1 \
		    max_rate:1000001 max_burst:0 max_burst:1000001 announce:11 \
		    announce:-1 route_proto:256 route_proto:-1; do
		for dev in d1 all default; do
			echo "$dev ${knob%%:*} ${knob#*:}"
		done
	done >"$TMPDIR/invalid"
	check_eq "$(wc -l <"$TMPDIR/invalid")" 54 "54 invalid writes to make"
	while IFS='|' read -r what rc err before after; do
		read -r dev knob val <<<"$what"
		n=$((n + 1))
		if [ "$rc" = 0 ]; then
			log_test 1 "$dev/$knob='$val' is refused"
			continue
		fi
		[ "$before" = "$after" ] && [[ $err == *"Invalid argument"* ]]
		log_test $? "$dev/$knob='$val' fails with EINVAL and changes nothing"
	done < <(invalid_writes "$n1" <"$TMPDIR/invalid")
	check_eq "$n" 54 "every invalid write was made and answered"
	pa "$n1" d1 min_prefixlen 32 && pa "$n1" d1 min_prefixlen 0 &&
		pa "$n1" d1 max_rate 1000000 && pa "$n1" d1 max_rate 0 &&
		pa "$n1" d1 max_burst 1 && pa "$n1" d1 max_burst 1000000 &&
		pa "$n1" d1 max_burst 50 && pa "$n1" d1 announce 10 &&
		pa "$n1" d1 announce 0 && pa "$n1" d1 route_proto 255 &&
		pa "$n1" d1 route_proto 0
	log_test $? "the bounds themselves (0-32, 0-1000000, 1-1000000, 0-10, 0-255) are accepted"
}

test_rename_unregister() {
	pa "$n1" d2 min_prefixlen 20
	pa "$n1" d2 mode 1
	ip -n "$n1" link set d2 down
	ip -n "$n1" link set d2 name d2new
	check_eq "$(conf_dirs "$n1")" "all d1 d2new d3 d4 default lo va vb" \
		"rename moves the entry"
	check_eq "$(values "$n1" d2new)" "1 1 20 0 0 50 0 0" "rename keeps the values"
	ip -n "$n1" link set d2new name d2
	check_eq "$(values "$n1" d2)" "1 1 20 0 0 50 0 0" "and back again"
	ip -n "$n1" link del d3
	ip -n "$n1" link del va
	check_eq "$(conf_dirs "$n1")" "all d1 d2 d4 default lo" \
		"unregister removes the entry (a veth takes its peer along)"
}

test_netns() {
	check_eq "$(conf_dirs "$n2")" "all default lo" \
		"a namespace created after load has its own tree"
	check_eq "$(values "$n2" default)" "0 1 0 0 0 50 0 0" \
		"with the built-in defaults, whatever other namespaces set"
	pa "$n2" default min_prefixlen 24
	pa "$n2" all mode 2
	check_eq "$(values "$n1" default)" "0 1 0 0 0 50 0 0" \
		"writes in one namespace do not reach another"
	pa "$n1" d4 min_prefixlen 12
	ip -n "$n1" link set d4 netns "$n2"
	check_eq "$(conf_dirs "$n1")" "all d1 d2 default lo" \
		"a device moved away leaves its namespace's tree"
	check_eq "$(values "$n2" d4)" "2 1 24 0 0 50 0 0" \
		"and takes the default of the namespace it moves to"
}

# Two nodes, each the case B of ganeti.sh in miniature, differing only in
# ignore_default_route.
setup_node() {
	local a=$1 b=$2 idr=$3

	link_pair "$b" "$a" q0 p0
	add_dummy "$b" up0 default
	pa "$b" q0 mode 1
	pa "$b" q0 ignore_default_route "$idr"
}

test_two_namespaces() {
	setup_ns a1 b1 a2 b2 || return
	setup_node "$a1" "$b1" 1
	setup_node "$a2" "$b2" 0
	check_eq "$(answer "$a1" p0 192.0.2.1 192.0.2.77)" "" \
		"namespace with ignore_default_route=1 does not answer via default"
	check_eq "$(answer "$a2" p0 192.0.2.1 192.0.2.77)" "$(mac_of "$b2" q0)" \
		"namespace with ignore_default_route=0 does"
}

# Whether a namespace has the module's hook is seen by running it:
# bpftrace prints the receiving device of every call of the hook
# (nft list hooks would say it directly, but 6.1 has no
# NETFILTER_NETLINK_HOOK).  hN has a veth pair haN/hbN; a request sent
# out of haN is received on hbN.  h0, at mode 1 throughout, is the
# watcher's own check: bpftrace prints "Attaching" before its probe is
# in, and a "no" seen before then would be no evidence, so the watch
# counts as started once a request on hb0 has been seen.
hook_watch() {
	# shellcheck disable=SC2016 # bpftrace's own syntax
	bpftrace -B line -e 'kprobe:proxyarp_arp_in {
		printf("in %s\n", ((struct sk_buff *)arg1)->dev->name); }' \
		>"$TMPDIR/hook" 2>&1 &
	hook_pid=$!
	busywait "$BPFTRACE_WAIT_MS" eval "ask '$h0' ha0 192.0.2.1 192.0.2.2 >/dev/null;
		grep -q '^in hb0\$' '$TMPDIR/hook' || ! kill -0 $hook_pid 2>/dev/null"
	grep -q '^in hb0$' "$TMPDIR/hook"
}

hook_calls() { # N
	grep -c "^in hb$1\$" "$TMPDIR/hook"
}

# hook_ran N BEFORE: the hook has run on hbN more than BEFORE times.
# shellcheck disable=SC2317 # called through busywait
hook_ran() {
	[ "$(hook_calls "$1")" -gt "$2" ]
}

# hooked NS N: "yes" when a request received on hbN ran the hook.
# bpftrace's output lags: a request on hb0 (hooked throughout) follows
# from the same CPU, whose softirq takes both in turn, and bpftrace
# reads each CPU's events in order: once hb0's is printed, hbN's would
# have been.  "silent" if it never is.
hooked() {
	local before before0

	before=$(hook_calls "$2")
	before0=$(hook_calls 0)
	(
		taskset -pc 0 "$BASHPID" >/dev/null
		ask "$1" "ha$2" 192.0.2.1 192.0.2.2
		ask "$h0" ha0 192.0.2.1 192.0.2.2
	) >/dev/null
	if ! busywait 30000 hook_ran 0 "$before0"; then
		echo silent
	elif hook_ran "$2" "$before"; then
		echo yes
	else
		echo no
	fi
}

# The hook comes with the first mode other than 0 written in a
# namespace (device, default or all), and goes with a write that leaves
# every mode there at 0.
test_hook() {
	local i ns

	if ! command -v bpftrace >/dev/null; then
		skip_tool "bpftrace not installed"
		return
	fi
	setup_ns h0 h1 h2 h3 || return
	for i in 0 1 2 3; do
		ns=h$i
		ip -n "${!ns}" link add "ha$i" type veth peer name "hb$i"
		ip -n "${!ns}" link set "ha$i" up
		ip -n "${!ns}" link set "hb$i" up
	done
	pa "$h0" hb0 mode 1
	if ! hook_watch; then
		sed 's/^/# /' "$TMPDIR/hook"
		log_test 1 "bpftrace attaches to the hook (sees a request on hb0, at mode 1)"
		bpftrace_stop "$hook_pid"
		return
	fi
	pa "$h1" hb1 mode 0
	pa "$h1" all mode 0
	ip netns exec "$h1" sh -c 'echo 3 >/proc/sys/net/proxyarp/conf/default/mode' 2>/dev/null
	check_eq "$(hooked "$h1" 1)$(hooked "$h2" 2)$(hooked "$h3" 3)" "nonono" \
		"no hook where no mode other than 0 was written (0, invalid)"
	pa "$h1" hb1 mode 1
	check_eq "$(hooked "$h1" 1)" "yes" "mode 1 on a device registers the hook"
	check_eq "$(hooked "$h2" 2)$(hooked "$h3" 3)" "nono" "in that namespace only"
	pa "$h2" default mode 2
	ip -n "$h2" link add hc2 type dummy
	check_eq "$(hooked "$h2" 2)/$(pa "$h2" hc2 mode)" "yes/2" \
		"mode 2 in default registers it (for the devices that take it)"
	pa "$h3" all mode 1
	check_eq "$(hooked "$h3" 3)" "yes" "mode 1 in all registers it"
	pa "$h1" ha1 mode 1
	pa "$h1" hb1 mode 0
	check_eq "$(hooked "$h1" 1)" "yes" "one device back to 0, another at 1: the hook stays"
	pa "$h1" ha1 mode 0
	check_eq "$(hooked "$h1" 1)" "no" "every mode back to 0: the hook goes"
	pa "$h1" hb1 mode 2
	check_eq "$(hooked "$h1" 1)" "yes" "a mode again: it comes back"
	pa "$h2" hc2 mode 0
	check_eq "$(hooked "$h2" 2)" "yes" "a device at 0, default still 2: it stays"
	pa "$h3" all mode 0
	check_eq "$(hooked "$h3" 3)" "no" "all back to 0 (and with it every device): it goes"
	bpftrace_stop "$hook_pid"
}

require_root
require_cmd ip
TMPDIR=$(mktemp -d)
trap 'cleanup; rm -rf "$TMPDIR"' EXIT
module_load || exit "$ksft_fail"
setup_ns n1 || exit "$ksft_fail"
ip -n "$n1" link add d1 type dummy
ip -n "$n1" link add d2 type dummy
ip -n "$n1" link add va type veth peer name vb
setup_ns n2 || exit "$ksft_fail"

test_defaults
test_semantics
test_invalid
test_rename_unregister
test_netns
test_two_namespaces
test_hook
finish
