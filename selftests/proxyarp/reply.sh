#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's reply is the kernel's, byte for byte, however it is
# built: in the request's own buffer (nothing else holds it), from a new
# buffer (arp_create(), when a packet tap on the device holds a clone of
# the request), after honor_proxy_delay's wait, and back through a
# collect_md tunnel, which sends only what carries the tunnel metadata
# the reply is given from the request's (arp_process()'s
# iptunnel_metadata_reply()).  Which way was taken is seen, not
# assumed: bpftrace counts arp_create() calls in the node.
#
#  lan                                  node
#  vl0 (192.0.2.1/24) -------------- vlan0 (192.0.2.254/24)
#  vxl (10.20.0.1/24): vxlan id 42    vx0 (10.20.0.254/24): vxlan external
#      to 192.0.2.254 over vl0       d0 (dummy): 10.9.0.0/16

source "$(dirname "$0")/lib.sh"

node="" lan="" tap_pid="" bt_pid=""

setup() {
	setup_ns node lan || return 1
	link_pair "$node" "$lan" || return 1
	ip -n "$node" addr add 192.0.2.254/24 dev vlan0
	add_dummy "$node" d0 10.9.0.0/16
	ip -n "$lan" addr add 192.0.2.1/24 dev vl0
	setup_tunnel
}

# The tunnel carries the test's requests and answers only: no IPv6 on
# it, and the underlay's neighbours permanent, so that no ARP of the
# kernel's own (an arp_create() in either namespace) comes with them.
setup_tunnel() {
	ip -n "$node" link add vx0 type vxlan external dstport 4789 || return 1
	ip -n "$lan" link add vxl type vxlan id 42 remote 192.0.2.254 \
		local 192.0.2.1 dstport 4789 dev vl0 || return 1
	ipv6 "$node" vx0 disable_ipv6 1
	ipv6 "$lan" vxl disable_ipv6 1
	ip -n "$node" neigh replace 192.0.2.1 dev vlan0 nud permanent \
		lladdr "$(mac_of "$lan" vl0)"
	ip -n "$lan" neigh replace 192.0.2.254 dev vl0 nud permanent \
		lladdr "$(mac_of "$node" vlan0)"
	ip -n "$node" addr add 10.20.0.254/24 dev vx0
	ip -n "$lan" addr add 10.20.0.1/24 dev vxl
	ip -n "$node" link set vx0 up
	ip -n "$lan" link set vxl up
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vx0/proxy_delay'
}

# The asker: a broadcast request of 60 bytes (padded, as on the wire)
# from vl0, and the whole frame of the first reply for the target, in
# hexadecimal ("" when none came within a second).  Then a packet tap
# for the node's vlan0: a socket that takes every frame, so that the
# stack clones each request for it, and never reads, so that the clone
# is still queued, and the request still cloned, when the hook runs.
write_helpers() {
	cat >"$TMPDIR/ask.py" <<'EOF'
import socket, struct, sys, time
dev, sip, tip = sys.argv[1:4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind((dev, 0))
mac = s.getsockname()[4]
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac,
                  socket.inet_aton(sip), b"\0" * 6, socket.inet_aton(tip))
s.send(b"\xff" * 6 + mac + b"\x08\x06" + arp + b"\0" * 18)
end = time.time() + 1
s.settimeout(0.2)
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\0\x02" \
            and f[28:32] == socket.inet_aton(tip):
        print(f.hex())
        break
EOF
	cat >"$TMPDIR/tap.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((sys.argv[1], 0))
open(sys.argv[2], "w").close()
while True:
    time.sleep(60)
EOF
}

frame() { # TARGET
	ip netns exec "$lan" python3 "$TMPDIR/ask.py" vl0 192.0.2.1 "$1"
}

# The same through the tunnel: asked on vxl, answered to vxl.
frame_vx() { # TARGET
	ip netns exec "$lan" python3 "$TMPDIR/ask.py" vxl 10.20.0.1 "$1"
}

# The frames vx0 received (decapsulated requests, each with its tunnel
# metadata).
vx0_rx() {
	ip netns exec "$node" cat /sys/class/net/vx0/statistics/rx_packets
}

tap_start() {
	rm -f "$TMPDIR/tapping"
	ip netns exec "$node" python3 "$TMPDIR/tap.py" vlan0 "$TMPDIR/tapping" &
	tap_pid=$!
	busywait 10000 test -e "$TMPDIR/tapping"
}

tap_stop() {
	[ -n "$tap_pid" ] || return 0
	kill "$tap_pid" 2>/dev/null
	wait "$tap_pid" 2>/dev/null
	tap_pid=""
}

# bpftrace prints a line per arp_create() call; one that does not attach
# is stopped by bpftrace_start.
bt_start() {
	# shellcheck disable=SC2016 # bpftrace's own syntax
	bpftrace_start "$TMPDIR/bt" -e 'kprobe:arp_create { printf("create\n"); }
		tracepoint:signal:signal_generate /args->sig == 28/ { printf("mark\n"); }' &&
		bt_pid=$BPFTRACE_PID
}

creates() {
	grep -c '^create$' "$TMPDIR/bt"
}

# shellcheck disable=SC2317 # called through busywait
marks_reach() { # N
	[ "$(grep -c '^mark$' "$TMPDIR/bt")" -ge "$1" ]
}

# creates_now: the count, once bpftrace has printed every call made so
# far: its output lags, but it reads each CPU's events in order, so a
# mark made on every CPU (a SIGWINCH a shell there sends itself, which
# its other probe prints: signal_generate, not the kill(2) syscall's
# tracepoint, which the debug kernel lacks), once printed, comes after
# them.  "silent" if the marks never come.
creates_now() {
	local marks cpu ncpu

	marks=$(grep -c '^mark$' "$TMPDIR/bt")
	ncpu=$(nproc)
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		# shellcheck disable=SC2016 # the inner shell's own pid
		taskset -c "$cpu" sh -c 'kill -WINCH $$' 2>/dev/null
	done
	if busywait 30000 marks_reach $((marks + ncpu)); then
		creates
	else
		echo silent
	fi
}

test_replies() {
	local kernel kernel_vx inplace tapped delayed tunnel n rx

	module_unload
	ipv4 "$node" vlan0 proxy_arp 1
	kernel=$(frame 10.9.1.1)
	check_match "$kernel" '^[0-9a-f]{84}$' "the kernel answers (42 bytes)"
	ipv4 "$node" vlan0 proxy_arp 0
	ipv4 "$node" vx0 proxy_arp 1
	kernel_vx=$(frame_vx 10.9.1.1)
	check_match "$kernel_vx" '^[0-9a-f]{84}$' "the kernel answers through the collect_md tunnel"
	ipv4 "$node" vx0 proxy_arp 0
	module_load || return
	pa "$node" vlan0 mode 1
	pa "$node" vx0 mode 1
	if ! bt_start; then
		sed 's/^/# /' "$TMPDIR/bt"
		log_test 1 "bpftrace attaches to arp_create"
		return
	fi

	n=$(creates)
	inplace=$(frame 10.9.1.1)
	check_eq "$inplace" "$kernel" "the module's reply, nothing else holding the request: the kernel's"
	check_eq "$(creates_now)" "$n" "built in the request's buffer: no arp_create()"

	tap_start || { log_test 1 "the packet tap starts"; return; }
	n=$(creates)
	tapped=$(frame 10.9.1.1)
	check_eq "$tapped" "$kernel" "with a packet tap on vlan0 (the request cloned): the kernel's"
	check_eq "$(creates_now)" "$((n + 1))" "built by arp_create()"
	tap_stop

	ip netns exec "$node" sh -c 'echo 5 >/proc/sys/net/ipv4/neigh/vlan0/proxy_delay'
	pa "$node" vlan0 honor_proxy_delay 1
	n=$(creates)
	delayed=$(frame 10.9.1.1)
	check_eq "$delayed" "$kernel" "after honor_proxy_delay's wait: the kernel's"
	check_eq "$(creates_now)" "$n" "built in the queued request's buffer"
	pa "$node" vlan0 honor_proxy_delay 0
	ip netns exec "$node" sh -c 'echo 0 >/proc/sys/net/ipv4/neigh/vlan0/proxy_delay'

	n=$(creates)
	rx=$(vx0_rx)
	tunnel=$(frame_vx 10.9.1.1)
	check_eq "$(($(vx0_rx) - rx))/$(counter "$node" vx0 reply)" "1/1" \
		"through the tunnel: vx0 received the request alone, the module answered it"
	check_eq "$tunnel" "$kernel_vx" "back through the tunnel (its metadata kept): the kernel's"
	check_eq "$(creates_now)" "$((n + 1))" \
		"built by arp_create() (a request with tunnel metadata)"

	bpftrace_stop "$bt_pid"
	bt_pid=""
}

require_root
require_cmd ip python3 bpftrace
TMPDIR=$(mktemp -d)
write_helpers
trap 'tap_stop; [ -z "$bt_pid" ] || kill "$bt_pid"; cleanup; rm -rf "$TMPDIR"' EXIT
module_unload
setup || exit "$ksft_fail"
test_replies
finish
