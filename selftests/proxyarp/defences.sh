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

source "$(dirname "$0")/lib.sh"

node="" lan="" bt_pid="" BT_OUT=""

VICTIM=192.0.2.5
GOOD_MAC=02:00:00:00:05:05
EVIL_MAC=02:66:66:66:66:66
NODE6=2001:db8:1::1
LAN6=2001:db8:1::2
FAR6=2001:db8:7::5

setup() {
	local ns

	setup_ns node lan || return 1
	for ns in "$node" "$lan"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
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
	trace_start || return
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

# frag_ask [NDPQ OPTIONS]: ask FAR6 from the LAN; the answering MACs.
frag_ask() {
	ASK_WAIT_MS=1000 ask6 "$lan" vl0 "$LAN6" "$FAR6" "$@" |
		sed -n 's/.* tllao=\([0-9a-f:]*\) .*/\1/p' | xargs
}

test_fragmented_ns() {
	local mac out

	mac=$(mac_of "$node" vlan0)
	check_eq "$(frag_ask)" "$mac" "a whole solicitation for a routed target: answered"
	trace_start || return
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

	trace_start || return
	check_eq "$(frag_ask --frag 16)" "" \
		"two fragments, reassembled by conntrack: not answered"
	check_match "$(trace6_of "$FAR6")" "verdict=ignore reason=invalid" \
		"the hook saw the reassembled solicitation and refused it"

	ipv6 "$node" vlan0 suppress_frag_ndisc 0
	check_eq "$(frag_ask --frag 16)" "$mac" \
		"suppress_frag_ndisc 0: the kernel would take it, answered"
	ipv6 "$node" vlan0 suppress_frag_ndisc 1
	check_eq "$(frag_ask)" "$mac" "a whole solicitation still answered"
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
	local before fwd

	before=$(fwd_counts)
	ip netns exec "$lan" ping -6 -c 1 -W 1 "$FAR6" >/dev/null 2>&1
	if ! busywait 5000 counts_moved "$before"; then
		echo "no packet (counts: $before)"
		return
	fi
	read -r fwd _ <<<"$(fwd_counts)"
	[ "$fwd" != "${before%% *}" ] && echo 1 || echo 0
}

# forwarding_case ALL DEV [FORCE]: the module answers FAR6 where the
# kernel forwards to it, and only there.
forwarding_case() {
	local all=$1 dev=$2 force=${3:-} what want got

	what="all.forwarding $all, vlan0's $dev${force:+, force_forwarding $force}"
	ipv6 "$node" all forwarding "$all"
	ipv6 "$node" vlan0 forwarding "$dev"
	[ -z "$force" ] || ipv6 "$node" vlan0 force_forwarding "$force"
	want=$(kernel_forwards)
	got=$([ -n "$(frag_ask)" ] && echo 1 || echo 0)
	check_eq "$got" "$want" "$what: answered (1) as the kernel forwards (1)"
	[ -z "$force" ] || ipv6 "$node" vlan0 force_forwarding 0
}

# ip6_forward() decides on all.forwarding (and, from 6.17, the receiving
# device's force_forwarding), not on the device's forwarding.
test_ndp_forwarding() {
	ip -n "$lan" -6 route add 2001:db8:7::/64 via "$NODE6"
	forwarding_case 1 1
	forwarding_case 0 1
	forwarding_case 1 0
	forwarding_case 0 0
	if ip netns exec "$node" test -e /proc/sys/net/ipv6/conf/vlan0/force_forwarding; then
		forwarding_case 0 0 1
	else
		log_skip "no force_forwarding in this kernel"
	fi
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
# answer no more than its burst and max_rate for the time they took.
test_guard_clock() {
	local t0 sent1 r1 sent2 r2 ms want

	if ! insmod "$CLOCK_KO"; then
		log_test 1 "proxyarp_clock loads ($CLOCK_KO)"
		return
	fi
	pa "$node" vlan0 max_burst 5
	pa "$node" vlan0 max_rate 1
	t0=$(now_ms)
	read -r sent1 r1 _ <<<"$(tally "$lan" vl0 -s 192.0.2.2 -w 300 \
		-f <(yes 10.7.1.1 | head -n 10))"
	check_eq "$sent1 $((r1 >= 5 && r1 <= 6))" "10 1" \
		"max_burst 5, max_rate 1: the burst answered, then refused ($r1 of 10)"
	echo 1 >"$CLOCK/armed"
	read -r sent2 r2 _ <<<"$(tally "$lan" vl0 -s 192.0.2.2 -w 300 \
		-f <(yes 10.7.1.1 | head -n 10))"
	ms=$(($(now_ms) - t0))
	check_eq "$sent2 $(cat "$CLOCK/stepped")" "10 1" \
		"a second batch, one of the guard's clock readings 10 s back"
	want=$((5 + 1 + ms / 1000))
	check_eq "$((r1 + r2 <= want))" 1 \
		"a clock step back refills nothing: $r1 + $r2 answered in $ms ms, at most $want"
	pa "$node" vlan0 max_rate 0
	rmmod proxyarp_clock
}

# The in-place reply (hook.c) reuses the request's buffer: what the
# request carried in from the receive path must not go out with the
# reply, as a new buffer from arp_create() would not carry it.  RPS on
# vlan0 hashes the request; the asker's packet socket leaves its CPU in
# sender_cpu (napi_id's union).  bpftrace prints both buffers' fields
# at the hook and at arp_xmit().
bt_meta() {
	# shellcheck disable=SC2016 # bpftrace's own syntax
	bpftrace -B line -e '
		kprobe:proxyarp_arp_in {
			$s = (struct sk_buff *)arg1;
			if ($s->dev->name == "vlan0") {
				printf("req hash=%u qm=%u napi=%u\n", $s->hash,
				       $s->queue_mapping, $s->napi_id);
			}
		}
		kprobe:arp_xmit {
			$s = (struct sk_buff *)arg0;
			if ($s->dev->name == "vlan0" &&
			    *(uint16 *)($s->data + 20) == 0x0200) {
				printf("rep hash=%u qm=%u napi=%u\n", $s->hash,
				       $s->queue_mapping, $s->napi_id);
			}
		}' >"$BT_OUT" 2>&1 &
	bt_pid=$!
	busywait "$BPFTRACE_WAIT_MS" grep -q Attaching "$BT_OUT"
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
		return
	fi
	mac=$(mac_of "$node" vlan0)
	check_eq "$(ASK_WAIT_MS=1000 answer "$lan" vl0 192.0.2.2 10.7.1.1)" "$mac" \
		"a routed target: answered"
	busywait 20000 bt_has rep
	bpftrace_stop "$bt_pid"
	bt_pid=""
	req=$(grep -m1 '^req ' "$BT_OUT")
	rep=$(grep -m1 '^rep ' "$BT_OUT")
	check_match "$req" 'hash=[1-9][0-9]* .*napi=[1-9]' \
		"the request came in hashed and with the sender's CPU ($req)"
	check_eq "$rep" "rep hash=0 qm=0 napi=0" \
		"the reply in its buffer carries none of it, as arp_create()'s"
	rm -f "$BT_OUT"
	ip netns exec "$node" sh -c 'echo 0 >/sys/class/net/vlan0/queues/rx-0/rps_cpus'
}

require_root
require_cmd ip nft taskset python3 ping bpftrace
trap 'cleanup; [ -z "$bt_pid" ] || kill "$bt_pid"; rmmod proxyarp_clock 2>/dev/null' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_drop_gratuitous_arp
test_fragmented_ns
test_ndp_forwarding
test_guard_clock
test_inplace_metadata

finish
