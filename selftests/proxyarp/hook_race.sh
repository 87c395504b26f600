#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The races of the hooks and the modes.
#
# A device registering copies "default"'s mode before it is in its
# namespace's devices.  A 0 written to "default" in between must not take
# the namespace's hooks away from it: the device would stay at the 1 it
# copied, unserved, and the kernel's proxy_arp, where it is on, would
# answer for it again.  The write takes RTNL (sysctl.c), which the
# registration holds.  The window is a few microseconds wide;
# proxyarp_stall (stall/) holds it open: the new device's first sysctl
# directory waits, the 0 is written meanwhile.
#
# A mode write holds its namespace's hooks mutex, "all" and "default"
# across RTNL and the hooks' unregistration (a grace period): a device's
# mode write in another namespace must not wait for it, and one in the
# same namespace must wait asleep, not spinning through restarts.

source "$(dirname "$0")/lib.sh"

STALL_KO=${PROXYARP_STALL_KO:-$(dirname "$(dirname "$PROXYARP_KO")")/stall/proxyarp_stall.ko}
STALL=/sys/module/proxyarp_stall/parameters

# shellcheck disable=SC2317 # called through busywait
stall_inside() {
	[ "$(cat "$STALL/inside")" = 1 ]
}

# The writer, in NODE: a shell entered before the window opens, since
# entering a namespace (ip netns exec's mounts) waits for an RCU grace
# period, which the held CPU delays to the window's end; and past the
# fifo it runs builtins only (a fork or exec may wait for the held CPU
# too).  It runs on CPU 1, the registration on CPU 0: a task woken on
# the held CPU's run queue would wait there for the window's end (seen
# on 6.1).  In, it creates READY; told to go on the fifo, it prints
# "INSIDE VN1DIR RC AFTER": whether the registration was held and vn1
# had a directory just before its write, the write's status, and
# whether the registration was still held after it.
writer() { # NS FIFO READY
	# shellcheck disable=SC2016 # the inner shell's
	taskset -c 1 ip netns exec "$1" bash -c '
		: >"$2"
		read -r _ <"$1"
		read -r held <"$3/inside"
		dir=no
		[ -e /proc/sys/net/proxyarp/conf/vn1 ] && dir=yes
		echo 0 >/proc/sys/net/proxyarp/conf/default/mode
		rc=$?
		read -r after <"$3/inside"
		echo "$held $dir $rc $after"' _ "$2" "$3" "$STALL"
}

# The timed writer, in NS, on CPU 1 (as writer): once told, it writes
# VALUE to the mode of DIR (proxyarp/conf/DEV or proxyndp/conf/DEV)
# and prints "BEFORE AFTER RC CPU": whether the hold was on just before
# and just after the write, its status, and the write's CPU time
# (user + system, s).
timed_writer() { # NS FIFO READY DIR VALUE
	# shellcheck disable=SC2016 # the inner shell's
	taskset -c 1 ip netns exec "$1" bash -c '
		: >"$2"
		read -r _ <"$1"
		TIMEFORMAT="%3U %3S"
		read -r before <"$3/inside"
		{ time echo "$5" >"/proc/sys/net/$4/mode"; } 2>"$2.time"
		rc=$?
		read -r after <"$3/inside"
		read -r user sys <"$2.time"
		echo "$before $after $rc $user $sys"' _ "$2" "$3" "$STALL" "$4" "$5"
}

# cpu_under LIMIT USER SYS: 0 when USER + SYS < LIMIT seconds.
cpu_under() {
	awk -v l="$1" -v u="$2" -v s="$3" 'BEGIN { exit !(u + s < l) }'
}

# "all" at 0 in A: its unhook (proxyarp_hooks_drop_unused()) is held
# 5 s, under A's mutex (not RTNL: the unhook waits for a grace period).
# Meanwhile a device's ARP write in B, then its NDP write (which needs
# RTNL), and a device's ARP write in A.
test_mode_writers() {
	local a b rc line before after wrc user sys

	rmmod proxyarp_stall
	if ! insmod "$STALL_KO" symbol=proxyarp_hooks_drop_unused ms=5000; then
		log_test 1 "proxyarp_stall holds proxyarp_hooks_drop_unused()"
		return
	fi
	setup_ns a b || return
	add_dummy "$a" da
	add_dummy "$b" db
	pa "$a" da mode 1
	pa "$b" db mode 1
	pn "$b" db mode 1
	rm -f "$TMPDIR"/ready-* "$TMPDIR"/go-*
	mkfifo "$TMPDIR/go-a" "$TMPDIR/go-b" "$TMPDIR/go-n"
	timed_writer "$b" "$TMPDIR/go-b" "$TMPDIR/ready-b" proxyarp/conf/db 2 >"$TMPDIR/wb" &
	local wb=$!
	timed_writer "$b" "$TMPDIR/go-n" "$TMPDIR/ready-n" proxyndp/conf/db 2 >"$TMPDIR/wn" &
	local wn=$!
	timed_writer "$a" "$TMPDIR/go-a" "$TMPDIR/ready-a" proxyarp/conf/da 2 >"$TMPDIR/wa" &
	local wa=$!
	busywait 20000 test -e "$TMPDIR/ready-a" -a -e "$TMPDIR/ready-b" -a -e "$TMPDIR/ready-n"
	# This shell too stays off the held CPU: woken there, it would
	# wait for the hold's end before telling the next writer to go.
	taskset -pc 1 $$ >/dev/null
	echo 1 >"$STALL/armed"
	taskset -c 0 ip netns exec "$a" sh -c \
		'echo 0 >/proc/sys/net/proxyarp/conf/all/mode' &
	local wall=$!
	busywait 20000 stall_inside
	# All at once: a writer's exit leaves its mount namespace, which
	# waits for a grace period, so for the hold's end.
	echo go >"$TMPDIR/go-b"
	echo go >"$TMPDIR/go-n"
	echo go >"$TMPDIR/go-a"
	wait "$wb"
	read -r before after wrc user sys <"$TMPDIR/wb"
	check_eq "$before $after $wrc" "1 1 0" \
		"a device's mode written in another namespace while A's unhook is held: done at once (${user:-?} s user, ${sys:-?} s system)"
	wait "$wn"
	read -r before after wrc user sys <"$TMPDIR/wn"
	check_eq "$before $after $wrc" "1 1 0" \
		"and its proxyndp mode (RTNL): done at once too (${user:-?} s user, ${sys:-?} s system)"
	wait "$wa"
	read -r before after wrc user sys <"$TMPDIR/wa"
	check_eq "$before $after $wrc" "1 0 0" \
		"a device's mode written in A meanwhile: done after the hold"
	cpu_under 1 "$user" "$sys"
	log_test $? "and it waited asleep: ${user:-?} s user, ${sys:-?} s system"
	wait "$wall"
	rc=$?
	taskset -pc "0-$(($(nproc) - 1))" $$ >/dev/null
	line="$rc $(cat "$STALL/stalled") $(pa "$a" all mode) $(pa "$a" da mode) $(pa "$b" db mode) $(pn "$b" db mode)"
	check_eq "$line" "0 1 0 2 2 2" "the write to all done, held once; the modes as written"
}

# NODE's vn1 is created while "default" goes from 1 to 0; its peer vl1,
# in LAN, asks for an address routed through NODE's d0.
test_default_race() {
	local node lan fifo=$TMPDIR/go link wpid

	setup_ns node lan || return
	ipv4 "$node" all forwarding 1
	add_dummy "$node" d0 192.0.2.77
	pa "$node" default mode 1
	check_eq "$(pa "$node" default mode)" 1 "default at 1 (the hooks come with it)"
	mkfifo "$fifo"
	writer "$node" "$fifo" "$TMPDIR/ready" >"$TMPDIR/writer" &
	wpid=$!
	busywait 20000 test -e "$TMPDIR/ready"
	echo 1 >"$STALL/armed"
	taskset -c 0 ip -n "$node" link add vn1 type veth peer name vl1 netns "$lan" &
	link=$!
	busywait 20000 stall_inside
	echo go >"$fifo"
	wait "$wpid"
	check_eq "$(cat "$TMPDIR/writer")" "1 no 0 0" \
		"default set to 0 from inside vn1's held registration, before its directory: done after it (RTNL)"
	wait "$link"
	check_eq "$?/$(cat "$STALL/stalled")" "0/1" "vn1 created, its registration held once"
	check_eq "$(pa "$node" vn1 mode)/$(pa "$node" default mode)" "1/0" \
		"vn1 copied the 1 (before the 0 was stored)"
	check_eq "$(ip netns exec "$node" cat /proc/sys/net/ipv4/conf/vn1/proxy_arp)" 0 \
		"the kernel's proxy_arp is off on vn1: only the module can answer"
	ip -n "$node" link set vn1 up
	ip -n "$lan" link set vl1 up
	check_eq "$(answer "$lan" vl1 192.0.2.1 192.0.2.77)" "$(mac_of "$node" vn1)" \
		"vn1 at mode 1 answers: the 0 written meanwhile left the hooks"
	pa "$node" vn1 mode 0
	check_eq "$(answer "$lan" vl1 192.0.2.1 192.0.2.77)" "" \
		"vn1 at 0: nobody answers"
}

require_root
require_cmd ip
require_cmd taskset
if [ "$(nproc)" -lt 2 ]; then
	echo "# SKIP: the writer needs a CPU the held one is not"
	exit "$ksft_skip"
fi
TMPDIR=$(mktemp -d)
trap 'cleanup; rmmod proxyarp_stall 2>/dev/null; rm -rf "$TMPDIR"' EXIT
if [ ! -r "$STALL_KO" ]; then
	echo "# no helper module at $STALL_KO (scripts/build makes it)"
	exit "$ksft_fail"
fi
module_load || exit "$ksft_fail"
insmod "$STALL_KO" name=vn1 ms=3000 || exit "$ksft_fail"

test_default_race
test_mode_writers

finish
