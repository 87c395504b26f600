#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The proxyarp:proxyarp_decision tracepoint, read through tracefs and
# through bpftrace: its fields, its printed line, and no event for a
# device whose mode is 0.
#
#  lan                 node
# +---------+        +------------------------------+
# | vl0     |--------| vlan0 (mode 1)               |
# +---------+        | quiet0 -- lan's quiet1 (mode 0)
#                    | up0 (dummy): 10.9.0.0/16     |
#                    +------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	link_pair "$node" "$lan" quiet0 quiet1
	add_dummy "$node" up0 10.9.0.0/16
	pa "$node" vlan0 mode 1
}

test_tracefs() {
	local fmt line want rx

	fmt=$(cat "$TRACEFS/events/proxyarp/proxyarp_decision/format")
	for field in "char dev\[16\]" "int ifindex" "u8 sip\[4\]" "u8 tip\[4\]" \
		     "u8 sha\[6\]" "u8 verdict" "u8 reason" "u8 mode" "u8 plen" \
		     "u32 table" "u8 route\[4\]" "int oif" "char oifname\[16\]"; do
		check_match "$fmt" "field:$field;" "format has $field"
	done

	trace_start
	answer "$lan" vl0 10.9.0.5 10.9.8.7 >/dev/null
	rx=$(ip netns exec "$node" cat /sys/class/net/quiet0/statistics/rx_packets)
	answer "$lan" quiet1 10.9.0.5 10.9.8.8 >/dev/null
	rx=$(($(ip netns exec "$node" cat /sys/class/net/quiet0/statistics/rx_packets) - rx))
	line=$(trace_lines | grep 'tip=10.9.8.7 ')
	want="^dev=vlan0 ifindex=$(ip netns exec "$node" cat /sys/class/net/vlan0/ifindex)"
	want="$want sip=10.9.0.5 tip=10.9.8.7 sha=$(mac_of "$lan" vl0)"
	want="$want verdict=reply reason=proxied table=254 route=10.9.0.0/16 oif=up0 mode=on proto=3$"
	check_match "$line" "$want" "tracefs line: every field, exactly"
	check_eq "$(trace_lines | grep -c 'tip=10.9.8.8 ') $((rx >= 1))" "0 1" \
		"no event for a device whose mode is 0 ($rx packet(s) received there)"
	answer "$lan" vl0 0.0.0.0 10.9.8.9 >/dev/null
	check_match "$(trace_lines | grep 'tip=10.9.8.9 ')" \
		"verdict=ignore reason=dad table=0 route=0.0.0.0/0 oif=- mode=on proto=0" \
		"no route looked up: table 0 and oif -"
}

# bpftrace takes seconds to start under emulation: keep asking until it
# has seen an event and exited.
test_bpftrace() {
	local out=/tmp/bpftrace.$$ pid line reply_reason

	if ! command -v bpftrace >/dev/null; then
		skip_tool "bpftrace not installed"
		return
	fi
	# shellcheck disable=SC2016 # bpftrace's own $ variables
	bpftrace -e 'tracepoint:proxyarp:proxyarp_decision /args->ifindex > 0/ {
		printf("dev=%s sip=%s tip=%s verdict=%d reason=%d mode=%d table=%d route=%s/%d oif=%s\n",
		       args->dev, ntop(args->sip), ntop(args->tip),
		       args->verdict, args->reason, args->mode, args->table,
		       ntop(args->route), args->plen, args->oifname);
		exit();
	}' >"$out" 2>&1 &
	pid=$!
	busywait "$BPFTRACE_WAIT_MS" eval "answer '$lan' vl0 10.9.0.5 10.9.1.1 >/dev/null; ! kill -0 $pid 2>/dev/null"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	line=$(grep '^dev=' "$out")
	[ -n "$line" ] || sed 's/^/# /' "$out"
	rm -f "$out"
	reply_reason=$(enum_value PROXYARP_REASON_PROXIED)
	check_eq "$line" \
		"dev=vlan0 sip=10.9.0.5 tip=10.9.1.1 verdict=1 reason=$reply_reason mode=1 table=254 route=10.9.0.0/16 oif=up0" \
		"bpftrace reads every field of the event"
}

require_root
require_cmd ip
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_tracefs
test_bpftrace
finish
