#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/ganeti.md, run: Ganeti's own routed-mode hook from Debian's
# packages (scripts/ganeti unpacks ganeti and ganeti-3.0 into the cache)
# brings the taps up, with the environment Ganeti's KVM hypervisor gives
# it; the VLAN's table is what the guide's site commands make; the
# module is configured only by the guide's commands and files; the VLAN
# interface bounces.  The kernel's own proxy_arp, as kvm-ifup and the
# site leave it, must reproduce the incident first.  Then the guide's
# /etc/ganeti/kvm-vif-bridge adds an instance's IPv6 /128.  Every
# "node#" command of the guide runs, in the guide's order, in the node's
# namespace; the files are the guide's blocks, extracted.
#
# The packages' files are laid over / in a private mount namespace
# (overlays on /usr/lib and /etc, the latter over a tmpfs for the files
# the guide writes): the root is not touched.
#
#  lan                node                                        guest0..2
# +------------+    +-------------------------------------------+   +------+
# | vl0        |----| bond0.90 (no address)      tap0, tap1, tap2 |---| eth0 |
# | 192.0.2.1  |    |                                           |   +------+
# | 2001:db8:  |    | uplink 198.51.100.2/24, 2001:db8:ff::2/64 |
# |  90::1     |    +--|----------------------------------------+
# +------------+       |   wan: up0 198.51.100.1, 2001:db8:ff::1
#                      +-----
#
# main: default via the wan.  Table 90: the guide's VLAN routes, and
# what kvm-ifup adds per tap.

source "$(dirname "$0")/lib.sh"

GUIDE=$TOP/docs/ganeti.md
GANETI_ROOT=${PROXYARP_GANETI_ROOT:-$TOP/.cache/ganeti/root}
KVM_IFUP=/usr/lib/ganeti/kvm-ifup

node="" lan="" wan="" guest0="" guest1="" guest2=""
GW=192.0.2.1
OTHER=192.0.2.77
OTHER6=2001:db8:90::77
RAN=()

# The private mount namespace, with Ganeti's files over / (see above).
if [ -z "${GANETI_HOOKS_NS:-}" ]; then
	[ -x "$GANETI_ROOT/usr/lib/ganeti/3.0$KVM_IFUP" ] ||
		missing "no Ganeti scripts at $GANETI_ROOT (scripts/ganeti)"
	exec env GANETI_HOOKS_NS=1 unshare --mount --propagation private "$0" "$@"
fi
OVL=$(mktemp -d)
mkdir -p "$OVL/upper" "$OVL/work"
if ! mount -t overlay ganeti-lib -o "ro,lowerdir=$GANETI_ROOT/usr/lib:/usr/lib" /usr/lib ||
   ! mount -t overlay ganeti-etc \
	   -o "lowerdir=$GANETI_ROOT/etc:/etc,upperdir=$OVL/upper,workdir=$OVL/work" /etc; then
	echo "# cannot lay Ganeti's files over / (overlayfs)"
	exit "$ksft_fail"
fi

# block FIRST-LINE: the guide's indented block that starts with
# FIRST-LINE, de-indented, up to a blank line followed by a node#
# command or by the end of the block.
block() {
	awk -v first="$1" '
		!on && index($0, first) && match($0, /^ +/) { on = 1; ind = RLENGTH }
		!on { next }
		/^ *node# / || (/[^ ]/ && !/^ /) { exit }
		{ line[++n] = substr($0, ind + 1) }
		END { while (n > 0 && line[n] == "") n--; for (i = 1; i <= n; i++) print line[i] }' "$GUIDE"
}

# The guide's node# commands, in order.
guide_commands() {
	sed -n 's/^ *node# //p' "$GUIDE"
}

# guide COMMAND: one of the guide's node# commands, run in the node.
guide() {
	if ! guide_commands | grep -qxF -- "$1"; then
		log_test 1 "the guide has no command '$1'"
		return 1
	fi
	RAN+=("$1")
	ip netns exec "$node" sh -c "$1"
}

# kvm_ifup TAP INDEX IP MAC [VAR=VALUE...]: the packaged kvm-ifup, as
# Ganeti's KVM hypervisor runs it (hv_base.ConfigureNIC: a fresh
# environment, the tap as argument), for a routed NIC on table 90.
kvm_ifup() {
	local tap=$1 idx=$2 ip=$3 mac=$4

	shift 4
	ip netns exec "$node" env -i PATH="$PATH:/sbin:/usr/sbin" \
		INSTANCE="inst$idx.example.org" MAC="$mac" MODE=routed \
		INTERFACE="$tap" INTERFACE_INDEX=0 \
		INTERFACE_UUID="00000000-0000-4000-8000-00000000000$idx" TAGS= \
		IP="$ip" LINK=90 "$@" "$KVM_IFUP" "$tap"
}

setup() {
	local i guests

	setup_ns node lan wan guest0 guest1 guest2 || return 1
	guests=("$guest0" "$guest1" "$guest2")
	no_dad "$node" "$lan" "$wan"
	ip -n "$node" link add bond0.90 type veth peer name vl0 netns "$lan"
	ip -n "$node" link add uplink type veth peer name up0 netns "$wan"
	for i in 0 1 2; do
		# What KVM creates: the tap, down, for kvm-ifup to bring up.
		ip -n "$node" link add "tap$i" type veth peer name eth0 netns "${guests[i]}"
	done
	ip -n "$lan" link set vl0 up
	ip -n "$lan" addr add "$GW/24" dev vl0
	ip -n "$lan" addr add 2001:db8:90::1/64 dev vl0 nodad
	ip -n "$wan" link set up0 up
	ip -n "$wan" addr add 198.51.100.1/24 dev up0
	ip -n "$wan" addr add 2001:db8:ff::1/64 dev up0 nodad
	ip -n "$node" link set bond0.90 up
	ip -n "$node" link set uplink up
	ip -n "$node" addr add 198.51.100.2/24 dev uplink
	ip -n "$node" addr add 2001:db8:ff::2/64 dev uplink nodad
	ip -n "$node" route add default via 198.51.100.1 dev uplink
	ip -n "$node" -6 route add default via 2001:db8:ff::1 dev uplink
	ipv4 "$node" all forwarding 1
	ipv6 "$node" all forwarding 1
	# Not the guide's: the kernel's proxied answers at once, so that
	# the control needs no 0.8 s wait per request.
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/bond0.90/proxy_delay'

	guide "ip rule add iif bond0.90 lookup 90" &&
		vlan_routes guide &&
		guide "sysctl -w net.ipv4.conf.bond0/90.proxy_arp=1" >/dev/null
}

# vlan_routes [guide]: table 90's routes through the VLAN interface, as
# the guide's site commands add them (first time: through guide, so
# that they count as run; after a bounce: the same commands again).
vlan_routes() {
	local run=${1:-} cmd

	for cmd in "ip route add 192.0.2.0/24 dev bond0.90 table 90" \
		   "ip route add default via 192.0.2.1 dev bond0.90 table 90" \
		   "ip -6 route add 2001:db8:90::/64 dev bond0.90 table 90" \
		   "ip -6 route add default via 2001:db8:90::1 dev bond0.90 table 90"; do
		if [ "$run" = guide ]; then
			# The v6 ones come after the v6 rule in the guide.
			case $cmd in "ip -6 route"*) continue ;; esac
			guide "$cmd" || return 1
		else
			ip netns exec "$node" sh -c "$cmd" || return 1
		fi
	done
	if [ "$run" = guide ]; then
		guide "ip -6 rule add iif bond0.90 lookup 90" &&
			guide "ip -6 route add 2001:db8:90::/64 dev bond0.90 table 90" &&
			guide "ip -6 route add default via 2001:db8:90::1 dev bond0.90 table 90"
	fi
}

# all_modes VALUE: the guide's two writes of every mode, ARP's and NDP's.
all_modes() {
	guide "sysctl -w net.proxyarp.conf.all.mode=$1" >/dev/null &&
		guide "sysctl -w net.proxyndp.conf.all.mode=$1" >/dev/null
}

# The incident's trigger: the VLAN interface down and up.
bounce() {
	ip -n "$node" link set bond0.90 down
	ip -n "$node" link set bond0.90 up
}

vlan_mac() {
	mac_of "$node" bond0.90
}

test_kvm_ifup() {
	kvm_ifup tap0 0 192.0.2.42 aa:00:00:5e:00:42
	log_test $? "Ganeti's kvm-ifup brings tap0 up for a routed NIC"
	check_match "$(ip -n "$node" link show tap0)" "<[A-Z,_-]*,UP[,>]" "kvm-ifup: tap0 is up"
	check_match "$(ip -n "$node" rule show)" "from all iif tap0 lookup 90" \
		"kvm-ifup: an iif rule for tap0 into table 90"
	check_match "$(ip -n "$node" route show table 90 192.0.2.42)" \
		"^192\.0\.2\.42 dev tap0 proto static scope link" "kvm-ifup: the /32, proto static, in table 90"
	check_eq "$(ip netns exec "$node" cat /proc/sys/net/ipv4/conf/tap0/proxy_arp \
		/proc/sys/net/ipv4/conf/tap0/forwarding /proc/sys/net/ipv6/conf/tap0/proxy_ndp \
		/proc/sys/net/ipv6/conf/tap0/forwarding | xargs)" "1 1 1 1" \
		"kvm-ifup: tap0's proxy_arp, forwarding, proxy_ndp, IPv6 forwarding"
	check_eq "$(ip -n "$node" -6 route show table 90 dev tap0)" "" \
		"kvm-ifup: no IPv6 route for the instance"
	check_eq "$(ip netns exec "$node" cat /proc/sys/net/ipv6/conf/bond0.90/proxy_ndp)" "0" \
		"kvm-ifup leaves the VLAN interface alone"
}

test_incident() {
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.42)" "$(vlan_mac)" \
		"kernel: the instance's /32 is answered with bond0.90's MAC"
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" \
		"kernel: another VLAN address is not (table 90's /24 is bond0.90's)"
	bounce
	check_eq "$(ip -n "$node" route show table 90 dev bond0.90)" "" \
		"the bounce took table 90's VLAN routes"
	# The control: the kernel as kvm-ifup and the site leave it must
	# hijack, or nothing below proves anything.
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$(vlan_mac)" \
		"kernel after the bounce: $OTHER answered through main's default (the incident)"
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.200)" "$(vlan_mac)" \
		"kernel after the bounce: 192.0.2.200 too"
	vlan_routes
}

test_audit() {
	module_load || { log_test 1 "the module loads"; return; }
	all_modes 2
	check_eq "$(pa "$node" bond0.90 mode)/$(pa "$node" tap0 mode)/$(pa "$node" default mode)" \
		"2/2/2" "audit on bond0.90, the tap and default"
	bounce
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$(vlan_mac)" \
		"audit: the kernel still answers, nothing changes on the wire"
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.42)" "$(vlan_mac)" \
		"audit: the instance answered once, by the kernel"
	# Not in a subshell: guide records what ran.
	guide "column -t /proc/net/stat/proxyarp" >"$OVL/counters"
	check_match "$(grep '^bond0.90 ' "$OVL/counters")" "^bond0.90 +2 +1 +1 " \
		"the guide's counters: bond0.90 in audit, 1 reply and 1 refusal"
	COUNTERS=/proc/net/stat/proxyarp
	check_eq "$(counter_row "$node" bond0.90)" "mode=2 reply=1 ignore=1 proxied=1 default_route=1" \
		"audit: the refusal is default_route, the answer the kernel gives that the module would not"
	guide "column -t /proc/net/stat/proxyndp" >/dev/null
	log_test $? "the guide's NDP counters read"
	vlan_routes
}

test_switch() {
	local conf

	conf=$(block "# /etc/sysctl.d/60-proxyarp.conf")
	check_match "$conf" "^net\.proxyarp\.conf\.bond0/90\.mode = 1$" "the guide's sysctl.d file, extracted"
	printf '%s\n' "$conf" >/etc/sysctl.d/60-proxyarp.conf
	guide "sysctl -p /etc/sysctl.d/60-proxyarp.conf" >/dev/null
	log_test $? "sysctl -p accepts every line of the guide's file"
	check_eq "$(pa "$node" bond0.90 mode)/$(pa "$node" default mode)/$(pa "$node" tap0 mode)/$(pa "$node" bond0.90 max_rate)" \
		"1/1/2/1000" "the file: bond0.90 and default at 1, the existing tap still in audit"
	check_eq "$(pn "$node" bond0.90 mode)/$(pn "$node" default mode)/$(pn "$node" bond0.90 max_rate)" \
		"1/1/1000" "the file: NDP's too"
	all_modes 1
	check_eq "$(pa "$node" tap0 mode)/$(pn "$node" tap0 mode)" "1/1" "all: the existing tap at 1"

	kvm_ifup tap1 1 192.0.2.43 aa:00:00:5e:00:43
	check_eq "$(pa "$node" tap1 mode)/$(pn "$node" tap1 mode)" "1/1" \
		"a tap Ganeti brings up later gets default's 1, with no hook"
	check_eq "$(ip netns exec "$node" cat /proc/sys/net/ipv4/conf/bond0.90/proxy_arp)" "1" \
		"the kernel's proxy_arp is still on beside the module"

	COUNTERS=/proc/net/stat/proxyarp
	bounce
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "" "module after the bounce: $OTHER not answered"
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.200)" "" "module after the bounce: 192.0.2.200 not answered"
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.42)" "$(vlan_mac)" \
		"module after the bounce: the first instance answered, once"
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.43)" "$(vlan_mac)" \
		"module after the bounce: the later tap's instance answered, once"
	check_eq "$(counter "$node" bond0.90 default_route)" "3" \
		"the two refusals counted as default_route (with audit's one)"

	# A route another daemon added (BIRD's, proto 12), not a default
	# route: ignore_default_route lets it answer, the guide's
	# route_proto=4 does not.
	check_eq "$(pa "$node" bond0.90 route_proto)/$(pn "$node" bond0.90 route_proto)" "4/4" \
		"the file: route_proto 4 (static) on bond0.90, both families"
	ip -n "$node" route add 192.0.2.128/25 via 198.51.100.1 dev uplink proto bird
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.200)" "" \
		"route_proto=4 after the bounce: 192.0.2.200 not answered, though BIRD's /25 leads out of the uplink"
	check_eq "$(counter "$node" bond0.90 route_proto)" "1" "counted as route_proto"
	pa "$node" bond0.90 route_proto 0
	check_eq "$(answer "$lan" vl0 "$GW" 192.0.2.200)" "$(vlan_mac)" \
		"the control: without route_proto, BIRD's /25 makes the module answer"
	pa "$node" bond0.90 route_proto 4
	ip -n "$node" route del 192.0.2.128/25 via 198.51.100.1 dev uplink
	vlan_routes
}

test_ipv6() {
	local hook addr6=2001:db8:90:0:a800:ff:fe5e:44 lan_mac

	hook=$(block "#!/bin/bash")
	check_match "$(sed -n 2p <<<"$hook")" "^# /etc/ganeti/kvm-vif-bridge" "the guide's hook, extracted"
	printf '%s\n' "$hook" >/etc/ganeti/kvm-vif-bridge
	guide "chmod 755 /etc/ganeti/kvm-vif-bridge"
	kvm_ifup tap2 2 192.0.2.44 aa:00:00:5e:00:44 NETWORK_SUBNET6=2001:db8:90::/64
	log_test $? "kvm-ifup runs the guide's kvm-vif-bridge"
	check_match "$(ip -n "$node" -6 route show table 90 "$addr6")" \
		"^$addr6 dev tap2 proto static " \
		"the hook: the instance's SLAAC address, a /128 in table 90"
	check_match "$(ip -n "$node" route show table 90 192.0.2.44) proxy_arp=$(ip netns exec "$node" cat /proc/sys/net/ipv4/conf/tap2/proxy_arp)" \
		"^192\.0\.2\.44 dev tap2 proto static scope link .*proxy_arp=1$" "the hook ran Ganeti's own routed setup too"
	check_match "$(ip -n "$node" rule show)" "from all iif tap2 lookup 90" "the hook: tap2's iif rule"

	# The client that matters: the kernel's own neighbour resolution.
	ip netns exec "$lan" ping -c 1 -W 1 "$addr6" >/dev/null 2>&1
	lan_mac=$(ip -n "$lan" -6 neigh show "$addr6" dev vl0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
	check_eq "$lan_mac" "$(vlan_mac)" "the VLAN resolves the instance's IPv6 address to bond0.90"
	COUNTERS=/proc/net/stat/proxyndp
	bounce
	check_eq "$(ask6 "$lan" vl0 2001:db8:90::1 "$OTHER6")" "" \
		"IPv6 after the bounce: another VLAN address not answered"
	check_eq "$(counter "$node" bond0.90 default_route)" "1" "counted as default_route"
	check_match "$(ask6 "$lan" vl0 2001:db8:90::1 "$addr6")" "^reply $addr6 .*tllao=$(vlan_mac)" \
		"IPv6 after the bounce: the instance still answered"
	vlan_routes
}

# lan_at ADDRESS ADDRESS6 MAC: the LAN's entries for both are MAC.
# shellcheck disable=SC2317 # through busywait
lan_at() {
	ip -n "$lan" neigh show "$1" dev vl0 | grep -q "lladdr $3 " &&
		ip -n "$lan" -6 neigh show "$2" dev vl0 | grep -q "lladdr $3 "
}

# The guide's live migration: an instance resumes here with its tap down
# (what it says is lost), then Ganeti's finalize runs kvm-ifup; the
# LAN, which has the source node's MAC, must learn this node's.
test_migration() {
	local mac=aa:00:00:5e:00:45 ip=192.0.2.45 src=02:00:00:00:00:01
	local addr6=2001:db8:90:0:a800:ff:fe5e:45 t0 guest3=""

	guide "sysctl -w net.proxyarp.conf.bond0/90.announce=3" >/dev/null &&
		guide "sysctl -w net.proxyndp.conf.bond0/90.announce=3" >/dev/null
	log_test $? "the guide's announce writes"
	setup_ns guest3
	ip -n "$node" link add tap3 type veth peer name eth0 netns "$guest3"
	ip -n "$guest3" link set eth0 address "$mac"
	ip -n "$guest3" addr add "$ip/24" dev eth0
	ip -n "$guest3" addr add "$addr6/64" dev eth0 nodad
	ip -n "$guest3" link set eth0 up
	ip -n "$guest3" route add default dev eth0
	ip -n "$lan" neigh replace "$ip" lladdr "$src" dev vl0 nud stale
	ip -n "$lan" -6 neigh replace "$addr6" lladdr "$src" dev vl0 nud stale
	check_eq "$(ip -n "$node" link show tap3 | grep -c ',UP')" 0 \
		"migration: the instance runs, its tap still down (what it sends is lost)"
	t0=$(date +%s%3N)
	kvm_ifup tap3 3 "$ip" "$mac" NETWORK_SUBNET6=2001:db8:90::/64
	log_test $? "migration: Ganeti's finalize runs kvm-ifup"
	busywait 10000 lan_at "$ip" "$addr6" "$(vlan_mac)"
	log_test $? "migration: the LAN's IPv4 and IPv6 entries move to bond0.90 ($(($(date +%s%3N) - t0)) ms after kvm-ifup started)"
	# Not in a subshell: guide records what ran.
	guide "awk 'NR == 1 || \$1 == \"bond0.90\"' /proc/net/stat/proxyarp" >"$OVL/announced"
	check_match "$(awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { print "announce=" $c["announce"] " conflict=" $c["conflict"] }' "$OVL/announced")" \
		"^announce=[1-9][0-9]* conflict=0$" "migration: the guide's command shows the announcements"
}

test_backout() {
	local addr6=2001:db8:90:0:a800:ff:fe5e:44

	all_modes 0
	bounce
	check_eq "$(answer "$lan" vl0 "$GW" "$OTHER")" "$(vlan_mac)" \
		"backed out: the kernel's proxy_arp answers again (the incident's exposure)"
	check_eq "$(ask6 "$lan" vl0 2001:db8:90::1 "$addr6")" "" \
		"backed out: the kernel's proxy_ndp has no entry, and answers nothing"
	vlan_routes
}

test_guide_covered() {
	check_eq "$(printf '%s\n' "${RAN[@]}")" "$(guide_commands)" \
		"every node# command of docs/ganeti.md ran, in the guide's order"
}

require_root
require_cmd ip unshare column ping
trap 'cleanup; umount /etc /usr/lib 2>/dev/null; rm -rf "$OVL"' EXIT
setup || exit "$ksft_fail"

test_kvm_ifup
test_incident
test_audit
test_switch
test_ipv6
test_migration
test_backout
test_guide_covered
finish
