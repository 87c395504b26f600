#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own defences on the neighbour path, kept at mode 1: what
# arp_process() and ndisc_rcv() drop before they answer or learn, the
# module must not answer or learn from either.
#
#  lan                      node
# +------------------+    +-------------------------------------------+
# | vl0 192.0.2.2/24 |----| vlan0 192.0.2.1/24, 2001:db8:1::1/64       |
# |  2001:db8:1::2   |    | d0 (dummy) 10.7.0.0/16, 2001:db8:7::/64     |
# +------------------+    +-------------------------------------------+
#
# drop_gratuitous_arp: arp_process() drops a request whose sender is its
# target before it learns anything, so a LAN host cannot rewrite the
# node's entry for another host with a gratuitous request.
#
# suppress_frag_ndisc (RFC 6980): ndisc_rcv() drops a fragmented
# solicitation.  Once conntrack is in use in the namespace, nf_defrag_ipv6
# reassembles fragments before the module's hook, which then sees a
# whole solicitation, marked IP6SKB_FRAGMENTED.
#
# arp_accept: arp_process() creates an entry for the sender of a
# gratuitous request it does not answer only as arp_accept says (2: a
# sender in one of the device's subnets); the module, which refuses it,
# learns the same.  route_localnet: a request for a 127/8 target is
# dropped without it, answered (lo's local route) with it.

source "$(dirname "$0")/lib.sh"

node="" lan="" bt_pid="" BT_OUT=""

VICTIM=192.0.2.5
GOOD_MAC=02:00:00:00:05:05
STRANGER_MAC=02:00:00:00:07:07
EVIL_MAC=02:66:66:66:66:66
NODE6=2001:db8:1::1
LAN6=2001:db8:1::2
FAR6=2001:db8:7::5

setup() {
	setup_ns node lan || return 1
	no_dad "$node" "$lan"
	link_pair "$node" "$lan" || return 1
	ip -n "$node" addr add 192.0.2.1/24 dev vlan0
	ip -n "$lan" addr add 192.0.2.2/24 dev vl0
	ip -n "$node" addr add "$NODE6/64" dev vlan0 nodad
	ip -n "$lan" addr add "$LAN6/64" dev vl0 nodad
	add_dummy "$node" d0 10.7.0.0/16 || return 1
	ip -n "$node" -6 route add 2001:db8:7::/64 dev d0
	ipv6 "$node" all forwarding 1
	pa "$node" vlan0 mode 1
	pn "$node" vlan0 mode 1
}

# trace_on: trace_start, or a failed check saying why not.
trace_on() {
	trace_start && return 0
	log_test 1 "the decision tracepoints can be enabled"
	return 1
}

# neigh_mac: the MAC of the node's entry for VICTIM.
neigh_mac() {
	ip -n "$node" neigh show "$VICTIM" dev vlan0 |
		sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}

# garp_attack: a LAN host sends a gratuitous request for VICTIM from
# EVIL_MAC, then, from the same CPU, a request for the node's own
# address: its reply shows the node has processed the attack (one
# backlog, in order).  Prints arpq's summary and the probe's answer.
garp_attack() {
	local out

	ip -n "$node" neigh replace "$VICTIM" lladdr "$GOOD_MAC" dev vlan0 nud stale
	out=$(ip netns exec "$lan" taskset -c 0 "$ARPQ" -i vl0 -S "$EVIL_MAC" -w 2000 \
		-F <(printf '%s %s\n192.0.2.9 192.0.2.1\n' "$VICTIM" "$VICTIM"))
	echo "$(grep '^sent' <<<"$out") probe=$(grep -c '^reply 192.0.2.1 ' <<<"$out")"
}

# garp_case WHAT ALL DEV MODE WANT: drop_gratuitous_arp ALL ("all") and
# DEV (vlan0), arp mode MODE; the entry must then hold WANT.
garp_case() {
	local what=$1 all=$2 dev=$3 mode=$4 want=$5 sent

	ipv4 "$node" all drop_gratuitous_arp "$all"
	ipv4 "$node" vlan0 drop_gratuitous_arp "$dev"
	pa "$node" vlan0 mode "$mode"
	trace_on || return
	sent=$(garp_attack)
	check_eq "$sent" "sent 2 replies 1 probe=1" \
		"$what: the attack and the probe reached the node"
	# With the knob, the kernel drops it before its route lookup: so
	# does the module's decision, reason garp.
	if [ "$mode" != 0 ] && [ "$all$dev" = 00 ]; then
		check_match "$(trace_lines)" "sip=$VICTIM tip=$VICTIM " \
			"$what: the hook saw the gratuitous request"
	elif [ "$mode" != 0 ]; then
		check_match "$(trace_lines)" "sip=$VICTIM tip=$VICTIM .* reason=garp " \
			"$what: the hook saw the gratuitous request, reason garp"
	fi
	check_eq "$(neigh_mac)" "$want" "$what: the node's entry for $VICTIM"
}

test_drop_gratuitous_arp() {
	garp_case "no knob, mode 1 (the attack works)" 0 0 1 "$EVIL_MAC"
	garp_case "drop_gratuitous_arp, mode 0 (the kernel)" 0 1 0 "$GOOD_MAC"
	garp_case "drop_gratuitous_arp, mode 1" 0 1 1 "$GOOD_MAC"
	garp_case "drop_gratuitous_arp in all, mode 1" 1 0 1 "$GOOD_MAC"
	garp_case "drop_gratuitous_arp, mode 2" 0 1 2 "$GOOD_MAC"
	ipv4 "$node" all drop_gratuitous_arp 0
	ipv4 "$node" vlan0 drop_gratuitous_arp 0
	pa "$node" vlan0 mode 1
}

# learned MODE ACCEPT N: at arp mode MODE and vlan0's arp_accept ACCEPT,
# a gratuitous request from a stranger in vlan0's subnet (192.0.2.N)
# and one from outside it (198.51.100.N), then the probe; prints "IN
# OUT" as "-" or the MAC the node learned for each, or arpq's summary
# when the frames did not all go out and the probe was not answered.
learned() {
	local mode=$1 accept=$2 in=192.0.2.$3 out=198.51.100.$3 sent got a

	ipv4 "$node" vlan0 arp_accept "$accept"
	pa "$node" vlan0 mode "$mode"
	sent=$(ip netns exec "$lan" taskset -c 0 "$ARPQ" -i vl0 -S "$STRANGER_MAC" -w 1500 \
		-F <(printf '%s %s\n%s %s\n192.0.2.9 192.0.2.1\n' "$in" "$in" "$out" "$out"))
	if [ "$(grep '^sent' <<<"$sent") $(grep -c '^reply 192.0.2.1 ' <<<"$sent")" != "sent 3 replies 1 1" ]; then
		echo "not processed: $(tail -n 1 <<<"$sent")"
		return
	fi
	for a in "$in" "$out"; do
		got=$(ip -n "$node" neigh show "$a" dev vlan0 |
			sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')
		echo "${got:--}"
	done | xargs
}

# arp_accept: arp_process() creates an entry for the sender of a
# gratuitous request it does not answer only when arp_accept says so:
# 1 always, 2 when the sender is in one of the device's subnets.  The
# module refuses these requests and learns from them as the kernel does.
test_arp_accept() {
	local accept kernel n=20 s=$STRANGER_MAC

	for accept in 0 1 2; do
		kernel=$(learned 0 "$accept" "$n")
		check_eq "$kernel" "$(case $accept in 0) echo "- -" ;; 1) echo "$s $s" ;; 2) echo "$s -" ;; esac)" \
			"arp_accept $accept, mode 0: what the kernel learns from a stranger's gratuitous request (in the subnet, outside)"
		check_eq "$(learned 1 "$accept" $((n + 1)))" "$kernel" \
			"arp_accept $accept, mode 1: the module learns the same"
		n=$((n + 2))
	done
	ipv4 "$node" vlan0 arp_accept 0
	pa "$node" vlan0 mode 1
}

# route_localnet: arp_process() drops a request for a 127/8 target
# unless route_localnet is on, when lo's local route answers it (what
# kube-proxy turns on, in "all").  The module at mode 1 as the kernel.
test_route_localnet() {
	local on kernel mac

	mac=$(mac_of "$node" vlan0)
	for on in 0 1; do
		ipv4 "$node" all route_localnet "$on"
		pa "$node" vlan0 mode 0
		kernel=$(answer "$lan" vl0 192.0.2.2 127.0.0.1)
		check_eq "$kernel" "$([ "$on" = 0 ] || echo "$mac")" \
			"route_localnet $on, mode 0: the kernel's answer to a request for 127.0.0.1: $([ "$on" = 0 ] && echo none || echo "vlan0's MAC")"
		pa "$node" vlan0 mode 1
		check_eq "$(answer "$lan" vl0 192.0.2.2 127.0.0.1)" "$kernel" \
			"route_localnet $on, mode 1: the module's answer is the kernel's"
	done
	ipv4 "$node" all route_localnet 0
}

# macs6 NS DEV SOURCE TARGET [NDPQ OPTIONS]: the target link-layer
# addresses the advertisements for TARGET carry, waiting ASK_WAIT_MS
# (1 s unless set).
macs6() {
	ASK_WAIT_MS=${ASK_WAIT_MS:-1000} ask6 "$@" |
		sed -n 's/.* tllao=\([0-9a-f:]*\) .*/\1/p' | xargs
}

# frag_ask [NDPQ OPTIONS]: ask FAR6 from the LAN; the answering MACs.
frag_ask() {
	macs6 "$lan" vl0 "$LAN6" "$FAR6" "$@"
}

test_fragmented_ns() {
	local mac out

	mac=$(mac_of "$node" vlan0)
	ip netns exec "$node" nft delete table inet defences 2>/dev/null
	check_eq "$(frag_ask)" "$mac" "a whole solicitation for a routed target: answered"
	trace_on || return
	check_eq "$(frag_ask --frag 16)" "" \
		"the same in two fragments, no conntrack: not answered"
	check_eq "$(trace_lines6 | grep -c "target=$FAR6 ")" 0 \
		"no conntrack: the hook saw no solicitation (fragments are not read)"

	# One ct rule makes nf_defrag_ipv6 reassemble in the namespace.
	ip netns exec "$node" nft -f - <<-EOF
	table inet defences {
		chain pre {
			type filter hook prerouting priority 0;
			ct state new counter
		}
	}
	EOF
	out=$(ip netns exec "$node" nft list chain inet defences pre)
	check_match "$out" "ct state new" "conntrack in use in the node's namespace"

	trace_on || return
	check_eq "$(frag_ask --frag 16)" "" \
		"two fragments, reassembled by conntrack: not answered"
	check_match "$(trace6_of "$FAR6")" "verdict=ignore reason=invalid" \
		"the hook saw the reassembled solicitation and refused it"

	ipv6 "$node" vlan0 suppress_frag_ndisc 0
	check_eq "$(frag_ask --frag 16)" "$mac" \
		"suppress_frag_ndisc 0: the kernel would take it, answered"
	ipv6 "$node" vlan0 suppress_frag_ndisc 1
	check_eq "$(frag_ask)" "$mac" "a whole solicitation still answered"
	ip netns exec "$node" nft delete table inet defences
}

# fwd_counts: the node's packets forwarded, and refused by ip6_forward()
# (InAddrErrors), from its /proc/net/snmp6.
fwd_counts() {
	ip netns exec "$node" cat /proc/net/snmp6 | awk '
		$1 == "Ip6OutForwDatagrams" { f = $2 }
		$1 == "Ip6InAddrErrors" { e = $2 }
		END { print f, e }'
}

# shellcheck disable=SC2317 # called through busywait
counts_moved() {
	[ "$(fwd_counts)" != "$1" ]
}

# kernel_forwards: 1 when the node forwards a packet from the LAN to
# FAR6, 0 when ip6_forward() refuses it.
kernel_forwards() {
	local before fwd err

	before=$(fwd_counts)
	ip netns exec "$lan" ping -6 -c 1 -W 1 "$FAR6" >/dev/null 2>&1
	if ! busywait 5000 counts_moved "$before"; then
		echo "no packet (counts: $before)"
		return
	fi
	read -r fwd err <<<"$(fwd_counts)"
	if [ "$fwd" != "${before%% *}" ]; then
		echo 1
	elif [ "$err" != "${before##* }" ]; then
		echo 0
	else
		echo "neither counter moved (counts: $before, then $fwd $err)"
	fi
}

# forwarding_case WANT ALL DEV [FORCE]: the kernel forwards to FAR6 as
# WANT says (1 or 0), and the module answers FAR6 where it does, and
# only there.
forwarding_case() {
	local want=$1 all=$2 dev=$3 force=${4:-} what fwd got

	what="all.forwarding $all, vlan0's $dev${force:+, force_forwarding $force}"
	ipv6 "$node" all forwarding "$all"
	ipv6 "$node" vlan0 forwarding "$dev"
	[ -z "$force" ] || ipv6 "$node" vlan0 force_forwarding "$force"
	fwd=$(kernel_forwards)
	check_eq "$fwd" "$want" "$what: the kernel forwards (1) or refuses (0)"
	got=$([ -n "$(frag_ask)" ] && echo 1 || echo 0)
	check_eq "$got" "$fwd" "$what: answered (1) as the kernel forwards"
	[ -z "$force" ] || ipv6 "$node" vlan0 force_forwarding 0
}

# An explicit entry answers with the device's forwarding, as
# ndisc_recv_ns() reads it (proxy_ndp on: the kernel's own answer
# shows the entry is good), whatever all.forwarding says.
entry_forwarding_case() {
	local entry=2001:db8:9::9 mac delay

	mac=$(mac_of "$node" vlan0)
	ip -n "$node" -6 neigh add proxy "$entry" dev vlan0
	ipv6 "$node" all forwarding 0
	ipv6 "$node" vlan0 forwarding 1
	ipv6 "$node" vlan0 proxy_ndp 1
	delay=$(ip netns exec "$node" cat /proc/sys/net/ipv6/neigh/vlan0/proxy_delay)
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv6/neigh/vlan0/proxy_delay'
	pn "$node" vlan0 mode 0
	check_eq "$(ASK_WAIT_MS=1500 macs6 "$lan" vl0 "$LAN6" "$entry")" "$mac" \
		"an entry, all.forwarding 0, vlan0's 1: the kernel answers (proxy_ndp)"
	# The mode is the module's proxy switch, as for ARP, where the
	# kernel answers an entry whatever proxy_arp says: an entry
	# answers at mode 1 without proxy_ndp (a documented difference).
	ipv6 "$node" vlan0 proxy_ndp 0
	pn "$node" vlan0 mode 1
	if ! trace_on; then
		ip -n "$node" -6 neigh del proxy "$entry" dev vlan0
		return
	fi
	check_eq "$(macs6 "$lan" vl0 "$LAN6" "$entry")" "$mac" \
		"and the module, from the entry, without proxy_ndp"
	check_eq "$(reason6_of "$entry")" proxy_entry "reason proxy_entry"
	ip netns exec "$node" sh -c "echo $delay >/proc/sys/net/ipv6/neigh/vlan0/proxy_delay"

	ip -n "$node" -6 neigh del proxy "$entry" dev vlan0
}

# ip6_forward() decides on all.forwarding (and, from 6.17, the receiving
# device's force_forwarding), not on the device's forwarding.
test_ndp_forwarding() {
	ip -n "$lan" -6 route add 2001:db8:7::/64 via "$NODE6"
	forwarding_case 1 1 1
	forwarding_case 0 0 1
	forwarding_case 1 1 0
	forwarding_case 0 0 0
	if ip netns exec "$node" test -e /proc/sys/net/ipv6/conf/vlan0/force_forwarding; then
		forwarding_case 1 0 0 1
	else
		log_skip "no force_forwarding in this kernel"
	fi
	entry_forwarding_case
	ipv6 "$node" all forwarding 1
}

CLOCK_KO=${PROXYARP_CLOCK_KO:-$(dirname "$(dirname "$PROXYARP_KO")")/stall/proxyarp_clock.ko}
CLOCK=/sys/module/proxyarp_clock/parameters

now_ms() {
	date +%s%3N
}

# The storm guard reads ktime_get_mono_fast_ns(), which is not ordered
# across CPUs: a reading older than the bucket's stamp must add nothing
# (unsigned, it wrapped to a full burst).  proxyarp_clock steps one of
# the guard's readings back by 10 s; over both batches the guard may
# answer the sender no more than its burst and max_rate for the time
# they took.
test_guard_clock() {
	local t0 sent1 r1 sent2 r2 ms want

	if ! insmod "$CLOCK_KO"; then
		log_test 1 "proxyarp_clock loads ($CLOCK_KO)"
		return
	fi
	# One sender: its own share is half of each, then what is above
	# half the burst; its first batch gets a burst of 5.
	pa "$node" vlan0 max_burst 10
	pa "$node" vlan0 max_rate 2
	t0=$(now_ms)
	read -r sent1 r1 _ <<<"$(tally "$lan" vl0 -s 192.0.2.2 -w 300 \
		-f <(yes 10.7.1.1 | head -n 10))"
	check_eq "$sent1 $((r1 >= 5 && r1 <= 6))" "10 1" \
		"max_burst 10, max_rate 2, one sender: its burst of 5 answered, then refused ($r1 of 10)"
	echo 1 >"$CLOCK/armed"
	read -r sent2 r2 _ <<<"$(tally "$lan" vl0 -s 192.0.2.2 -w 300 \
		-f <(yes 10.7.1.1 | head -n 10))"
	ms=$(($(now_ms) - t0))
	check_eq "$sent2 $(cat "$CLOCK/stepped")" "10 1" \
		"a second batch, one of the guard's clock readings 10 s back"
	want=$((5 + 1 + 2 * ms / 1000))
	check_eq "$((r1 + r2 <= want))" 1 \
		"a clock step back refills nothing: $r1 + $r2 answered in $ms ms, at most $want"
	pa "$node" vlan0 max_rate 0
	rmmod proxyarp_clock
}

# The in-place reply (arp_reply.c) reuses the request's buffer: what the
# request carried in from the receive path must not go out with the
# reply, as a new buffer from arp_create() would not carry it.  RPS on
# vlan0 hashes the request; the asker's packet socket leaves its CPU in
# sender_cpu (napi_id's union).  bpftrace prints both buffers' fields
# at the hook and at arp_xmit().
bt_meta() {
	# shellcheck disable=SC2016 # bpftrace's own syntax
	bpftrace_start "$BT_OUT" -e '
		kprobe:proxyarp_arp_in {
			$s = (struct sk_buff *)arg1;
			if ($s->dev->name == "vlan0") {
				printf("req %llx hash=%u qm=%u napi=%u\n",
				       (uint64)$s, $s->hash, $s->queue_mapping,
				       $s->napi_id);
			}
		}
		kprobe:arp_xmit {
			$s = (struct sk_buff *)arg0;
			if ($s->dev->name == "vlan0" &&
			    *(uint16 *)($s->data + 20) == 0x0200) {
				printf("rep %llx hash=%u qm=%u napi=%u\n",
				       (uint64)$s, $s->hash, $s->queue_mapping,
				       $s->napi_id);
			}
		}' &&
		bt_pid=$BPFTRACE_PID
}

# shellcheck disable=SC2317 # called through busywait
bt_has() {
	grep -q "^$1 " "$BT_OUT"
}

test_inplace_metadata() {
	local mac req rep

	pa "$node" vlan0 mode 1
	ip netns exec "$node" sh -c 'echo 3 >/sys/class/net/vlan0/queues/rx-0/rps_cpus'
	BT_OUT=$(mktemp)
	if ! bt_meta; then
		sed 's/^/# /' "$BT_OUT"
		log_test 1 "bpftrace attaches to the hook and arp_xmit()"
		ip netns exec "$node" sh -c 'echo 0 >/sys/class/net/vlan0/queues/rx-0/rps_cpus'
		return
	fi
	mac=$(mac_of "$node" vlan0)
	check_eq "$(ASK_WAIT_MS=1000 answer "$lan" vl0 192.0.2.2 10.7.1.1)" "$mac" \
		"a routed target: answered"
	busywait 20000 bt_has rep || sed 's/^/# /' "$BT_OUT"
	bpftrace_stop "$bt_pid"
	bt_pid=""
	req=$(grep -m1 '^req ' "$BT_OUT")
	rep=$(grep -m1 '^rep ' "$BT_OUT")
	check_match "$req" 'hash=[1-9][0-9]* .*napi=[1-9]' \
		"the request came in hashed and with the sender's CPU ($req)"
	check_eq "$(cut -d' ' -f2 <<<"$rep")" "$(cut -d' ' -f2 <<<"$req")" \
		"the reply was built in the request's buffer"
	check_eq "$(cut -d' ' -f3- <<<"$rep")" "hash=0 qm=0 napi=0" \
		"and carries none of it, as arp_create()'s would not"
	rm -f "$BT_OUT"
	ip netns exec "$node" sh -c 'echo 0 >/sys/class/net/vlan0/queues/rx-0/rps_cpus'
}

# martian_lines WHO SIP: the kernel log's martian-source lines for
# 10.7.1.1 from SIP on vlan0 written by WHO (kernel: route.c's, 6.x's
# or 7.x's; proxyarp: the module's, 7.x's words).
martian_lines() {
	local sip=${2//./\\.} new

	new="martian source \\(src=$sip, dst=10\\.7\\.1\\.1, dev=vlan0\\)"
	if [ "$1" = proxyarp ]; then
		dmesg | grep -cE "proxyarp: $new"
	else
		dmesg | grep -vF 'proxyarp: ' |
			grep -cE "martian source 10\\.7\\.1\\.1 from $sip, on dev vlan0|$new"
	fi
}

# shellcheck disable=SC2317 # called through busywait
martian_logged() { # WHO SIP BEFORE
	[ "$(martian_lines "$1" "$2")" -gt "$3" ]
}

# martian_case WHAT MODE WHO SIP: a request for 10.7.1.1 from SIP, not
# answered, and logged by WHO under log_martians (the kernel's log
# rate limit allows 10 lines in 5 s: this script writes fewer).  At
# mode 1 the kernel never routes it: no line of its own.
martian_case() {
	local what=$1 mode=$2 who=$3 sip=$4 before kernel

	pa "$node" vlan0 mode "$mode"
	before=$(martian_lines "$who" "$sip")
	kernel=$(martian_lines kernel "$sip")
	check_eq "$(answer "$lan" vl0 "$sip" 10.7.1.1)" "" "$what: not answered"
	busywait 5000 martian_logged "$who" "$sip" "$before"
	martian_logged "$who" "$sip" "$before"
	log_test $? "$what: logged under log_martians ($who's line)"
	if [ "$who" = proxyarp ]; then
		check_eq "$(martian_lines kernel "$sip")" "$kernel" \
			"$what: and not by the kernel"
		check_match "$(dmesg | grep -A1 'proxyarp: martian source' | tail -n 1)" \
			'll header: 00000000: ' \
			"$what: with the link-layer header"
	fi
}

# ip_route_input_slow() logs a martian or rp_filter-failing sender when
# log_martians is set, for an ARP request too; at mode 1 the kernel
# never routes a refused request, so the module logs it as route.c does.
test_log_martians() {
	local before

	ipv4 "$node" vlan0 log_martians 1
	martian_case "a sender that is the node's own address, mode 0" 0 kernel 192.0.2.1
	martian_case "a sender that is the node's own address, mode 1" 1 proxyarp 192.0.2.1
	ipv4 "$node" vlan0 rp_filter 1
	martian_case "rp_filter, a sender routed through d0, mode 0" 0 kernel 10.7.5.5
	martian_case "rp_filter, a sender routed through d0, mode 1" 1 proxyarp 10.7.5.5
	ipv4 "$node" vlan0 rp_filter 0
	ipv4 "$node" vlan0 log_martians 0
	before=$(martian_lines proxyarp 192.0.2.1)
	trace_on || return
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.7.1.1)" "" \
		"log_martians 0: not answered"
	check_match "$(trace_lines)" "sip=192.0.2.1 tip=10.7.1.1 .* reason=martian_source " \
		"log_martians 0: refused as martian_source"
	check_eq "$(martian_lines proxyarp 192.0.2.1)" "$before" "log_martians 0: not logged"
}

# pre_count NS TABLE MATCH: NS's prerouting count of the solicitations
# MATCH selects, in the inet table TABLE (made by the first call).
pre_count() {
	if ! ip netns exec "$1" nft list table inet "$2" >/dev/null 2>&1; then
		ip netns exec "$1" nft -f - <<-EOF
		table inet $2 {
			chain pre {
				type filter hook prerouting priority 0;
				icmpv6 type nd-neighbor-solicit $3 counter
			}
		}
		EOF
	fi
	ip netns exec "$1" nft list chain inet "$2" pre |
		sed -n 's/.* counter packets \([0-9]*\) .*/\1/p'
}

# shellcheck disable=SC2317 # called through busywait
pre_count_more() { # NS TABLE MATCH BEFORE
	[ "$(pre_count "$1" "$2" "$3")" -gt "$4" ]
}

# The node's own solicitation, sent from a socket with multicast loop
# to a group the node has joined (ndppd's are), comes back to it as
# PACKET_LOOPBACK through PRE_ROUTING on vlan0.  arp_rcv() drops a
# looped-back ARP request; the module leaves such a solicitation to the
# kernel undecided: answering the node's own question by proxy would
# point its neighbour entry at itself.
test_looped_back_ns() {
	local loop=2001:db8:1::5 target=2001:db8:7::5 before match

	match="iifname \"vlan0\" ip6 saddr $loop"
	ip netns exec "$node" nft delete table inet loop 2>/dev/null
	# The node joins ff02::1:ff00:5, the target's solicited-node group.
	ip -n "$node" addr add "$loop/64" dev vlan0 nodad
	before=$(pre_count "$node" loop "$match")
	trace_on || return
	ip netns exec "$node" python3 - "$loop" "$target" <<-'EOF'
	import ipaddress, socket, struct, sys
	src, target = sys.argv[1:3]
	s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
	idx = socket.if_nametoindex("vlan0")
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
	s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 1)
	s.bind((src, 0, 0, idx))
	t = ipaddress.IPv6Address(target)
	group = ipaddress.IPv6Address(b"\xff\x02" + b"\0" * 9 + b"\x01\xff" + t.packed[13:])
	mac = bytes.fromhex(open("/sys/class/net/vlan0/address").read().strip().replace(":", ""))
	ns = struct.pack("!BBHI", 135, 0, 0, 0) + t.packed + bytes([1, 1]) + mac
	s.sendto(ns, (str(group), 0, 0, idx))
	EOF
	busywait 5000 pre_count_more "$node" loop "$match" "$before"
	check_eq "$(pre_count "$node" loop "$match")" "$((before + 1))" \
		"the node's own solicitation came back through PRE_ROUTING on vlan0"
	check_eq "$(trace_lines6 | grep -c "saddr=$loop ")" 0 \
		"looped back: left to the kernel, no decision"
	ip -n "$node" addr del "$loop/64" dev vlan0
	ip netns exec "$node" nft delete table inet loop
}

# With br_netfilter and bridge-nf-call-ip6tables (Docker's setting), a
# frame being bridged passes IPv6 PRE_ROUTING with the bridge as input
# device, before the bridge forwards it, another host's frame relabelled
# as this host's.  The module must not take a solicitation from the
# other ports (one for a multicast group is flooded to them too), nor
# answer one sent to another host's MAC, which the bridge only forwards.
#
#  lan1 e1 ---- p1 [br0 2001:db8:5::1/64, proxyndp mode 1] p2 ---- e2 lan2
#               node: 2001:db8:7::/64 through d0
test_bridged() {
	local l1 l2 mac target=2001:db8:7::5 before out loaded=0 seen

	seen="@th,64,128 $(hex6 "$target")"

	# Loaded already, or built in (make check-debug's kernel): left as is.
	if [ -d /sys/module/br_netfilter ] || [ -d /proc/sys/net/bridge ]; then
		loaded=1
	elif ! modprobe br_netfilter; then
		log_test 1 "br_netfilter loads"
		return
	fi
	setup_ns l1 l2 || return
	ip -n "$node" link add br0 type bridge
	ip -n "$node" link add p1 type veth peer name e1 netns "$l1"
	ip -n "$node" link add p2 type veth peer name e2 netns "$l2"
	ip -n "$node" link set p1 master br0
	ip -n "$node" link set p2 master br0
	ip -n "$node" link set p1 up
	ip -n "$node" link set p2 up
	ip -n "$node" addr add 2001:db8:5::1/64 dev br0 nodad
	ip -n "$node" link set br0 up
	ip -n "$l1" link set e1 up
	ip -n "$l1" addr add 2001:db8:5::2/64 dev e1 nodad
	ip -n "$l2" link set e2 up
	ip netns exec "$node" sysctl -qw net.bridge.bridge-nf-call-ip6tables=1
	out=$(ip netns exec "$node" sysctl -n net.bridge.bridge-nf-call-ip6tables)
	check_eq "$out" 1 "br_netfilter: bridge-nf-call-ip6tables 1 in the node"
	pn "$node" br0 mode 1
	mac=$(mac_of "$node" br0)

	trace_on || return
	before=$(pre_count "$l2" seen "$seen")
	check_eq "$(macs6 "$l1" e1 2001:db8:5::2 "$target")" "$mac" \
		"a solicitation through the bridge for a routed target: answered"
	check_match "$(trace6_of "$target")" "dev=br0 .* verdict=reply" \
		"decided on br0, in br_netfilter's pass"
	check_eq "$(trace_lines6 | grep -c "target=$target ")" 1 "once"
	busywait 5000 pre_count_more "$l2" seen "$seen" "$before"
	check_eq "$(pre_count "$l2" seen "$seen")" "$((before + 1))" \
		"and still flooded to the other port: lan2 saw it"

	# To lan2's MAC: the bridge forwards it, this host is not asked.
	trace_on || return
	before=$(pre_count "$l2" seen "$seen")
	check_eq "$(ASK_WAIT_MS=1000 ask6 "$l1" e1 2001:db8:5::2 "$target" \
		-d "$target" -D "$(mac_of "$l2" e2)")" "" \
		"a solicitation to another host's MAC: not answered"
	busywait 5000 pre_count_more "$l2" seen "$seen" "$before"
	check_eq "$(pre_count "$l2" seen "$seen")" "$((before + 1))" \
		"it reached that host"
	check_eq "$(trace_lines6 | grep -c "target=$target ")" 0 \
		"and the module made no decision on it"
	ip -n "$node" link del br0
	# Its defaults would filter every bridge of the scripts after.
	[ "$loaded" = 1 ] || rmmod br_netfilter
}

require_root
require_cmd ip nft taskset python3 ping bpftrace modprobe
trap 'cleanup; [ -z "$bt_pid" ] || kill "$bt_pid"; rmmod proxyarp_clock 2>/dev/null' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_drop_gratuitous_arp
test_arp_accept
test_route_localnet
test_fragmented_ns
test_ndp_forwarding
test_guard_clock
test_inplace_metadata
test_log_martians
test_looped_back_ns
test_bridged

finish
