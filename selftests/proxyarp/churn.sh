#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Churn with requests flowing: devices created, configured, renamed,
# moved to another namespace and deleted (the sysctl entries must match
# the devices exactly, with the right values); namespaces created with
# devices and settings and destroyed under a flood; several writers on
# every tunable of all, default and devices at once (the final values
# must be valid ones that were written).  NDP is on throughout: the
# proxyndp tree follows the devices as the proxyarp tree does, and its
# mode, which holds a device's allmulticast count, is written
# concurrently too: afterwards every flag is given back.  The runner
# then checks the kernel log.
#
#  lan                 na (mode 1 on vlan0)              nb
# +---------+        +-----------------------------+   +----------------+
# | vl0     |--------| vlan0      d0: 10.9.0.0/16  |   | (devices moved |
# | pN      |--------| vN (veth, deleted under a   |   |  here take nb's |
# |         |        |     flood on pN)            |   |  default)       |
# +---------+        | cN/rN (dummies, churned)    |-->|                |
#                    +-----------------------------+   +----------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
na="" nb="" lan=""
FLOOD=""

DEVICES=${PROXYARP_CHURN_DEVICES:-1000}
NETNS=${PROXYARP_CHURN_NETNS:-100}
WRITES=${PROXYARP_CHURN_WRITES:-300}
BATCH=${PROXYARP_CHURN_BATCH:-250}

setup() {
	setup_ns na nb lan || return 1
	link_pair "$na" "$lan" || return 1
	add_dummy "$na" d0 10.9.0.0/16
	pa "$na" vlan0 mode 1
	pn "$na" vlan0 mode 1
	pn "$na" default mode 1
	pa "$na" default min_prefixlen 3
	pa "$nb" default min_prefixlen 7
	pa "$nb" default max_rate 70
}

flood_start() { # DEV: requests on the LAN side until flood_stop
	ip netns exec "$lan" "$ARPQ" -i "$1" -s 192.0.2.1 -r 200 -c 100000000 \
		-w 0 -q -f <(seq -f '10.9.1.%g' 1 50) >/dev/null 2>&1 &
	FLOOD="$FLOOD $!"
}

flood_stop() {
	local pid

	for pid in $FLOOD; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	FLOOD=""
}

# devices NS: all, default and the devices, as the sysctl directories
# (conf_dirs) should be.
devices() {
	{ echo all; echo default
	  ip -n "$1" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
	} | LC_ALL=C sort | xargs
}

# values NS DEV...: "DEV=mode/min_prefixlen/max_rate" for each.
values() {
	local ns=$1

	shift
	# shellcheck disable=SC2016 # for the inner bash
	ip netns exec "$ns" bash -c '
		for d in "$@"; do
			c=/proc/sys/net/proxyarp/conf/$d
			echo "$d=$(<"$c/mode")/$(<"$c/min_prefixlen")/$(<"$c/max_rate")"
		done' - "$@" | xargs
}

# One batch of BATCH devices, first index $1: create, write, rename,
# move, delete, checking the entries at each step.
device_batch() {
	local first=$1 i names=() renamed=() want_a want_b ok=1

	for ((i = first; i < first + BATCH; i++)); do
		names+=("c$i")
		renamed+=("r$i")
	done
	for i in "${names[@]}"; do echo "link add $i type dummy"; done |
		ip -n "$na" -batch - || ok=0
	# shellcheck disable=SC2016 # for the inner bash
	ip netns exec "$na" bash -c '
		for d in "$@"; do
			echo 2 >/proc/sys/net/proxyarp/conf/$d/mode
			echo "${d#c}" >/proc/sys/net/proxyarp/conf/$d/max_rate
		done' - "${names[@]}" || ok=0
	[ "$(conf_dirs "$na")" = "$(devices "$na")" ] || { echo "# na after add: $(conf_dirs "$na")"; ok=0; }
	[ "$(conf_dirs "$na" proxyndp)" = "$(devices "$na")" ] ||
		{ echo "# na after add (proxyndp): $(conf_dirs "$na" proxyndp)"; ok=0; }

	for i in "${names[@]}"; do echo "link set $i name r${i#c}"; done |
		ip -n "$na" -batch - || ok=0
	want_a=$(for i in "${names[@]}"; do echo "r${i#c}=2/3/${i#c}"; done | xargs)
	[ "$(conf_dirs "$na")" = "$(devices "$na")" ] || { echo "# na after rename: $(conf_dirs "$na")"; ok=0; }
	[ "$(values "$na" "${renamed[@]}")" = "$want_a" ] ||
		{ echo "# values after rename: $(values "$na" "${renamed[@]}")"; ok=0; }

	for i in "${renamed[@]}"; do echo "link set $i netns $nb"; done |
		ip -n "$na" -batch - || ok=0
	want_b=$(for i in "${renamed[@]}"; do echo "$i=0/7/70"; done | xargs)
	[ "$(conf_dirs "$na")" = "$(devices "$na")" ] || { echo "# na after move: $(conf_dirs "$na")"; ok=0; }
	[ "$(conf_dirs "$nb")" = "$(devices "$nb")" ] || { echo "# nb after move: $(conf_dirs "$nb")"; ok=0; }
	[ "$(conf_dirs "$nb" proxyndp)" = "$(devices "$nb")" ] ||
		{ echo "# nb after move (proxyndp): $(conf_dirs "$nb" proxyndp)"; ok=0; }
	[ "$(values "$nb" "${renamed[@]}")" = "$want_b" ] ||
		{ echo "# values after move: $(values "$nb" "${renamed[@]}")"; ok=0; }

	for i in "${renamed[@]}"; do echo "link del $i"; done |
		ip -n "$nb" -batch - || ok=0
	[ "$(conf_dirs "$nb")" = "$(devices "$nb")" ] || { echo "# nb after delete: $(conf_dirs "$nb")"; ok=0; }
	[ "$(conf_dirs "$nb" proxyndp)" = "$(devices "$nb")" ] ||
		{ echo "# nb after delete (proxyndp): $(conf_dirs "$nb" proxyndp)"; ok=0; }
	[ "$ok" = 1 ]
}

# A veth in na, mode 1, deleted while its LAN end floods it.
veth_under_fire() {
	local i=$1

	ip -n "$lan" link add "p$i" type veth peer name "v$i" netns "$na" || return 1
	ip -n "$lan" link set "p$i" up
	ip -n "$na" link set "v$i" up
	pa "$na" "v$i" mode 1
	flood_start "p$i"
	sleep 0.05
	ip -n "$na" link del "v$i"
}

test_devices() {
	local first done=0 t0=$SECONDS

	flood_start vl0
	for ((first = 0; first < DEVICES; first += BATCH)); do
		device_batch "$first" || break
		veth_under_fire "$first" || break
		done=$((first + BATCH))
	done
	flood_stop
	check_eq "$done" "$(((DEVICES + BATCH - 1) / BATCH * BATCH))" \
		"device churn: $done created, written, renamed, moved, deleted; entries matched at every step ($((SECONDS - t0)) s)"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.9.2.2)" "$(mac_of "$na" vlan0)" \
		"device churn: vlan0 still answers"
}

# A namespace with a veth from the LAN (w$1), a dummy route and settings.
netns_setup() {
	local ns=$1 i=$2

	ip netns exec "$ns" sh -c "
		ip -batch - <<-EOF
			link set lo up
			link set w$i up
			link add e0 type dummy
			link set e0 up
			route add 10.9.0.0/16 dev e0
		EOF
		echo 1 >/proc/sys/net/ipv4/conf/all/forwarding
		echo 1 >/proc/sys/net/proxyarp/conf/all/mode
		echo 1 >/proc/sys/net/proxyndp/conf/all/mode
		echo 500 >/proc/sys/net/proxyarp/conf/default/max_rate
		echo 8 >/proc/sys/net/proxyarp/conf/w$i/min_prefixlen"
}

# Namespaces ten at a time: created, their LAN ends flooding them, then
# destroyed with the floods still running.
test_netns() {
	local i first ok=0 group=10 t0=$SECONDS

	for ((first = 1; first <= NETNS; first += group)); do
		for ((i = first; i < first + group && i <= NETNS; i++)); do
			ip netns add "pa-churn-$$-$i" || break 2
			echo "link add q$i type veth peer name w$i netns pa-churn-$$-$i"
			echo "link set q$i up"
		done | ip -n "$lan" -batch - || break
		for ((i = first; i < first + group && i <= NETNS; i++)); do
			netns_setup "pa-churn-$$-$i" "$i" || break 2
			flood_start "q$i"
		done
		sleep 0.1
		for ((i = first; i < first + group && i <= NETNS; i++)); do
			ip netns del "pa-churn-$$-$i" || break 2
			ok=$i
		done
		flood_stop
	done
	flood_stop
	check_eq "$ok" "$NETNS" "namespace churn: $ok namespaces with devices and settings destroyed under a flood ($((SECONDS - t0)) s)"
	check_eq "$(ip netns list | grep -c '^pa-churn-')" "0" "namespace churn: none left"
	check_eq "$(answer "$lan" vl0 192.0.2.1 10.9.2.3)" "$(mac_of "$na" vlan0)" \
		"namespace churn: vlan0 still answers"
}

# A writer: $WRITES rounds over every tunable of all, default, vlan0 and
# d0, valid and invalid values.  Prints the valid values it wrote as
# "knob=value" and the invalid ones that were accepted as "BAD ...".
# shellcheck disable=SC2016 # for the writers' bash
WRITER='
	RANDOM=$SEED
	valid=(mode:0 mode:1 mode:2 ignore_default_route:0 ignore_default_route:1
	       min_prefixlen:0 min_prefixlen:17 min_prefixlen:32
	       honor_proxy_delay:0 honor_proxy_delay:1 max_rate:0 max_rate:5000
	       max_rate:1000000 max_burst:1 max_burst:50 max_burst:1000000
	       announce:0 announce:3 announce:10 route_proto:0 route_proto:4
	       route_proto:255)
	invalid=(mode:3 mode:-1 mode:x ignore_default_route:2 min_prefixlen:33
		 honor_proxy_delay:7 max_rate:-5 max_burst:0 max_burst:1000001
		 announce:11 route_proto:256)
	for ((r = 0; r < WRITES; r++)); do
		for dir in all default vlan0 d0; do
			kv=${valid[RANDOM % ${#valid[@]}]}
			echo "${kv#*:}" >/proc/sys/net/proxyarp/conf/$dir/${kv%%:*} &&
				echo "${kv%%:*}=${kv#*:}"
			kv=${invalid[RANDOM % ${#invalid[@]}]}
			echo "${kv#*:}" 2>/dev/null >/proc/sys/net/proxyarp/conf/$dir/${kv%%:*} &&
				echo "BAD $dir ${kv%%:*}=${kv#*:}"
			m=$((RANDOM % 3))
			echo "$m" >/proc/sys/net/proxyndp/conf/$dir/mode && echo "ndp_mode=$m"
		done
	done
'

test_writers() {
	local w pids=() knob dir val bad=0 out=$TMPDIR/writers t0=$SECONDS rx

	rx=$(ip netns exec "$na" cat /sys/class/net/vlan0/statistics/rx_packets)
	flood_start vl0
	for w in 1 2 3 4; do
		ip netns exec "$na" env WRITES="$WRITES" SEED=$((SEED + w)) bash -c "$WRITER" \
			>"$out.$w" 2>&1 &
		pids+=($!)
	done
	# A device comes and goes meanwhile: it copies default under RTNL.
	for w in $(seq 20); do
		ip -n "$na" link add x0 type dummy && ip -n "$na" link del x0
	done
	wait "${pids[@]}"
	flood_stop
	rx=$(($(ip netns exec "$na" cat /sys/class/net/vlan0/statistics/rx_packets) - rx))
	[ "$rx" -ge 100 ]
	log_test $? "concurrent writers: the flood ran beside them ($rx requests received on vlan0)"

	check_eq "$(cat "$out".* | grep -c '^BAD')" "0" \
		"concurrent writers: 4 x $WRITES rounds, every invalid write was refused ($((SECONDS - t0)) s)"
	for knob in mode ignore_default_route min_prefixlen honor_proxy_delay max_rate max_burst announce route_proto; do
		for dir in all default vlan0 d0; do
			val=$(pa "$na" "$dir" "$knob")
			grep -qx "$knob=$val" "$out".* || { echo "# $dir/$knob=$val was never written"; bad=1; }
		done
	done
	for dir in all default vlan0 d0; do
		val=$(pn "$na" "$dir" mode)
		grep -qx "ndp_mode=$val" "$out".* || { echo "# proxyndp $dir/mode=$val was never written"; bad=1; }
	done
	check_eq "$bad" "0" "concurrent writers: every final value is a valid one that was written"
	check_eq "$(cat "$out".* | wc -l)" "$(cat "$out".* | grep -c '=')" \
		"concurrent writers: every valid write succeeded"
	pa "$na" all mode 1
	check_eq "$(values "$na" default vlan0 d0 | sed 's|=\([0-9]\)/[^ ]*|=\1|g')" \
		"default=1 vlan0=1 d0=1" "after the writers, a write to all reaches default and every device"
	pn "$na" all mode 1
	check_eq "$(allmulti "$na" vlan0)$(allmulti "$na" d0)" 11 \
		"after the writers, proxyndp all/mode 1: vlan0 and d0 in allmulticast mode"
	pn "$na" all mode 0
	check_eq "$(allmulti "$na" vlan0)$(allmulti "$na" d0)" 00 \
		"proxyndp all/mode 0: both flags given back, however the writers raced"
}

require_root
require_cmd ip
trap 'flood_stop; cleanup' EXIT
TMPDIR=$(mktemp -d)
module_load || exit "$ksft_fail"
# $RANDOM's choices, replayable: PROXYARP_SEED.
SEED=${PROXYARP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$SEED
echo "# seed $SEED (PROXYARP_SEED to replay)"
setup || exit "$ksft_fail"

test_devices
test_netns
test_writers
finish
