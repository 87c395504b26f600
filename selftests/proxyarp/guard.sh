#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The storm guard: with max_rate R and max_burst B, a device answers B
# requests at once, then R per second; what is over is not answered,
# traced and counted as rate_limited, and reported in the kernel log at
# most once a minute per device.  max_rate 0 is no limit; the limit is
# per device and applies in audit mode too.
#
#  lan               node
# +---------+      +------------------------------------------+
# | vl0     |------| vlan0 (mode 1, max_rate 50, max_burst 10) |
# | vl1     |------| vlan1 (mode 1, max_rate 0)                |
# +---------+      | d0 (dummy): 10.9.0.0/16                   |
#                  +------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" vlan0 vl0 || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" d0 10.9.0.0/16
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 1
	pa "$node" vlan0 max_burst 10
	pa "$node" vlan0 max_rate 50
}

# flood DEV RATE N: N requests for distinct targets at RATE a second;
# prints "SENT REPLIES MS".
flood() {
	tally "$lan" "$1" -s 192.0.2.1 -r "$2" -w 500 \
		-f <(seq 1 "$3" | awk '{ printf "10.9.%d.%d\n", $1 / 250, $1 % 250 + 1 }')
}

# within GOT WANT SLACK: GOT is WANT give or take SLACK.
within() {
	awk -v g="$1" -v w="$2" -v s="$3" 'BEGIN { print (g >= w - s && g <= w + s) }'
}

# allowed DEV BURST RATE: how many of the requests traced on DEV since
# trace_start a bucket of BURST at RATE a second lets through, replayed
# on the trace's time stamps (the guard's clock) from a full bucket, as
# guard.c does it: a slow guest's requests come later and further apart,
# and the count follows.  Prints "ALLOWED SECONDS" (first to last).
allowed() {
	trace_stamped | awk -v dev="dev=$1" -v b="$2" -v r="$3" '
	$2 != dev { next }
	!n++ { credit = b / r; first = $1; last = $1 }
	{
		credit += $1 - last
		if (credit > b / r)
			credit = b / r
		last = $1
		# a micro-second of slack: the stamp is taken just after
		# the guard reads the clock
		if (credit >= 1 / r - 1e-6) { credit -= 1 / r; ok++ }
	}
	END { printf "%d %.3f\n", ok, last - first }'
}

log_lines() {
	dmesg | grep -c "proxyarp: $1: over max_rate"
}

test_rate() {
	local out sent replies ms want span limited0 logged0

	# The runner checks the whole kernel log at the end: count, never clear.
	logged0=$(log_lines vlan0)
	trace_start
	limited0=$(counter "$node" vlan0 rate_limited)
	# 300 requests at 100/s: about 3 s, so 10 + 50 x 3 answers.
	out=$(flood vl0 100 300)
	read -r sent replies ms <<<"$out"
	read -r want span <<<"$(allowed vlan0 10 50)"
	check_eq "$sent" "300" "300 requests sent at 100/s (in $ms ms)"
	check_eq "$(within "$replies" "$want" 1)" "1" \
		"max_rate 50, max_burst 10: $replies answers, the bucket replayed on the trace's $span s lets $want through"
	check_eq "$(($(counter "$node" vlan0 rate_limited) - limited0))" \
		"$((sent - replies))" "every request not answered is counted rate_limited"
	check_eq "$(trace_lines | grep -c 'dev=vlan0 .*verdict=ignore reason=rate_limited')" \
		"$((sent - replies))" "and traced with reason=rate_limited"
	check_eq "$(($(log_lines vlan0) - logged0))" "1" "the kernel log says so once"
	check_match "$(dmesg | grep 'over max_rate' | tail -n 1)" \
		"vlan0: over max_rate 50/s: [0-9]+ proxy ARP request" \
		"the log line names the device, the limit and a count"

	# Replayed over both floods: the bucket need not be full between.
	local first=$replies
	out=$(flood vl0 100 100)
	read -r sent replies ms <<<"$out"
	read -r want span <<<"$(allowed vlan0 10 50)"
	check_eq "$sent $((replies >= 1 && replies < sent)) $(within "$((first + replies))" "$want" 1)" "100 1 1" \
		"a second flood is limited too: $replies of 100 answered in $ms ms; both floods $((first + replies)), the bucket $want"
	check_eq "$(($(log_lines vlan0) - logged0))" "1" "no second log line within a minute"
}

test_burst() {
	local sent replies ms want span

	sleep 1		# the bucket refills: 10 at most
	# As fast as arpq sends; on a slow (debug) kernel that takes long
	# enough for a few more tokens: 10 + 50 x the time it took.
	trace_start
	read -r sent replies ms <<<"$(tally "$lan" vl0 -s 192.0.2.1 -w 300 \
		-f <(seq -f '10.9.7.%g' 1 40))"
	read -r want span <<<"$(allowed vlan0 10 50)"
	check_eq "$sent $(within "$replies" "$want" 1)" "40 1" \
		"40 requests at once after a pause: the burst is answered ($replies in $span s, the bucket $want)"
}

test_per_device() {
	local sent replies ms

	read -r sent replies ms <<<"$(flood vl1 1000 300)"
	check_eq "$sent $replies" "300 300" \
		"max_rate 0 on vlan1: 300 requests at 1000/s, all answered"
	check_eq "$(log_lines vlan1)" "0" "nothing logged for vlan1"

	pa "$node" vlan0 max_rate 0
	read -r sent replies ms <<<"$(flood vl0 1000 300)"
	check_eq "$sent $replies" "300 300" "max_rate back to 0: no limit"
}

test_audit() {
	local before want span

	pa "$node" vlan1 mode 2
	pa "$node" vlan1 max_burst 5
	pa "$node" vlan1 max_rate 1
	before=$(counter "$node" vlan1 rate_limited)
	trace_start
	ip netns exec "$lan" "$ARPQ" -i vl1 -s 192.0.2.1 -q -w 0 \
		-f <(seq -f '10.9.8.%g' 1 20) >/dev/null
	read -r want span <<<"$(allowed vlan1 5 1)"
	check_eq "$(within "$(($(counter "$node" vlan1 rate_limited) - before))" $((20 - want)) 1)" "1" \
		"audit mode: what is over the limit is counted rate_limited too ($((20 - want)) of 20 in $span s)"
}

require_root
require_cmd ip dmesg
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_rate
test_burst
test_per_device
test_audit
finish
