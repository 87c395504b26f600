#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the proxyarp selftests, after
# tools/testing/selftests/net/lib.sh: namespaces made and removed for
# each script, log_test with TAP output, polling instead of sleeping.

# shellcheck disable=SC2034 # the exit codes are for the scripts
ksft_pass=0
ksft_fail=1
ksft_skip=4

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROXYARP_KO=${PROXYARP_KO:-$TOP/.build/$(uname -r)/module/proxyarp.ko}
ARPQ=${ARPQ:-$TOP/tools/arpq}
NDPQ=${NDPQ:-$TOP/tools/ndpq}
NDPFLOOD=${NDPFLOOD:-$TOP/tools/ndpflood}
# The counters file counter and counter_row read: NDP tests set
# /proc/net/stat/proxyndp.
COUNTERS=${COUNTERS:-/proc/net/stat/proxyarp}
TRACEFS=/sys/kernel/tracing
# How long bpftrace may take to attach (ms): tens of seconds under TCG,
# more than two minutes once on the debug kernel (sysctl.sh, 2026-12-02).
BPFTRACE_WAIT_MS=${PROXYARP_BPFTRACE_WAIT_MS:-600000}
# And how long it may take to exit after SIGINT (ms).
BPFTRACE_STOP_MS=${PROXYARP_BPFTRACE_STOP_MS:-60000}
UAPI=$TOP/include/uapi/linux/proxyarp.h
# ask and ask6 listen ASK_WAIT_MS (default 300) after the request; when
# no answer came by then, up to ASK_LATE_MS after it for a first one (a
# stalled guest's), then ASK_WAIT_MS more for its duplicates.  An answer
# costs what it did; "no answer" costs ASK_LATE_MS.
ASK_LATE_MS=${PROXYARP_ASK_LATE_MS:-1500}

ret=$ksft_pass
ntest=0
# One line per ask or ask6 whose request was not sent (the tool failed,
# or sent nothing): finish fails the script on any, whatever the check
# that used the answer concluded.
ASK_ERRORS=$(mktemp /tmp/proxyarp-ask.XXXXXX)
NS_LIST=()
TRACE_INSTANCE=

log_test() {
	local rc=$1
	shift

	ntest=$((ntest + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $ntest $*"
	else
		echo "not ok $ntest $*"
		ret=$ksft_fail
	fi
}

log_skip() {
	ntest=$((ntest + 1))
	echo "ok $ntest # SKIP $*"
}

# check_eq GOT WANT DESCRIPTION
check_eq() {
	local got=$1 want=$2

	shift 2
	if [ "$got" = "$want" ]; then
		log_test 0 "$*"
	else
		echo "# got '$got', want '$want'"
		log_test 1 "$*"
	fi
}

# check_match TEXT EXTENDED-REGEX DESCRIPTION
check_match() {
	local text=$1 re=$2

	shift 2
	if grep -qE -- "$re" <<<"$text"; then
		log_test 0 "$*"
	else
		echo "# '$text' does not match /$re/"
		log_test 1 "$*"
	fi
}

# The command bpftrace runs (-c) once every probe is attached: a tail
# that exits with this script.  Its "Attaching N probes" line can come
# before they are (defences.sh saw nothing of a request sent after it,
# 6.12, CI, 2026-12-07).
BPFTRACE_READY="/usr/bin/tail --pid=$$ -f /dev/null"

# bpftrace_attached PID: wait until the bpftrace of PID, run with -c
# "$BPFTRACE_READY", has attached every probe; false if it exited first
# or took longer than BPFTRACE_WAIT_MS.
bpftrace_attached() {
	busywait "$BPFTRACE_WAIT_MS" eval "pgrep -P $1 -x tail >/dev/null ||
		! kill -0 $1 2>/dev/null"
	pgrep -P "$1" -x tail >/dev/null
}

# bpftrace_start OUT BPFTRACE-ARGS...: start bpftrace in the background,
# its output to OUT and its pid in BPFTRACE_PID, and wait until every
# probe is attached.  One that does not attach is stopped.
bpftrace_start() {
	local out=$1

	shift
	bpftrace -B line -c "$BPFTRACE_READY" "$@" >"$out" 2>&1 &
	BPFTRACE_PID=$!
	bpftrace_attached "$BPFTRACE_PID" && return 0
	bpftrace_stop "$BPFTRACE_PID"
	return 1
}

# bpftrace_stop PID: stop a bpftrace started in the background, as
# ^C would (it detaches and prints what it holds), and wait for it; one
# that has not exited BPFTRACE_STOP_MS after the SIGINT is killed, and
# a line says so.  An unbounded wait here once held sysctl.sh until
# run.sh's timeout killed the script after its last check (6.1, CI,
# 2026-12-02).  SIGINT alone: bpftrace takes a second signal once it
# prints what it holds, and dies of it.  It kills its -c child itself.
bpftrace_stop() {
	local pid=$1

	kill -INT "$pid" 2>/dev/null
	if ! busywait "$BPFTRACE_STOP_MS" eval "! kill -0 $pid 2>/dev/null"; then
		echo "# bpftrace (pid $pid) still running $((BPFTRACE_STOP_MS / 1000)) s after SIGINT: killed"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# busywait TIMEOUT_MS COMMAND...: run COMMAND until it succeeds.
busywait() {
	local timeout=$1 start

	shift
	start=$(date +%s%3N)
	until "$@"; do
		if [ $(($(date +%s%3N) - start)) -ge "$timeout" ]; then
			return 1
		fi
		sleep 0.05
	done
}

# setup_ns VAR...: create a namespace for each VAR, named uniquely.
setup_ns() {
	local var name

	for var in "$@"; do
		name=$var-$(mktemp -u XXXXXX)
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		NS_LIST+=("$name")
		printf -v "$var" '%s' "$name"
	done
}

# no_dad NS...: no duplicate address detection in each NS, for devices
# made from now on, so that their addresses are usable at once.
no_dad() {
	local ns

	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
}

cleanup_ns() {
	local ns

	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
}

cleanup() {
	cleanup_ns
	rm -f "$ASK_ERRORS"
	if [ -n "$TRACE_INSTANCE" ]; then
		echo 0 >"$TRACE_INSTANCE/events/proxyarp/enable" 2>/dev/null
		rmdir "$TRACE_INSTANCE" 2>/dev/null
	fi
}

# Scripts call this last: exit with the kselftest code.
finish() {
	if [ -s "$ASK_ERRORS" ]; then
		sed 's/^/# not sent: /' "$ASK_ERRORS"
		log_test 1 "every request asked was sent"
	fi
	rm -f "$ASK_ERRORS"
	echo "1..$ntest"
	exit "$ret"
}

require_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "# SKIP: must run as root"
		exit "$ksft_skip"
	fi
}

# missing WHAT: what the script needs is not there: a skip, but a
# failure under make check (PROXYARP_NO_SKIP=1), which installs or
# unpacks all of it.
missing() {
	if [ "${PROXYARP_NO_SKIP:-0}" = 1 ]; then
		echo "# $*, and make check provides it: a failure"
		exit "$ksft_fail"
	fi
	echo "# SKIP: $*"
	exit "$ksft_skip"
}

# skip_tool WHAT: a check needs a tool that is not there: skipped when
# run by hand, failed under make check, which installs it.
skip_tool() {
	if [ "${PROXYARP_NO_SKIP:-0}" = 1 ]; then
		log_test 1 "$*, and make check installs it"
	else
		log_skip "$*"
	fi
}

require_cmd() {
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" >/dev/null || missing "$cmd not found"
	done
}

module_loaded() {
	[ -d /sys/module/proxyarp ]
}

# Load the module under test unless it is loaded already.
module_load() {
	module_loaded && return 0
	if [ ! -r "$PROXYARP_KO" ]; then
		echo "# no module at $PROXYARP_KO (build it, or set PROXYARP_KO)"
		return 1
	fi
	insmod "$PROXYARP_KO"
}

module_unload() {
	module_loaded || return 0
	rmmod proxyarp
}

# link_pair NODE LAN [DEV PEER]: the node's DEV (vlan0) and the LAN's
# PEER (vl0), a veth pair, both up; forwarding on in NODE and DEV's
# proxy_delay 0, so the kernel's own answers, where a test wants them,
# come at once.
link_pair() {
	local node=$1 lan=$2 dev=${3:-vlan0} peer=${4:-vl0}

	ip -n "$node" link add "$dev" type veth peer name "$peer" netns "$lan" ||
		return 1
	ip -n "$lan" link set "$peer" up
	ip -n "$node" link set "$dev" up
	ipv4 "$node" all forwarding 1
	ip netns exec "$node" bash -c "echo 0 >/proc/sys/net/ipv4/neigh/$dev/proxy_delay"
}

# add_dummy NS DEV [ROUTE]: a dummy device, up, and ROUTE through it.
add_dummy() {
	ip -n "$1" link add "$2" type dummy || return 1
	ip -n "$1" link set "$2" up
	[ -z "${3:-}" ] || ip -n "$1" route add "$3" dev "$2"
}

# pa NS DEV KNOB [VALUE]: read or write net.proxyarp.conf.DEV.KNOB in NS.
pa() {
	local f=/proc/sys/net/proxyarp/conf/$2/$3

	if [ $# -eq 4 ]; then
		ip netns exec "$1" bash -c "echo '$4' >$f" 2>/dev/null
	else
		ip netns exec "$1" cat "$f"
	fi
}

# pn NS DEV KNOB [VALUE]: read or write net.proxyndp.conf.DEV.KNOB in NS.
pn() {
	local f=/proc/sys/net/proxyndp/conf/$2/$3

	if [ $# -eq 4 ]; then
		ip netns exec "$1" bash -c "echo '$4' >$f" 2>/dev/null
	else
		ip netns exec "$1" cat "$f"
	fi
}

# ipv6 NS DEV KNOB VALUE: set net.ipv6.conf.DEV.KNOB in NS.
ipv6() {
	ip netns exec "$1" bash -c "echo '$4' >/proc/sys/net/ipv6/conf/$2/$3"
}

# asked RC OUTPUT WHAT...: the reply lines of arpq's or ndpq's OUTPUT
# (exit status RC); when the tool failed or sent nothing, a line saying
# so instead, which no check expects, and one in ASK_ERRORS.  Its status
# is 0 when a reply came, as grep's.
asked() {
	local rc=$1 out=$2

	shift 2
	if [ "$rc" -ne 0 ] || ! grep -qE '^sent [1-9]' <<<"$out"; then
		echo "$* (exit $rc): $(tail -n 1 <<<"$out")" >>"$ASK_ERRORS"
		echo "not sent: $*"
		return 2
	fi
	grep '^reply' <<<"$out"
}

# ask6 NS DEV SOURCE TARGET [NDPQ OPTIONS...]: the advertisements, one
# line each: "reply TARGET from SRC to DST hlim=H flags=RSO tllao=MAC
# us=DELAY".
ask6() {
	local ns=$1 dev=$2 src=$3 target=$4 out rc

	shift 4
	out=$(ip netns exec "$ns" "$NDPQ" -i "$dev" -s "$src" -w "${ASK_WAIT_MS:-300}" \
		-W "$ASK_LATE_MS" "$@" "$target" 2>&1)
	rc=$?
	asked "$rc" "$out" "ndpq -i $dev -s $src $* $target in $ns"
}

# send_na NS DEV TARGET MAC [HLIM [NONCE [FROM]]]: an unsolicited
# Neighbor Advertisement for TARGET from DEV in NS, as an owner announces
# itself: from TARGET to all nodes, hop limit HLIM (255), Override set,
# MAC in the target link-layer option and as the frame's source (FROM
# when given); with NONCE 1, a nonce option (RFC 3971) before the
# link-layer one.  A raw frame, whatever DEV's addresses, sent from CPU 0.
send_na() {
	ip netns exec "$1" taskset -c 0 python3 - "$2" "$3" "$4" "${5:-255}" "${6:-0}" "${7:-$4}" <<-'EOF'
	import socket, struct, sys, ipaddress
	tgt = ipaddress.IPv6Address(sys.argv[2]).packed
	mac = bytes.fromhex(sys.argv[3].replace(":", ""))
	hlim, nonce = int(sys.argv[4]), sys.argv[5] == "1"
	src = bytes.fromhex(sys.argv[6].replace(":", ""))
	dst = ipaddress.IPv6Address("ff02::1").packed
	icmp = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + tgt
	if nonce:
	    icmp += b"\x0e\x01" + b"\x5a" * 6
	icmp += b"\x02\x01" + mac
	ph = tgt + dst + struct.pack("!I3xB", len(icmp), 58)
	s = sum(struct.unpack("!%dH" % ((len(ph) + len(icmp)) // 2), ph + icmp))
	while s >> 16:
	    s = (s & 0xffff) + (s >> 16)
	icmp = icmp[:2] + struct.pack("!H", ~s & 0xffff) + icmp[4:]
	ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, hlim) + tgt + dst
	sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	sock.bind((sys.argv[1], 0))
	sock.send(b"\x33\x33\x00\x00\x00\x01" + src + b"\x86\xdd" + ip6 + icmp)
	EOF
}

# hex6 ADDRESS: the address as one hexadecimal number, for nft's raw
# payload matches (@th,64,128 is a solicitation's or advertisement's
# target).
hex6() {
	python3 -c 'import ipaddress, sys; print("0x" + ipaddress.IPv6Address(sys.argv[1]).packed.hex())' "$1"
}

# The package's udev rule (boot.sh, calico.sh).
RULES=$TOP/packaging/udev/60-proxyarp.rules

# rule_cmd SUBSYSTEM NAME: the command the rule for SUBSYSTEM runs,
# with $name replaced by NAME.
rule_cmd() {
	sed -n "s/.*SUBSYSTEM==\"$1\".*RUN+=\"\([^\"]*\)\".*/\1/p" "$RULES" |
		sed "s/\\\$name/$2/g"
}

# ipv4 NS DEV KNOB VALUE: set net.ipv4.conf.DEV.KNOB in NS.
ipv4() {
	ip netns exec "$1" bash -c "echo '$4' >/proc/sys/net/ipv4/conf/$2/$3"
}

# ask NS DEV SIP TARGET [ARPQ OPTIONS...]: the replies, one line each:
# "reply TARGET is-at MAC us=DELAY".
ask() {
	local ns=$1 dev=$2 sip=$3 tip=$4 out rc

	shift 4
	out=$(ip netns exec "$ns" "$ARPQ" -i "$dev" -s "$sip" -w "${ASK_WAIT_MS:-300}" \
		-W "$ASK_LATE_MS" "$@" "$tip" 2>&1)
	rc=$?
	asked "$rc" "$out" "arpq -i $dev -s $sip $* $tip in $ns"
}

# tally NS DEV [ARPQ OPTIONS...]: arpq's count of a batch (-q -t), as
# "SENT REPLIES MS".
tally() {
	local ns=$1 dev=$2

	shift 2
	ip netns exec "$ns" "$ARPQ" -i "$dev" -q -t "$@" |
		awk '$1 == "time" { ms = $2 } $1 == "sent" { print $2, $4, ms }'
}

# ask_count NS DEV SIP [ARPQ OPTIONS...] TARGET...: arpq's summary of
# the batch, "sent N replies M".
ask_count() {
	local ns=$1 dev=$2 sip=$3

	shift 3
	ip netns exec "$ns" "$ARPQ" -i "$dev" -s "$sip" -q "$@" | tail -n 1
}

# answer NS DEV SIP TARGET: the MACs that answered, space separated (or
# ask's line that the request was not sent).
answer() {
	ask "$@" | awk '$1 == "reply" { print $4; next } { print }' | xargs
}

mac_of() {
	ip -n "$1" -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# Decision events go to a tracefs instance of the script's own.
trace_start() {
	if [ ! -d "$TRACEFS/events/proxyarp" ]; then
		echo "# no proxyarp tracepoint in $TRACEFS"
		return 1
	fi
	if [ -z "$TRACE_INSTANCE" ]; then
		mkdir "$TRACEFS/instances/proxyarp-$$" || return 1
		# The storm guard's clock (ktime_get_mono_fast_ns()).
		echo mono >"$TRACEFS/instances/proxyarp-$$/trace_clock" ||
			{ rmdir "$TRACEFS/instances/proxyarp-$$"; return 1; }
		TRACE_INSTANCE=$TRACEFS/instances/proxyarp-$$
	fi
	echo 0 >"$TRACE_INSTANCE/events/proxyarp/enable"
	echo >"$TRACE_INSTANCE/trace"
	echo 1 >"$TRACE_INSTANCE/events/proxyarp/enable"
}

# The decision lines traced since trace_start, "dev=..." onwards.
trace_lines() {
	sed -n 's/.*proxyarp_decision: //p' "$TRACE_INSTANCE/trace"
}

# The same for NDP: proxyndp_decision's lines.
trace_lines6() {
	sed -n 's/.*proxyndp_decision: //p' "$TRACE_INSTANCE/trace"
}

# The announcements traced, both families', "dev=..." onwards.
announce_lines() {
	sed -n 's/.*proxy\(arp\|ndp\)_announce: //p' "$TRACE_INSTANCE/trace"
}

# trace_stamped: trace_lines, each after its time stamp in seconds (by
# the instance's clock, mono: the storm guard's own).
trace_stamped() {
	awk '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = $i + 0; break }
		if (sub(/.*proxyarp_decision: /, ""))
			printf "%.6f %s\n", t, $0
	}' "$TRACE_INSTANCE/trace"
}

# reason6_of TARGET: the reason traced for the last solicitation for TARGET.
reason6_of() {
	trace_lines6 | grep "target=$1 " | tail -n 1 |
		sed -n 's/.* reason=\([a-z_]*\).*/\1/p'
}

# trace6_of TARGET: the last decision line traced for TARGET.
trace6_of() {
	trace_lines6 | grep "target=$1 " | tail -n 1
}

# reason_of TARGET: the reason traced for the last request for TARGET.
reason_of() {
	trace_lines | grep "tip=$1 " | tail -n 1 |
		sed -n 's/.* reason=\([a-z_]*\).*/\1/p'
}

# family_reasons ARP|NDP: the reasons of the family, as the uapi header
# lists them (a reason marked for the other family is left out), in
# order, lower case, on one line.
family_reasons() {
	local other

	other=$([ "$1" = ARP ] && echo NDP || echo ARP)
	awk -v other="($other)" '
		/\/\*/ { comment = $0 }
		/^[[:space:]]*PROXYARP_REASON_[A-Z_]* = [0-9]*,/ {
			if (index(comment, other) == 0) {
				sub(/^[[:space:]]*PROXYARP_REASON_/, "")
				sub(/ = .*/, "")
				print tolower($0)
			}
		}' "$UAPI" | xargs
}

# enum_value NAME: the value of an enumerator in the uapi header.
enum_value() {
	sed -n "s/^[[:space:]]*$1 = \([0-9]*\),.*/\1/p" "$UAPI"
}

# conf_dirs NS [TREE]: the directories of /proc/sys/net/TREE/conf in NS
# (TREE: proxyarp, or proxyndp), sorted, on one line.
conf_dirs() {
	ip netns exec "$1" ls "/proc/sys/net/${2:-proxyarp}/conf" | LC_ALL=C sort | xargs
}

# allmulti NS DEV: 1 when DEV is in allmulticast mode (IFF_ALLMULTI in
# its flags, which counts every holder), else 0.
allmulti() {
	local flags

	flags=$(ip netns exec "$1" cat "/sys/class/net/$2/flags") || return 1
	echo $(((flags & 0x200) != 0))
}

# counter_row NS ROW: ROW's line of $COUNTERS in NS as
# "mode=M" then "column=value" for every counter that is not zero, in
# header order; nothing when ROW has no line.
counter_row() {
	ip netns exec "$1" cat "$COUNTERS" | awk -v row="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) name[i] = $i; next }
		$1 == row {
			s = "mode=" $2
			for (i = 3; i <= NF; i++)
				if ($i != 0)
					s = s " " name[i] "=" $i
			print s
		}'
}

# counter NS ROW COLUMN: a counter of $COUNTERS in NS, found
# by the header's column names; ROW is "all" or a device.  Prints
# nothing when ROW has no line.
counter() {
	ip netns exec "$1" cat "$COUNTERS" | awk -v row="$2" -v col="$3" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$1 == row { print $idx[col] }'
}
