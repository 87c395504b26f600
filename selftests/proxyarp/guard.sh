#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The storm guard: with max_rate R and max_burst B, a device answers B
# requests at once, then R per second; what is over is not answered,
# traced and counted as rate_limited, and reported in the kernel log at
# most once a minute per device.  Each sender has a share of its own
# (a bucket at R/2 and B/2) and, over it, only what is above B/2 of the
# device's: a sweep of the guests' range at 10x R leaves the gateway
# answered (ARP and NDP), many senders together still meet the device's
# cap.  max_rate 0 is no limit; the limit is per device and applies in
# audit mode too.
#
#  lan               node
# +---------+      +------------------------------------------+
# | vl0     |------| vlan0 (mode 1, max_rate 50, max_burst 10) |
# | vl1     |------| vlan1 (mode 1, max_rate 0)                |
# | vl2     |------| vlan2 (mode 1, max_rate 50, max_burst 10) |
# +---------+      | d0 (dummy): 10.9.0.0/16                   |
#                  +------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	no_dad "$node" "$lan"
	link_pair "$node" "$lan" vlan0 vl0 || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" d0 10.9.0.0/16
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 1
	pa "$node" vlan0 max_burst 10
	pa "$node" vlan0 max_rate 50
	ipv6 "$node" all forwarding 1
	ip -n "$node" -6 route add 2001:db8:9::/64 dev d0
	pn "$node" vlan0 mode 1
	pn "$node" vlan0 max_burst 10
	pn "$node" vlan0 max_rate 50
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

# allowed DEV BURST RATE [SENDER]: how many of the requests traced on
# DEV since trace_start the guard lets through, replayed on the trace's
# time stamps (the guard's clock) from full buckets, as guard.c does it:
# the device's bucket of BURST at RATE a second, and each sender's own of
# half of each (BURST / 2 at least 1, RATE / 2); a sender with a token of
# its own takes it and one of the device's, one without only a device's
# token above BURST / 2.  A slow guest's requests come later and further
# apart, and the count follows.  Prints "ALLOWED SECONDS" (first to
# last), ALLOWED counting SENDER's requests only when given.  The
# senders' table is not modelled: with up to 16 senders, or senders that
# all keep within their share, it changes nothing.
allowed() {
	trace_stamped | awk -v dev="dev=$1" -v b="$2" -v r="$3" -v only="${4:+sip=$4}" '
	$2 != dev { next }
	!n++ { credit = b / r; first = $1; last = $1; sb = int(b / 2); if (sb < 1) sb = 1 }
	{
		credit += $1 - last
		if (credit > b / r)
			credit = b / r
		last = $1
		s = $4
		if (!(s in sc)) {
			sc[s] = sb * 2 / r; sl[s] = $1
		}
		sc[s] += $1 - sl[s]
		if (sc[s] > sb * 2 / r)
			sc[s] = sb * 2 / r
		sl[s] = $1
		# a micro-second of slack: the stamp is taken just after
		# the guard reads the clock
		within = sc[s] >= 2 / r - 1e-6
		if (credit >= (1 + (within ? 0 : int(b / 2))) / r - 1e-6) {
			credit -= 1 / r
			if (within)
				sc[s] -= 2 / r
			if (only == "" || s == only) ok++
		}
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
		"max_rate 50, max_burst 10, one asker: $replies answers, the buckets replayed on the trace's $span s let $want through"
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

# sweep DEV SIP RATE: in the background, requests from SIP for distinct
# targets at RATE a second, more than any check needs: stopped with kill.
sweep() {
	ip netns exec "$lan" "$ARPQ" -i "$1" -s "$2" -q -r "$3" -w 0 \
		-f <(seq 1 100000 | awk '{ printf "10.9.%d.%d\n", 100 + $1 / 250 % 100, $1 % 250 + 1 }') \
		>/dev/null &
}

# decided SIP [REASON]: the requests from SIP traced on vlan0 (with
# REASON).
decided() {
	trace_lines | grep -c "^dev=vlan0 .*sip=$1 .*reason=${2:-}"
}

# limited_since N: vlan0 has counted N rate_limited more than FROM.
# shellcheck disable=SC2317 # called through busywait
limited_since() { # FAMILY FROM N
	[ "$(COUNTERS=/proc/net/stat/$1 counter "$node" vlan0 rate_limited)" -ge $(($2 + $3)) ]
}

# stamps WHAT SADDR: the first and last time stamps of SADDR's traced
# decisions of WHAT (proxyarp_decision, proxyndp_decision).
stamps() {
	awk -v what="$1: " -v s="$2" '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = $i + 0; break }
		if (index($0, what) && (index($0, " sip=" s " ") || index($0, " saddr=" s " "))) {
			if (!n++) f = t
			l = t
		}
	} END { print f + 0, l + 0 }' "$TRACE_INSTANCE/trace"
}

# overlap WHAT SWEEPER GW: the sweeper's decisions came before the
# gateway's first and after its last.
overlap() {
	local g0 g1 s0 s1

	read -r g0 g1 <<<"$(stamps "$1" "$3")"
	read -r s0 s1 <<<"$(stamps "$1" "$2")"
	awk -v a="$s0" -v b="$g0" -v c="$g1" -v d="$s1" 'BEGIN { print (a < b && c < d) }'
}

# One host asking for answered addresses at 10x max_rate (a sweep of the
# guests' range) gets what the gateway leaves, and the gateway's requests
# meanwhile are answered, where one bucket for all answered 0 or 1 of 5.
# The sweep runs until the gateway is done, however slow the guest.
test_fair() {
	local sweeper=192.0.2.1 gw=192.0.2.254 sent replies ms want span
	local limited0 pid

	sleep 1		# full buckets
	trace_start
	limited0=$(counter "$node" vlan0 rate_limited)
	sweep vl0 "$sweeper" 500
	pid=$!
	busywait 30000 limited_since proxyarp "$limited0" 10
	log_test $? "the sweep is over its share before the gateway asks"
	read -r sent replies ms <<<"$(tally "$lan" vl0 -s "$gw" -r 2 -w 500 \
		-f <(seq -f '10.9.50.%g' 1 5))"
	kill "$pid"
	wait "$pid" 2>/dev/null
	check_eq "$(overlap proxyarp_decision "$sweeper" "$gw")" "1" \
		"the sweep ($(decided "$sweeper") requests decided) ran from before the gateway's first request to after its last"
	check_eq "$sent $replies $(decided "$gw" rate_limited)" "5 5 0" \
		"the gateway's 5 requests during the sweep: all answered, none rate_limited"
	check_eq "$(decided "$sweeper" rate_limited)" \
		"$(($(counter "$node" vlan0 rate_limited) - limited0))" \
		"every rate_limited counted meanwhile was the sweep's, and traced"
	read -r want span <<<"$(allowed vlan0 10 50 "$sweeper")"
	check_eq "$(within "$(decided "$sweeper" proxied)" "$want" 1)" "1" \
		"the sweep got the rest: $(decided "$sweeper" proxied) answers, the buckets replayed on $span s let $want through"
}

# The same for NDP, whose senders are IPv6 addresses: ndpflood's sweep
# from one, the gateway's 5 solicitations from another of its /64.
test_fair6() {
	local sweeper=2001:db8:1::1 gw=2001:db8:1::fe sent replies ms
	local limited0 pid

	trace_start
	limited0=$(COUNTERS=/proc/net/stat/proxyndp counter "$node" vlan0 rate_limited)
	ip netns exec "$lan" "$NDPFLOOD" -i vl0 -s "$sweeper" -r 500 -w 0 \
		-f <(seq 1 100000 | awk '{ printf "2001:db8:9::%x:%x\n", int($1 / 65536) + 1, $1 % 65536 }') \
		>/dev/null &
	pid=$!
	busywait 30000 limited_since proxyndp "$limited0" 10
	log_test $? "NDP: the sweep is over its share before the gateway asks"
	read -r ms sent replies <<<"$(ip netns exec "$lan" "$NDPFLOOD" -i vl0 -s "$gw" -r 2 -w 500 \
		-f <(seq -f '2001:db8:9::f:%g' 1 5) | awk '$1 == "time" { ms = $2 } $1 == "sent" { print ms, $2, $4 }')"
	kill "$pid"
	wait "$pid" 2>/dev/null
	check_eq "$(overlap proxyndp_decision "$sweeper" "$gw")" "1" \
		"NDP: the sweep ran from before the gateway's first solicitation to after its last"
	check_eq "$sent $replies $(trace_lines6 | grep -c "saddr=$gw .*reason=rate_limited")" "5 5 0" \
		"NDP: the gateway's 5 solicitations during the sweep ($ms ms): all answered, none rate_limited"
}

# flood6 N TARGET: N solicitations for TARGET at 500 a second from one
# asker; prints "MS SENT REPLIES".
flood6() {
	ip netns exec "$lan" "$NDPFLOOD" -i vl0 -s 2001:db8:1::3 -r 500 -w 500 \
		-f <(yes "$2" | head -n "$1") |
		awk '$1 == "time" { ms = $2 } $1 == "sent" { print ms, $2, $4 }'
}

# An explicit entry with proxy_ndp on: ndisc_recv_ns() would answer it
# too, so what the guard refuses the hook consumes, or the kernel would
# answer every solicitation the guard refused.
test_entry6() {
	local entry=2001:db8:5::5 delay=/proc/sys/net/ipv6/neigh/vlan0/proxy_delay
	local old sent replies ms limited0 t0 t1 span

	ip -n "$node" -6 neigh add proxy "$entry" dev vlan0
	ipv6 "$node" vlan0 proxy_ndp 1
	old=$(ip netns exec "$node" cat "$delay")
	ip netns exec "$node" sh -c "echo 0 >$delay"
	pn "$node" vlan0 mode 0
	read -r ms sent replies <<<"$(flood6 40 "$entry")"
	check_eq "$sent $replies" "40 40" \
		"NDP entry, the kernel alone (proxy_ndp, proxy_delay 0): 40 solicitations at once, all answered ($ms ms)"
	pn "$node" vlan0 mode 1
	limited0=$(COUNTERS=/proc/net/stat/proxyndp counter "$node" vlan0 rate_limited)
	trace_start
	read -r ms sent replies <<<"$(flood6 40 "$entry")"
	# The guard's time: from its first decision to its last (traced).
	read -r t0 t1 <<<"$(stamps proxyndp_decision 2001:db8:1::3)"
	span=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	check_eq "$sent $((replies >= 1))" "40 1" "NDP entry, mode 1: answered ($replies of 40)"
	check_eq "$(awk -v r="$replies" -v t="$span" 'BEGIN { print (r <= 10 + 50 * t + 1) }')" 1 \
		"NDP entry, mode 1: $replies answers, no more than max_burst + max_rate over the $span s the guard decided in: the kernel answered none of those refused"
	check_eq "$(($(COUNTERS=/proc/net/stat/proxyndp counter "$node" vlan0 rate_limited) - limited0))" \
		"$((sent - replies))" "NDP entry: every solicitation not answered is counted rate_limited"
	ip netns exec "$node" sh -c "echo $old >$delay"
	ipv6 "$node" vlan0 proxy_ndp 0
	ip -n "$node" -6 neigh del proxy "$entry" dev vlan0
}

# Many askers, each within its share, still meet the device's cap: 20
# senders at 12 a second each, 240 together, on a device of their own
# (a fresh table, more senders than its 16 slots).
test_many() {
	local sent replies ms want span i

	link_pair "$node" "$lan" vlan2 vl2 || return 1
	pa "$node" vlan2 mode 1
	pa "$node" vlan2 max_burst 10
	pa "$node" vlan2 max_rate 50
	trace_start
	for ((i = 0; i < 600; i++)); do
		echo "192.0.2.$((10 + i % 20)) 10.9.60.$((i % 250 + 1))"
	done >"$TMPDIR/many"
	read -r sent replies ms <<<"$(tally "$lan" vl2 -r 240 -w 500 -F "$TMPDIR/many")"
	read -r want span <<<"$(allowed vlan2 10 50)"
	check_eq "$sent $(within "$replies" "$want" 1)" "600 1" \
		"20 senders at 240/s together: $replies of 600 answered in $span s, the device's bucket lets $want through"
	check_eq "$(awk -v r="$replies" -v t="$span" 'BEGIN { print (r <= 10 + 50 * t + 1) }')" "1" \
		"no more than max_burst + max_rate x $span s"
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
trap 'rm -rf "$TMPDIR"; cleanup' EXIT
TMPDIR=$(mktemp -d)
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_rate
test_burst
test_fair
test_fair6
test_entry6
test_many
test_per_device
test_audit
finish
