#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/net/stat/proxyarp: exact counts after a known sequence of
# requests, per device and for the namespace; the header names the
# columns; devices in mode 0 without counts are not listed; counts
# survive mode changes, start at zero for a new device and on load, and
# are summed over CPUs.  A device's counters are its only per-CPU
# memory, allocated with its first mode other than 0: a kprobe on the
# kernel's per-CPU allocator, with stacks, sees what the module asks for
# when devices are created at mode 0 and when their mode is written.
#
#  lan               node
# +---------+      +--------------------------------------------+
# | vl0     |------| vlan0 (mode 1)                              |
# | vl1     |------| vlan1 (mode 2, audit)                       |
# +---------+      | d0 (dummy): 10.9.0.0/16, 10.8.0.1/32 local  |
#                  | up0 (dummy): default route                  |
#                  +--------------------------------------------+

source "$(dirname "$0")/lib.sh"

# Namespaces, named by setup_ns.
node="" lan=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" vlan0 vl0 || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" d0 10.9.0.0/16
	ip -n "$node" addr add 10.8.0.1/32 dev d0
	add_dummy "$node" up0 default
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 2
}

test_header() {
	local want

	want="device mode reply ignore $(family_reasons ARP) announce announce_drop conflict"
	check_eq "$(ip netns exec "$node" head -n 1 /proc/net/stat/proxyarp)" \
		"$want" "the header names device, mode, verdicts and every ARP reason in enum order"
	want="device mode reply ignore $(family_reasons NDP) announce announce_drop conflict"
	check_eq "$(ip netns exec "$node" head -n 1 /proc/net/stat/proxyndp)" \
		"$want" "proxyndp's header: device, mode, verdicts and every NDP reason in enum order"
	check_eq "$(stat -c %a /proc/net/stat/proxyarp)" "444" "the file is 0444"
	check_eq "$(counter_row "$node" all)" "mode=-" "a fresh namespace counts nothing"
	check_eq "$(ip netns exec "$node" cat /proc/net/stat/proxyarp | awk '{ print $1 }' | xargs)" \
		"device all vlan0 vlan1" "only devices whose mode is not 0 are listed"
}

test_counts() {
	check_eq "$(ask_count "$lan" vl0 192.0.2.1 -f <(seq -f '10.9.1.%g' 1 5))" \
		"sent 5 replies 5" "vlan0: 5 proxied requests answered"
	check_eq "$(ask_count "$lan" vl0 192.0.2.1 203.0.113.1 203.0.113.2 203.0.113.3)" \
		"sent 3 replies 0" "vlan0: 3 requests through the default route refused"
	check_eq "$(ask_count "$lan" vl0 192.0.2.1 10.8.0.1 10.8.0.1)" \
		"sent 2 replies 2" "vlan0: 2 requests for a local address (the kernel answers)"
	check_eq "$(ask_count "$lan" vl0 0.0.0.0 10.9.1.9)" \
		"sent 1 replies 0" "vlan0: 1 duplicate address probe"
	check_eq "$(ask_count "$lan" vl1 192.0.2.1 -f <(seq -f '10.9.2.%g' 1 4))" \
		"sent 4 replies 0" "vlan1 (audit): 4 requests, nothing sent"

	check_eq "$(counter_row "$node" vlan0)" \
		"mode=1 reply=5 ignore=6 proxied=5 local=2 dad=1 default_route=3" \
		"vlan0 counts exactly what it decided"
	check_eq "$(counter_row "$node" vlan1)" "mode=2 reply=4 proxied=4" \
		"vlan1 counts its audit decisions as replies"
	check_eq "$(counter_row "$node" all)" \
		"mode=- reply=9 ignore=6 proxied=9 local=2 dad=1 default_route=3" \
		"the namespace's line is the sum"
	check_eq "$(counter_row "$lan" all)" "mode=-" "another namespace counts nothing"
}

test_cpus() {
	local cpu before

	before=$(counter "$node" vlan0 proxied)
	for cpu in 0 1; do
		ip netns exec "$lan" taskset -c "$cpu" "$ARPQ" -i vl0 -s 192.0.2.1 \
			-q -w 0 -c 10 -f <(seq -f '10.9.3.%g' 1 10) >/dev/null
	done
	check_eq "$(($(counter "$node" vlan0 proxied) - before))" "200" \
		"requests sent from CPU 0 and CPU 1 are all counted"
}

test_lifetime() {
	pa "$node" vlan1 mode 0
	check_eq "$(counter_row "$node" vlan1)" "mode=0 reply=4 proxied=4" \
		"mode 0 keeps a device's counts listed"
	ip -n "$node" link del vlan1
	link_pair "$node" "$lan" vlan1 vl1
	check_eq "$(counter_row "$node" vlan1)" "" "a new device in mode 0 is not listed"
	pa "$node" vlan1 mode 2
	check_eq "$(counter_row "$node" vlan1)" "mode=2" "a new device starts at zero"
	check_eq "$(counter "$node" all reply)" "209" \
		"the namespace keeps the counts of a deleted device"

	module_unload
	[ ! -e /proc/net/stat/proxyarp ] && [ -d /proc/net/stat ]
	log_test $? "unload removes /proc/net/stat/proxyarp"
	module_load
	pa "$node" vlan0 mode 1
	check_eq "$(counter_row "$node" all) / $(counter_row "$node" vlan0)" "mode=- / mode=1" \
		"counts start at zero on load"
}

# The per-CPU allocator's probe, in a tracefs instance of its own.
PCPU_PROBE=proxyarp_pcpu_$$
PCPU_INSTANCE=

pcpu_probe_start() {
	local fn

	fn=$(awk '$3 == "pcpu_alloc" || $3 == "pcpu_alloc_noprof" { print $3; exit }' \
		/proc/kallsyms)
	if [ -z "$fn" ]; then
		echo "# no pcpu_alloc or pcpu_alloc_noprof in /proc/kallsyms"
		return 1
	fi
	echo "p:$PCPU_PROBE $fn size=%di:u64" >>"$TRACEFS/kprobe_events" || return 1
	PCPU_INSTANCE=$TRACEFS/instances/proxyarp-pcpu-$$
	mkdir "$PCPU_INSTANCE" || return 1
	echo 8192 >"$PCPU_INSTANCE/buffer_size_kb"
	echo 1 >"$PCPU_INSTANCE/options/stacktrace"
	echo 1 >"$PCPU_INSTANCE/events/kprobes/$PCPU_PROBE/enable"
}

pcpu_probe_stop() {
	[ -n "$PCPU_INSTANCE" ] || return 0
	echo 0 >"$PCPU_INSTANCE/events/kprobes/$PCPU_PROBE/enable"
	rmdir "$PCPU_INSTANCE"
	echo "-:$PCPU_PROBE" >>"$TRACEFS/kprobe_events"
	PCPU_INSTANCE=
}

# pcpu_asked: "ALL MODULE", the per-CPU allocations traced since the
# last call and the bytes (per CPU) of those with a module frame on
# their stack; the buffer is emptied.  An overrun is an error.
pcpu_asked() {
	local out

	out=$(awk -v probe="$PCPU_PROBE:" '
		$0 ~ " " probe " " {
			if (mod) sum += size
			n++; mod = 0
			size = $0; sub(/.*size=/, "", size); size += 0
			next
		}
		/^ => / && /proxyarp/ { mod = 1 }
		/LOST [0-9]+ EVENTS/ { lost = 1 }
		END { if (mod) sum += size; print (lost ? "lost" : n + 0), sum + 0 }' \
		"$PCPU_INSTANCE/trace")
	echo >"$PCPU_INSTANCE/trace"
	echo "$out"
}

# A device at mode 0 costs the module no per-CPU memory: 10,000 veths
# on a 256-CPU host once took 800 MB of counters.  Its counters, one
# block per family, come with its first mode other than 0.
test_footprint() {
	local mem n=64 i created written block

	setup_ns mem || return 1
	if ! pcpu_probe_start; then
		log_skip "no kprobe on the per-CPU allocator"
		pcpu_probe_stop
		return 0
	fi
	for i in $(seq "$n"); do
		echo "link add fp$i type dummy"
	done | ip -n "$mem" -batch -
	read -r -a created <<<"$(pcpu_asked)"
	pa "$mem" all mode 2
	pn "$mem" all mode 2
	read -r -a written <<<"$(pcpu_asked)"
	pcpu_probe_stop

	[ "${created[0]}" != lost ] && [ "${created[0]}" -ge "$n" ]
	log_test $? "the probe saw the kernel's own per-CPU allocations for $n devices" \
		"(${created[0]})"
	check_eq "${created[1]}" 0 "$n devices created at mode 0: no per-CPU memory for the module"
	# Two blocks (ARP, NDP) of unsigned longs for each device and lo.
	block=$((2 * (n + 1)))
	[ "${written[0]}" != lost ] && [ "${written[1]}" -ge $((block * 8)) ] &&
		[ $((written[1] % block)) -eq 0 ]
	log_test $? "mode 2 in all: their counters come, $((written[1] / (n + 1))) bytes" \
		"per device per CPU (${written[1]} for $((n + 1)) devices)"
}

# The harness (lib.sh): a request that could not be sent is not an
# empty answer; finish fails the script on it.
test_ask_unsent() {
	check_match "$(answer "$lan" nosuch0 192.0.2.1 10.9.1.1)" "^not sent: arpq" \
		"answer: a request arpq could not send reads as not sent, not as no reply"
	check_eq "$(wc -l <"$ASK_ERRORS")" 1 "and is listed for finish to fail on"
	: >"$ASK_ERRORS"
}

require_root
require_cmd ip taskset
trap 'pcpu_probe_stop; cleanup' EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_header
test_counts
test_cpus
test_lifetime
test_footprint
test_ask_unsent
finish
