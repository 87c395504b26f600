#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Announcements: a guest live-migrated between two routed nodes, and the
# LAN's router, whose neighbour entries last an hour, follows it at once.
#
#                      sw (a switch: br0)
#   rt               +-------------------+
#  +----------+      |                   |      n1                   g1
#  | r0 .1    |------| p0   p1  p2  p3   |   +-------------------+  +---------+
#  | ::1      |      +-------|---|---|---+   | vlan1   tap1 ------|--| eth0 .42|
#  +----------+              |   |   +-rg0   +-------------------+  +---------+
#                            |   +------------- n2: vlan2  tap2 ---- g2: eth0 .42
#                            +----------------- n1's vlan1        (same MAC)
#
# Both nodes: no address on the VLAN device, 192.0.2.0/24 and
# 2001:db8:1::/64 through it, the guest's /32 and /128 through its tap
# where it runs; the module at mode 1 on the VLAN device (announce 3)
# and on the tap.  g2 is the guest resumed on n2: a namespace of its
# own with g1's MAC and addresses.  rg is a second owner on the LAN.

# shellcheck disable=SC2317 # tests run through run, waits through busywait
source "$(dirname "$0")/lib.sh"

rt="" sw="" n1="" n2="" g1="" g2="" rg=""

GUEST=192.0.2.42
GUEST6=2001:db8:1::42
GUEST_MAC=52:54:00:12:34:56
ROGUE_MAC=02:00:00:00:00:99
FORGED_MAC=02:00:00:00:00:64
FRAME_MAC=02:00:00:00:00:65
# Routed through n2's tap in a table n2's lookups from the VLAN never
# read: a host route the decision refuses.
REFUSED=192.0.2.98
REFUSED6=2001:db8:1::98
# The router's entries must move within this (ms, guest time).
MOVE_MS=${PROXYARP_ANNOUNCE_MOVE_MS:-1000}
# test_scale's guests and max_rate: a rate the kernel sends at with room
# to spare (make check-debug's is slower).
SCALE_N=${PROXYARP_ANNOUNCE_SCALE_N:-4000}
SCALE_RATE=${PROXYARP_ANNOUNCE_SCALE_RATE:-1000}
# test_announce_off's addresses a family, sent at 1 a second: 3 or more
# must still wait when announce 0 is written (6 had gone on the debug
# kernel, 2026-12-07).
OFF_N=${PROXYARP_ANNOUNCE_OFF_N:-10}

# node NAME N: a routed node, its VLAN device vlanN on the switch.
node() {
	local ns=$1 n=$2

	ip -n "$ns" link add "vlan$n" type veth peer name "p$n" netns "$sw"
	ip -n "$sw" link set "p$n" master br0 up
	ip -n "$ns" link set "vlan$n" up
	ip -n "$ns" addr add "10.0.0.$n/32" dev lo
	ip -n "$ns" addr add "2001:db8:ff::$n/128" dev lo
	ipv4 "$ns" all forwarding 1
	ipv6 "$ns" all forwarding 1
	ip -n "$ns" route add 192.0.2.0/24 dev "vlan$n"
	ip -n "$ns" -6 route add 2001:db8:1::/64 dev "vlan$n"
	pa "$ns" "vlan$n" mode 1
	pn "$ns" "vlan$n" mode 1
	pa "$ns" "vlan$n" announce "${ANNOUNCE:-3}"
	pn "$ns" "vlan$n" announce "${ANNOUNCE:-3}"
}

# guest NODE N GUEST: the guest's NIC, up but paused (what it receives
# and sends dropped, as a migrating QEMU's), and its tap tapN on NODE,
# up, at mode 1; no route yet.
guest() {
	local ns=$1 n=$2 g=$3

	ip -n "$ns" link add "tap$n" type veth peer name eth0 netns "$g"
	ip netns exec "$g" sysctl -qw net.ipv6.conf.eth0.keep_addr_on_down=1
	ip -n "$g" link set eth0 address "$GUEST_MAC"
	ip -n "$g" addr add "$GUEST/24" dev eth0
	ip -n "$g" addr add "$GUEST6/64" dev eth0 nodad
	ip netns exec "$g" nft -f - <<-EOF
	table netdev paused {
		chain in { type filter hook ingress device eth0 priority 0; policy drop; }
		chain out { type filter hook egress device eth0 priority 0; policy drop; }
	}
	EOF
	ip -n "$g" link set eth0 up
	ip -n "$ns" link set "tap$n" up
	pa "$ns" "tap$n" mode 1
	pn "$ns" "tap$n" mode 1
}

# route_guest NODE N: the guest's routes through tapN (with marks in
# the trace, route4 and route6, when one is running); with NH set,
# through nexthop objects on tapN, as FRR installs routes.
route_guest() {
	local v4=(dev "tap$2") v6=(dev "tap$2")

	if [ -n "${NH:-}" ]; then
		ip -n "$1" -4 nexthop add id "4$2" dev "tap$2"
		ip -n "$1" -6 nexthop add id "6$2" dev "tap$2"
		v4=(nhid "4$2")
		v6=(nhid "6$2")
	fi
	[ -z "$TRACE_INSTANCE" ] || mark route4
	ip -n "$1" route add "$GUEST" "${v4[@]}"
	[ -z "$TRACE_INSTANCE" ] || mark route6
	ip -n "$1" -6 route add "$GUEST6" "${v6[@]}"
}

# resume GUEST NOTIFY: the guest runs, and its NIC comes up again; with
# NOTIFY 1 it announces itself (arp_notify, ndisc_notify), as virtio's
# announce feature makes a Linux guest do after a migration.  With NH,
# the NIC stays up: the tap's veth would lose its carrier with it (a
# tap's is QEMU's), and the kernel flushes nexthop objects, and their
# routes, with their device's carrier.
resume() {
	ip netns exec "$1" sysctl -qw net.ipv4.conf.eth0.arp_notify="$2" \
		net.ipv6.conf.eth0.ndisc_notify="$2"
	ip netns exec "$1" nft delete table netdev paused
	if [ -z "${NH:-}" ]; then
		ip -n "$1" link set eth0 down
		ip -n "$1" link set eth0 up
	fi
	ip -n "$1" route add default via 192.0.2.1 2>/dev/null
	ip -n "$1" -6 route add default via 2001:db8:1::1 2>/dev/null
}

setup() {
	setup_ns rt sw n1 n2 g1 g2 rg || return 1
	no_dad "$rt" "$sw" "$n1" "$n2" "$g1" "$g2" "$rg"
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	ip -n "$rt" link add r0 type veth peer name p0 netns "$sw"
	ip -n "$sw" link set p0 master br0 up
	ip -n "$rt" addr add 192.0.2.1/24 dev r0
	ip -n "$rt" addr add 2001:db8:1::1/64 dev r0 nodad
	ip -n "$rt" link set r0 up
	# The nodes' own addresses, on their loopback devices.
	ip -n "$rt" route add 10.0.0.0/24 dev r0
	ip -n "$rt" -6 route add 2001:db8:ff::/64 dev r0
	# A router whose entries last an hour, as many hardware ones do.
	ip netns exec "$rt" sysctl -qw \
		net.ipv4.neigh.r0.base_reachable_time_ms=3600000 \
		net.ipv4.neigh.r0.delay_first_probe_time=3600 \
		net.ipv4.neigh.r0.gc_stale_time=3600 \
		net.ipv6.neigh.r0.base_reachable_time_ms=3600000 \
		net.ipv6.neigh.r0.delay_first_probe_time=3600 \
		net.ipv6.neigh.r0.gc_stale_time=3600
	ip -n "$rg" link add rg0 type veth peer name p3 netns "$sw"
	ip -n "$sw" link set p3 master br0 up
	ip -n "$rg" link set rg0 address "$ROGUE_MAC" up
	node "$n1" 1
	node "$n2" 2
	guest "$n1" 1 "$g1"
	route_guest "$n1" 1
	resume "$g1" 0
}

# rt_mac ADDRESS: the router's entry for ADDRESS, its MAC or nothing.
rt_mac() {
	ip -n "$rt" neigh show "$1" dev r0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'
}

# mark NAME: a line in the trace, before a trigger.
mark() {
	echo "mark $1" >"$TRACE_INSTANCE/trace_marker"
}

# stamp PATTERN: the trace time (s) of the first line matching PATTERN.
stamp() {
	grep -m 1 -E "$1" "$TRACE_INSTANCE/trace" |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { sub(/:$/, "", $i); print $i; exit } }'
}

# ms_between A B: B - A in ms, A and B trace times; nothing if either
# is missing.
ms_between() {
	[ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%d", (b - a) * 1000 }'
}

# latency MARK FAMILY ADDRESS: ms (guest time) from the mark to vlan2's
# first announcement of ADDRESS; nothing if either is missing.
latency() {
	ms_between "$(stamp "tracing_mark_write: mark $1\$")" \
		"$(stamp "proxy$2_announce: dev=vlan2 .*addr=$3 ")"
}

# within_move WHAT MS...: each MS at most MOVE_MS; else the trace.
within_move() {
	local what=$1 ms

	shift
	for ms in "$@"; do
		[ -n "$ms" ] && [ "$ms" -le "$MOVE_MS" ] && continue
		grep -E 'announce|garp|mark' "$TRACE_INSTANCE/trace" | sed 's/^/# /'
		log_test 1 "$what: announced within $MOVE_MS ms of the trigger (${*:-none} ms)"
		return
	done
	log_test 0 "$what: announced within $MOVE_MS ms of the trigger ($* ms)"
}

both_at() {
	[ "$(rt_mac "$GUEST")" = "$1" ] && [ "$(rt_mac "$GUEST6")" = "$1" ]
}

# The router talks to the guest on n1: its entries point at n1.
learn_n1() {
	ip netns exec "$rt" ping -c 1 -W 5 "$GUEST" >/dev/null
	ip netns exec "$rt" ping -c 1 -W 5 "$GUEST6" >/dev/null
	check_eq "$(rt_mac "$GUEST") $(rt_mac "$GUEST6")" "$N1_MAC $N1_MAC" \
		"$1: before, the router reaches the guest through n1"
}

# announced TREE NODE DEV: DEV's announce counter in NODE.
announced() {
	COUNTERS=/proc/net/stat/$1 counter "$2" "$3" announce
}

# Only n2's.
announce_lines2() {
	announce_lines | grep "dev=vlan2 "
}

# announced_both A/N: vlan2's ARP and NDP announce counters.
announced_both() {
	[ "$(announced proxyarp "$n2" vlan2)/$(announced proxyndp "$n2" vlan2)" = "$1" ]
}

probed() {
	[ "$(probes_sent)" = "$1" ]
}

# repeated N: at least N second announcements traced on vlan2.
repeated() {
	[ "$(announce_lines2 | grep -c "count=2")" -ge "$1" ]
}

audit_traced() {
	announce_lines2 | grep -q "addr=$GUEST6 .*mode=audit"
}

# conflicts TREE N: vlan2's conflict counter in TREE is N.
conflicts() {
	[ "$(COUNTERS=/proc/net/stat/$1 counter "$n2" vlan2 conflict)" = "$2" ]
}

traced_garp() {
	trace_lines | grep -q "dev=tap2 .*tip=$GUEST .*reason=garp"
}

pings() {
	ip netns exec "$rt" ping -c 1 -W 2 "$GUEST" >/dev/null &&
		ip netns exec "$rt" ping -c 1 -W 2 "$GUEST6" >/dev/null
}

# nft counters of what n2 sends: ARP requests and solicitations on tap2.
count_probes() {
	ip netns exec "$n2" nft -f - <<-EOF
	table arp probes {
		chain out { type filter hook output priority 0; oifname "tap2" arp operation request counter; }
	}
	table ip6 probes {
		chain out { type filter hook output priority 0; oifname "tap2" icmpv6 type nd-neighbor-solicit ip6 daddr ff02::1:ff00:42 counter; }
	}
	EOF
}

probes_sent() {
	ip netns exec "$n2" nft list ruleset | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") printf "%s ", $(i + 1) }' | xargs
}

# Ganeti's order: the guest resumes on n2 and announces itself, the
# source tap goes, then kvm-ifup routes it on n2; n1 then leaves the VLAN.
test_ganeti_order() {
	learn_n1 "Ganeti's order"
	guest "$n2" 2 "$g2"
	trace_start
	resume "$g2" 1
	busywait 10000 traced_garp
	check_eq "$?" 0 "Ganeti's order: n2 hears the resumed guest's gratuitous ARP on tap2"
	check_eq "$(announced proxyarp "$n2" vlan2)/$(announced proxyndp "$n2" vlan2) $(rt_mac "$GUEST")" \
		"0/0 $N1_MAC" "Ganeti's order: a guest heard with no route: nothing announced"
	ip -n "$n1" link del tap1
	route_guest "$n2" 2
	busywait $((MOVE_MS * 10)) both_at "$N2_MAC"
	check_eq "$?" 0 "Ganeti's order: the router's IPv4 and IPv6 entries move to n2"
	within_move "Ganeti's order" "$(latency route4 arp "$GUEST")" \
		"$(latency route6 ndp "$GUEST6")"
	check_match "$(announce_lines2)" "dev=vlan2 .*addr=$GUEST trigger=route count=1 mode=on" \
		"Ganeti's order: traced, IPv4, trigger route"
	check_match "$(announce_lines2)" "dev=vlan2 .*addr=$GUEST6 trigger=route count=1 mode=on" \
		"Ganeti's order: traced, IPv6, trigger route"
	ip -n "$n1" link set vlan1 down
	pings
	log_test $? "Ganeti's order: n1 off the VLAN, the router reaches the guest on n2"
	busywait 15000 announced_both 3/3
	check_eq "$(announced proxyarp "$n2" vlan2)/$(announced proxyndp "$n2" vlan2)" 3/3 \
		"Ganeti's order: announce 3: three announcements a family"
	check_eq "$(announce_lines2 | grep -c "addr=$GUEST ")" 3 \
		"Ganeti's order: the IPv4 ones traced, counted 1 to 3"
	check_eq "$(COUNTERS=/proc/net/stat/proxyarp counter "$n1" vlan1 conflict)" 0 \
		"Ganeti's order: n1, which no longer routes the guest, counts no conflict"
}

# The control: announce 0, the same run, and the outage.
test_control() {
	learn_n1 "announce 0"
	guest "$n2" 2 "$g2"
	trace_start
	resume "$g2" 1
	busywait 10000 traced_garp
	check_eq "$?" 0 "announce 0: n2 hears the resumed guest"
	ip -n "$n1" link del tap1
	route_guest "$n2" 2
	ip -n "$n1" link set vlan1 down
	! ip netns exec "$rt" ping -c 1 -W 3 "$GUEST" >/dev/null
	log_test $? "announce 0: the guest is unreachable from the router (the outage)"
	check_eq "$(rt_mac "$GUEST") $(announce_lines2)" "$N1_MAC " \
		"announce 0: the router's entry still points at n1; nothing announced"
}

send_rarp() {
	# The trace's marker, opened here: ip netns exec mounts another /sys.
	ip netns exec "$g2" python3 - "$GUEST_MAC" 3>"$TRACE_INSTANCE/trace_marker" <<-'EOF'
	import os, socket, sys
	mac = bytes.fromhex(sys.argv[1].replace(":", ""))
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind(("eth0", 0))
	# qemu_announce_self(): RARP "reverse request", from and for the MAC
	body = (b"\x00\x01\x08\x00\x06\x04\x00\x03" + mac + b"\0" * 4 +
	        mac + b"\0" * 4)
	frame = b"\xff" * 6 + mac + b"\x80\x35" + body + b"\0" * 18
	os.write(3, b"mark rarp")
	s.send(frame)
	EOF
}

# Routes first, a silent guest: n2's tap and routes exist while the
# guest runs on n1; it resumes on n2 and only QEMU's RARP says so.
test_routes_first() {
	local what="routes first${NH:+, through nexthop objects}"

	learn_n1 "$what"
	guest "$n2" 2 "$g2"
	count_probes
	trace_start
	route_guest "$n2" 2
	busywait 10000 probed "3 3"
	check_eq "$(probes_sent)" "3 3" \
		"$what: the route alone makes n2 probe tap2 for the guest, 3 times a family"
	check_eq "$(announce_lines2)$(rt_mac "$GUEST")" "$N1_MAC" \
		"$what: a route and no guest: nothing announced"
	ip -n "$n1" link del tap1
	resume "$g2" 0
	send_rarp
	busywait $((MOVE_MS * 10)) both_at "$N2_MAC"
	check_eq "$?" 0 "$what: after QEMU's RARP the router's entries move to n2"
	within_move "$what" "$(latency rarp arp "$GUEST")" \
		"$(latency rarp ndp "$GUEST6")"
	check_match "$(announce_lines2)" "dev=vlan2 .*addr=$GUEST trigger=guest count=1 mode=on" \
		"$what: traced, trigger guest"
	ip -n "$n1" link set vlan1 down
	pings
	log_test $? "$what: the router reaches the guest on n2"
}

# A tap routed as soon as it is up, its link-local address still in
# duplicate address detection (on by default; 3 transmits here, 3 s at
# least, so that a slow guest still routes it within): the IPv6 probe
# has no source address yet, and is sent once DAD is done.
test_probe_dad() {
	local tentative

	ip netns exec "$n2" sysctl -qw net.ipv6.conf.default.accept_dad=1 \
		net.ipv6.conf.default.dad_transmits=3
	guest "$n2" 2 "$g2"
	count_probes
	# kvm-ifup: the tap comes up, then its routes at once, from one
	# process (inside DAD's 3 s on the debug kernel too).
	ip -n "$n2" link set tap2 down
	ip -n "$n2" -batch - <<-EOF
	link set tap2 up
	route add $GUEST dev tap2
	route add $GUEST6 dev tap2
	EOF
	tentative=$(ip -n "$n2" -6 addr show dev tap2 scope link tentative)
	check_match "$tentative" "fe80::" "DAD: tap2's link-local was still tentative when the routes were added"
	busywait 15000 probed "3 3"
	check_eq "$(probes_sent)" "3 3" \
		"DAD: n2 probes tap2 for the guest 3 times a family, IPv6 once DAD is done"
	check_eq "$(COUNTERS=/proc/net/stat/proxyndp counter "$n2" tap2 announce_drop)" 0 \
		"DAD: the probe retried, then sent, is not counted dropped"
}

# The guest on n2 since before; n2's VLAN link bounces, and its
# routes through the VLAN device come back with it (ifup's).
bounce() {
	ip -n "$n2" link set vlan2 down
	ip -n "$n2" link set vlan2 up
	ip -n "$n2" route replace 192.0.2.0/24 dev vlan2
	ip -n "$n2" -6 route replace 2001:db8:1::/64 dev vlan2
}

on_n2() {
	guest "$n2" 2 "$g2"
	ip -n "$n1" link del tap1
	route_guest "$n2" 2
	resume "$g2" 0
	ip -n "$n1" link set vlan1 down
}

test_bounce() {
	local lines

	on_n2
	ip -n "$n2" route add "$REFUSED" dev tap2 table 100
	ip -n "$n2" -6 route add "$REFUSED6" dev tap2 table 100
	ip -n "$rt" neigh replace "$GUEST" lladdr "$ROGUE_MAC" dev r0 nud stale
	ip -n "$rt" neigh replace "$GUEST6" lladdr "$ROGUE_MAC" dev r0 nud stale
	trace_start
	bounce
	busywait 10000 both_at "$N2_MAC"
	check_eq "$?" 0 "bounce: the router's entries move back to n2"
	busywait 10000 repeated 2
	lines=$(announce_lines2 | grep "trigger=up count=1" | sed 's/.* addr=\([^ ]*\) .*/\1/' | sort | xargs)
	[ "$lines" = "$GUEST $GUEST6" ] || announce_lines2 | sed 's/^/# /'
	check_eq "$lines" "$GUEST $GUEST6" \
		"bounce: exactly the answered addresses announced, trigger up"
	check_eq "$(announce_lines2 | grep -c -e "addr=$REFUSED " -e "addr=$REFUSED6 ")" 0 \
		"bounce: none for host routes the decision refuses"
}

# Audit: the same bounce at mode 2 traces and sends nothing.
test_audit() {
	pa "$n2" vlan2 mode 2
	pn "$n2" vlan2 mode 2
	on_n2
	ip netns exec "$n2" nft -f - <<-EOF
	table arp garp {
		chain out { type filter hook output priority 0; oifname "vlan2" counter; }
	}
	EOF
	trace_start
	bounce
	busywait 10000 audit_traced
	check_match "$(announce_lines2)" "addr=$GUEST trigger=up count=1 mode=audit" \
		"audit: would announce, traced"
	check_eq "$(announced proxyarp "$n2" vlan2)/$(announced proxyndp "$n2" vlan2) $(ip netns exec "$n2" nft list table arp garp | grep -c 'packets 0 ')" \
		"0/0 1" "audit: nothing sent, nothing counted"
}

# count_nas: an nft counter of the advertisements from the guest's
# address that n2's vlan2 receives (n2's own, looped back, come from
# its link-local address: na_source 0).
count_nas() {
	ip netns exec "$n2" nft -f - <<-EOF
	table inet nas {
		chain in { type filter hook prerouting priority 0; iifname "vlan2" ip6 saddr $GUEST6 icmpv6 type nd-neighbor-advert counter; }
	}
	EOF
}

nas_seen() {
	ip netns exec "$n2" nft list table inet nas | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

# claimed6 MAC: n2 has traced MAC's claim to the guest's IPv6 address.
claimed6() {
	grep -q "proxyndp_conflict: dev=vlan2 .*mac=$1" "$TRACE_INSTANCE/trace"
}

# ann_times FAMILY: vlan2's FAMILY (arp, ndp) announcements, a line
# each: the trace time (s, as printed) and the round.
ann_times() {
	grep "proxy$1_announce: dev=vlan2 " "$TRACE_INSTANCE/trace" |
		awk '{ for (i = 1; i <= NF; i++) {
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { sub(/:$/, "", $i); t = $i }
			if ($i ~ /^count=/) c = substr($i, 7)
		} print t, c }'
}

# ann_between FAMILY A B: vlan2's FAMILY announcements after A, at B or
# before (trace s).
ann_between() {
	ann_times "$1" | awk -v a="$2" -v b="$3" '$1 + 0 > a + 0 && $1 + 0 <= b + 0 { n++ } END { print n + 0 }'
}

# ann_since FAMILY T: how many came after T.
ann_since() {
	ann_between "$1" "$2" 1e18
}

# arp_after T: an IPv4 announcement on vlan2 after T (trace s).
arp_after() {
	[ "$(ann_since arp "$1")" -gt 0 ]
}

# gd_routes N: N host routes a family on n2, through a dummy: addresses
# vlan2 answers for, with no guest to be heard.
gd_routes() {
	ip -n "$n2" link add gd type dummy
	ip -n "$n2" link set gd up
	for ((i = 1; i <= $1; i++)); do
		echo "route add 198.18.0.$i dev gd"
		echo "route add 2001:db8:5::$i dev gd"
	done | ip -n "$n2" -batch -
}

# bounce_marked: the bounce, after a mark; BOUNCED, the mark's time.
bounce_marked() {
	mark bounce
	bounce
	BOUNCED=$(stamp "tracing_mark_write: mark bounce\$")
}

ndp_sent() {
	[ "$(ann_since ndp "$BOUNCED")" = "$1" ]
}

# announce 0 stops what is queued: OFF_N addresses a family, announced
# once each at 1 a second after a bounce; IPv4's announce goes to 0
# while most still wait.  By the time IPv6's, paced alike, are all out,
# IPv4's would be too: none has gone since the write.
test_announce_off() {
	local n=$OFF_N written sent t

	gd_routes "$n"
	for t in pa pn; do
		"$t" "$n2" vlan2 announce 1
		"$t" "$n2" vlan2 max_rate 1
		"$t" "$n2" vlan2 max_burst 1
	done
	trace_start
	bounce_marked
	busywait 10000 grep -q "proxyarp_announce: dev=vlan2 " "$TRACE_INSTANCE/trace"
	check_eq "$?" 0 "announce 0: the bounce's IPv4 announcements begin"
	pa "$n2" vlan2 announce 0
	mark off
	written=$(stamp "tracing_mark_write: mark off\$")
	sent=$(ann_between arp "$BOUNCED" "$written")
	[ -n "$written" ] && [ "$sent" -ge 1 ] && [ "$sent" -le $((n - 3)) ]
	log_test $? "announce 0: written with $sent of IPv4's $n sent, 3 or more still queued"
	busywait $((n * 3000)) ndp_sent "$n"
	check_eq "$?" 0 "announce 0: IPv6's $n all sent, at the same pace"
	[ "$(ann_since arp "$written")" = 0 ] ||
		grep -E 'announce|mark' "$TRACE_INSTANCE/trace" | sed 's/^/# /'
	check_eq "$(ann_since arp "$written")" 0 \
		"announce 0 for IPv4: none of the queued IPv4 announcements sent after the write"
}

announce_drop6() {
	[ "$(COUNTERS=/proc/net/stat/proxyndp counter "$n2" vlan2 announce_drop)" = "$1" ]
}

# vlan2's link-local in DAD for 12 s after a bounce: no source for the
# advertisement.  IPv4's goes; IPv6's is tried again 5 times, 1 s
# apart, then dropped and counted, once.
test_no_source() {
	local tentative ms

	gd_routes 1
	ipv6 "$n2" vlan2 accept_dad 1
	ipv6 "$n2" vlan2 dad_transmits 12
	trace_start
	bounce_marked
	busywait 10000 arp_after "$BOUNCED"
	check_eq "$?" 0 "no source: the bounce's IPv4 announcement sent"
	busywait 15000 announce_drop6 1
	check_eq "$?" 0 "no source: IPv6's dropped and counted"
	mark dropped
	ms=$(ms_between "$BOUNCED" "$(stamp "tracing_mark_write: mark dropped\$")")
	[ -n "$ms" ] && [ "$ms" -ge 4500 ]
	log_test $? "no source: counted ${ms:-?} ms after the bounce, after 5 retries (4,500 at least)"
	tentative=$(ip -n "$n2" -6 addr show dev vlan2 scope link tentative)
	check_match "$tentative" "fe80::" "no source: vlan2's link-local still tentative then"
	check_eq "$(ann_since ndp "$BOUNCED")/$(COUNTERS=/proc/net/stat/proxyarp counter "$n2" vlan2 announce_drop)" \
		0/0 "no source: no advertisement since the bounce, no IPv4 announcement dropped"
}

# Another MAC claims the guest's address on the VLAN.
test_conflict() {
	local since="proxyarp selftest: conflict $$"

	on_n2
	trace_start
	# The log's lines from here: a kernel's own (KCSAN's reports) can
	# push the module's out of any fixed tail.
	echo "$since" >/dev/kmsg
	ip netns exec "$rg" "$ARPQ" -i rg0 -s "$GUEST" -w 100 "$GUEST" >/dev/null
	check_eq "$?" 0 "conflict: the second owner's gratuitous ARP is sent"
	count_nas
	# ndisc_rcv() drops an advertisement with a hop limit under 255: no
	# claim.  Then a valid one, its link-layer option (the claim) after
	# a nonce option, from another MAC; from one CPU, so n2 takes them
	# in that order.
	send_na "$rg" rg0 "$GUEST6" "$FORGED_MAC" 64
	send_na "$rg" rg0 "$GUEST6" "$ROGUE_MAC" 255 1 "$FRAME_MAC"
	busywait 5000 claimed6 "$ROGUE_MAC"
	check_eq "$?/$(nas_seen)" 0/2 \
		"conflict: n2's vlan2 got the advertisements (hop limit 64, then valid with a nonce option first) and traced the valid one's claim"
	check_eq "$(sed -n 's/.*proxyndp_conflict: //p' "$TRACE_INSTANCE/trace" | grep -c "mac=$FORGED_MAC")" 0 \
		"conflict: none for the advertisement with hop limit 64"
	check_eq "$(COUNTERS=/proc/net/stat/proxyarp counter "$n2" vlan2 conflict)/$(COUNTERS=/proc/net/stat/proxyndp counter "$n2" vlan2 conflict)" \
		1/1 "conflict: counted once a family on n2's vlan2"
	check_match "$(sed -n 's/.*proxyarp_conflict: //p' "$TRACE_INSTANCE/trace")" \
		"dev=vlan2 .*addr=$GUEST mac=$ROGUE_MAC" "conflict: traced, with the claimant's MAC"
	check_match "$(dmesg | sed -n "/$since/,\$p")" "vlan2: $GUEST is claimed by $ROGUE_MAC" \
		"conflict: logged"
	# The router's own reply about itself is no conflict.
	ip netns exec "$rt" arping -c 1 -U -I r0 192.0.2.1 >/dev/null 2>&1
	ip netns exec "$rt" ping -c 1 -W 2 "$GUEST" >/dev/null
	check_eq "$(COUNTERS=/proc/net/stat/proxyarp counter "$n2" vlan2 conflict)" 1 \
		"conflict: none for the router's own gratuitous ARP and replies"
}

announced_arp() {
	[ "$(announced proxyarp "$n2" vlan2)" = "$1" ]
}

# A node with 4,000 guests whose VLAN comes back: every one announced,
# none dropped, at max_rate.
test_scale() {
	local n=$SCALE_N rate=$SCALE_RATE burst=50 got span

	ip -n "$n2" link add gd type dummy
	ip -n "$n2" link set gd up
	for ((i = 0; i < n; i++)); do
		echo "route add 198.18.$((i / 250)).$((i % 250 + 1)) dev gd"
	done | ip -n "$n2" -batch -
	pa "$n2" vlan2 max_rate "$rate"
	pa "$n2" vlan2 max_burst "$burst"
	pa "$n2" vlan2 announce 1
	trace_start
	bounce
	busywait $((n * 15000 / rate)) announced_arp "$n"
	got=$(announced proxyarp "$n2" vlan2)
	check_eq "$got/$(COUNTERS=/proc/net/stat/proxyarp counter "$n2" vlan2 announce_drop)" "$n/0" \
		"scale: $n guests announced after the bounce, none dropped"
	span=$(ann_times arp | awk 'NR == 1 { f = $1 } { t = $1 } END { printf "%d", (t - f) * 1000 }')
	# The burst at once, then one every 1/rate s: (n - burst) / rate
	# at least, 3 n / rate at most (3.95 s and 12 s at the defaults).
	[ "$span" -ge $(((n - burst) * 950 / rate)) ] &&
		[ "$span" -le $((n * 3000 / rate)) ]
	log_test $? "scale: paced by max_rate $rate, max_burst $burst ($n in $span ms)"
}

run() {
	setup || { log_test 1 "$1: setup"; cleanup_ns; return; }
	N1_MAC=$(mac_of "$n1" vlan1)
	N2_MAC=$(mac_of "$n2" vlan2)
	"$@"
	cleanup_ns
}

require_root
require_cmd ip nft python3 arping
trap cleanup EXIT
module_load || exit "$ksft_fail"

run test_ganeti_order
ANNOUNCE=0 run test_control
run test_routes_first
NH=1 run test_routes_first
run test_probe_dad
run test_bounce
run test_announce_off
run test_no_source
run test_audit
run test_conflict
run test_scale
finish
