#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# honor_proxy_delay: broadcast requests the module answers wait a random
# delay in [0, proxy_delay), at most proxy_qlen of them; unicast requests
# and honor_proxy_delay=0 are answered at once; whatever waits is freed
# when the device goes, the namespace goes or the module is unloaded.
#
#  lan                 node
# +---------+        +---------------------------------------+
# | vl0     |--------| vlan0 (mode 1, honor_proxy_delay)     |
# +---------+        | d0 (dummy): 10.9.0.0/16               |
#                    +---------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	add_dummy "$node" d0 10.9.0.0/16
	pa "$node" vlan0 mode 1
}

neigh() { # KNOB VALUE: net.ipv4.neigh.vlan0.KNOB in the node
	ip netns exec "$node" bash -c "echo $2 >/proc/sys/net/ipv4/neigh/vlan0/$1"
}

# delays [ARPQ OPTIONS...]: the delays (us) of the answers to 20
# requests for 10.9.1.1-20, one a line.
delays() {
	ASK_WAIT_MS=${ASK_WAIT_MS:-1200} ask "$lan" vl0 192.0.2.1 10.9.1.1 \
		-f <(seq -f '10.9.1.%g' 2 20) "$@" | sed 's/.*us=\([0-9]*\).*/\1/'
}

max() {
	sort -n | tail -n 1
}

# below MS: how many of the delays (us, one a line) are below MS ms.
below() {
	awk -v ms="$1" '$1 < ms * 1000 { n++ } END { print n + 0 }'
}

# armed_start, then armed: how many times an answer's wait armed the
# delay timer (timer:timer_start for proxyarp_delay_timer) in between.
# Answered at once means never armed, however slow the guest.
armed_start() {
	trace_start || return 1
	echo 1 >"$TRACE_INSTANCE/events/timer/timer_start/enable"
}

armed() {
	echo 0 >"$TRACE_INSTANCE/events/timer/timer_start/enable"
	grep -c 'timer_start:.*function=proxyarp_delay_timer' "$TRACE_INSTANCE/trace"
}

# furthest: after armed, the furthest ahead the delay timer was set, in
# ms: timer_start's timeout (jiffies), at the rate jiffies went by from
# its first event to its last ("-" if they were under 100 ms apart).
# Each answer's wait is drawn when its request comes and only ever set
# or shortened after, so a stalled guest cannot lengthen it.
furthest() {
	awk '/function=proxyarp_delay_timer/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^[0-9]+\.[0-9]+:$/) t = $i + 0
			if ($i ~ /^expires=/) e = substr($i, 9) + 0
			if ($i ~ /^\[timeout=/) { o = substr($i, 10) + 0 }
		}
		if (!n++) { t0 = t; j0 = e - o }
		t1 = t; j1 = e - o
		if (o > max) max = o
	}
	END {
		if (t1 - t0 < 0.1) print "-"
		else printf "%d\n", max * 1000 * (t1 - t0) / (j1 - j0)
	}' "$TRACE_INSTANCE/trace"
}

test_delay() {
	local d n far

	neigh proxy_delay 50		# 0.5 s, in USER_HZ
	armed_start
	d=$(delays)
	check_eq "$(wc -l <<<"$d") $(armed)" "20 0" \
		"honor_proxy_delay=0: 20 answers, none waited (max $(max <<<"$d") us)"
	# The same questions again, 250 ms apart: each answer is timed
	# from its own request (the bench's scale rows repeat theirs); a
	# repeat timed from the first would be 1 s late.
	d=$(ask "$lan" vl0 192.0.2.1 10.9.1.1 -r 4 \
		-f <(printf '10.9.1.%s\n' 2 1 2 1 2) | sed 's/.*us=\([0-9]*\).*/\1/')
	check_eq "$(wc -l <<<"$d") $(below 750 <<<"$d")" "6 6" \
		"arpq: 6 repeated questions 250 ms apart, each answer timed from its own (max $(max <<<"$d") us)"

	pa "$node" vlan0 honor_proxy_delay 1
	armed_start
	d=$(delays)
	n=$(armed)
	far=$(furthest)
	check_eq "$(wc -l <<<"$d") $((${n:-0} > 0))" "20 1" \
		"honor_proxy_delay=1: 20 answers, waiting on the timer (armed ${n:-0} times)"
	# Uniform in [0, 500 ms): the last of 20 below 300 ms has odds of
	# 0.6^20, and a stall only makes answers later.  What bounds them
	# is the timer, never set further ahead than proxy_delay (give or
	# take the 2% the rate of jiffies is measured to).
	check_eq "$(max <<<"$d" | awk '{ print ($1 >= 300000) }') $(awk -v f="$far" 'BEGIN { print (f != "-" && f < 510) }')" "1 1" \
		"honor_proxy_delay=1: delays spread over [0, 500 ms): the last answer after $(max <<<"$d") us, the timer set $far ms ahead at most"
	armed_start
	d=$(delays -d "$(mac_of "$node" vlan0)")
	check_eq "$(wc -l <<<"$d") $(armed)" "20 0" \
		"honor_proxy_delay=1: unicast requests answered at once (max $(max <<<"$d") us)"
	neigh proxy_delay 0
	armed_start
	d=$(delays)
	check_eq "$(wc -l <<<"$d") $(armed)" "20 0" \
		"honor_proxy_delay=1, proxy_delay=0: answered at once (max $(max <<<"$d") us)"
}

test_qlen() {
	local n

	pa "$node" vlan0 honor_proxy_delay 1
	neigh proxy_delay 1000		# 10 s
	neigh proxy_qlen 3
	# 40 requests arrive within a few ms: 3 wait, the rest are dropped
	# (one more may find a slot freed by an early answer: with 10 s of
	# delay, even a slow guest's sending is short beside it).
	n=$(ASK_WAIT_MS=10500 ask "$lan" vl0 192.0.2.1 10.9.2.1 \
		-f <(seq -f '10.9.2.%g' 2 40) | wc -l)
	check_eq "$(awk -v n="$n" 'BEGIN { print (n >= 3 && n <= 5) }')" "1" \
		"proxy_qlen=3: at most 3 wait ($n of 40 answered)"
	neigh proxy_qlen 64
}

# queue_some WHAT [LISTEN_MS]: 10 requests whose answers wait
# (proxy_delay 10 s: each a random time below it), asked by an arpq
# that listens LISTEN_MS (0) in the background (pid in asker, output in
# heard, start in t_asked); the trace shows all 10 decided.
queue_some() {
	neigh proxy_delay 1000
	trace_start
	t_asked=$(date +%s%N)
	ip netns exec "$lan" "$ARPQ" -i vl0 -s 192.0.2.1 -w "${2:-0}" \
		-f <(seq -f '10.9.3.%g' 1 10) >"$heard" 2>&1 &
	asker=$!
	# shellcheck disable=SC2016 # expanded by eval, at each try
	busywait 3000 eval '[ "$(trace_lines | grep -c "verdict=reply reason=proxied")" = 10 ]'
	check_eq "$(trace_lines | grep -c 'verdict=reply reason=proxied')" "10" \
		"$1: 10 answers are waiting"
}

test_flush() {
	local asker heard t_asked t_done ms

	heard=$(mktemp /tmp/proxyarp-heard.XXXXXX)
	pa "$node" vlan0 honor_proxy_delay 1
	queue_some "device deletion"
	ip -n "$node" link del vlan0
	log_test $? "a device with answers waiting is deleted"
	wait "$asker"

	link_pair "$node" "$lan"
	pa "$node" vlan0 mode 1
	pa "$node" vlan0 honor_proxy_delay 1
	queue_some "module unload" 10500
	module_unload
	log_test $? "the module is unloaded with answers waiting"
	t_done=$(date +%s%N)
	wait "$asker"
	# A reply's us= counts from its request, sent after t_asked: one
	# with more than t_done - t_asked came after the unload.
	ms=$(((t_done - t_asked) / 1000000))
	check_eq "$(awk -v ms="$ms" '$1 == "reply" { sub(/us=/, "", $5); n += ($5 / 1000 > ms); k++ }
		END { print n + 0, (k < 10) }' "$heard")" "0 1" \
		"the unload: nothing answered after it ($ms ms in), and some answers were still waiting ($(grep -c '^reply' "$heard") of 10 sent)"
	module_load

	pa "$node" vlan0 mode 1
	pa "$node" vlan0 honor_proxy_delay 1
	queue_some "namespace deletion"
	ip netns del "$node"
	log_test $? "a namespace with answers waiting is deleted"
	wait "$asker"
	rm -f "$heard"
}

require_root
require_cmd ip
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_delay
test_qlen
test_flush
finish
