#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tools/proxyarp-metrics: the counters of both families in the
# Prometheus text format, the exact counts of a known sequence of
# requests (counters.sh's, and NDP's), every reason of a family listed
# with zeros, the mode gauges, the loaded module's build_info, namespaces
# by name and with -a, the atomic -o file, and promtool's check of the
# whole exposition.  Then the package's proxyarp-metrics.service and
# timer, sandboxed as they ship, run by the root's own systemd
# (test_unit).
#
#  lan               node
# +---------+      +-----------------------------------------------+
# | vl0     |------| vlan0 (ARP mode 1, NDP mode 1) 2001:db8:1::1   |
# | vl1     |------| vlan1 (ARP mode 2, audit)                     |
# +---------+      | d0 (dummy): 10.9.0.0/16, 2001:db8:9::/64       |
#                  | up0 (dummy): the default routes               |
#                  +-----------------------------------------------+

source "$(dirname "$0")/lib.sh"

METRICS=$TOP/tools/proxyarp-metrics
PROMTOOL=${PROXYARP_PROMTOOL:-$(command -v promtool)}
node="" lan=""

setup() {
	setup_ns node lan || return 1
	no_dad "$node" "$lan"
	link_pair "$node" "$lan" vlan0 vl0 || return 1
	link_pair "$node" "$lan" vlan1 vl1 || return 1
	add_dummy "$node" d0 10.9.0.0/16
	add_dummy "$node" up0 default
	ipv6 "$node" all forwarding 1
	ip -n "$node" addr add 2001:db8:1::1/64 dev vlan0 nodad
	ip -n "$lan" addr add 2001:db8:1::2/64 dev vl0 nodad
	# The LAN's reachability probe of the node's address, five seconds
	# after the node's own probe taught it that address, would be one
	# more decision (local): none while the test runs.
	ip netns exec "$lan" sysctl -qw net.ipv6.neigh.vl0.delay_first_probe_time=3600
	ip -n "$node" -6 route add 2001:db8:9::/64 dev d0
	ip -n "$node" -6 route add default dev up0
	pa "$node" vlan0 mode 1
	pa "$node" vlan1 mode 2
	pn "$node" vlan0 mode 1
}

send6() {
	ip netns exec "$lan" "$NDPQ" -i vl0 -s 2001:db8:1::2 -w 300 "$@" | tail -n 1
}

# series NAME [LABEL-MATCH]: the lines of $out for a metric, sorted,
# those whose labels contain LABEL-MATCH.
series() {
	grep "^$1{" <<<"$out" | grep -F -- "${2:-}" | LC_ALL=C sort
}

# nonzero MATCH: "reason=value" for every decisions_total series of
# $out matching MATCH whose value is not 0, with its verdict.
nonzero() {
	series proxyarp_decisions_total "$1" | awk '$2 != 0 {
		match($1, /verdict="[a-z]*"/); v = substr($1, RSTART + 9, RLENGTH - 10)
		match($1, /reason="[a-z_]*"/); r = substr($1, RSTART + 8, RLENGTH - 9)
		print v "/" r "=" $2 }' | xargs
}

test_counts() {
	local n=netns=\"$node\"

	check_eq "$(ask_count "$lan" vl0 192.0.2.1 -f <(seq -f '10.9.1.%g' 1 5))" \
		"sent 5 replies 5" "vlan0: 5 proxied requests answered"
	check_eq "$(ask_count "$lan" vl0 192.0.2.1 203.0.113.1 203.0.113.2 203.0.113.3)" \
		"sent 3 replies 0" "vlan0: 3 requests through the default route refused"
	check_eq "$(ask_count "$lan" vl1 192.0.2.1 -f <(seq -f '10.9.2.%g' 1 4))" \
		"sent 4 replies 0" "vlan1 (audit): 4 requests, nothing sent"
	check_eq "$(send6 2001:db8:9::1 2001:db8:9::2)" "sent 2 replies 2" \
		"vlan0: 2 proxied solicitations answered"
	check_eq "$(send6 2001:db8:77::1)" "sent 1 replies 0" \
		"vlan0: 1 solicitation through the default route refused"

	out=$("$METRICS" "$node")
	log_test $? "proxyarp-metrics NETNS exits 0"
	check_eq "$(nonzero "$n,family=\"ipv4\",device=\"vlan0\"")" \
		"ignore/default_route=3 reply/proxied=5" "vlan0's ARP decisions, exactly"
	check_eq "$(nonzero "$n,family=\"ipv4\",device=\"vlan1\"")" \
		"reply/proxied=4" "vlan1's audit decisions count as replies"
	check_eq "$(nonzero "$n,family=\"ipv6\",device=\"vlan0\"")" \
		"ignore/default_route=1 reply/proxied=2" "vlan0's NDP decisions, exactly"
	check_eq "$(series proxyarp_decisions_total "$n,family=\"ipv4\",device=\"vlan0\"" | wc -l)" \
		"$(family_reasons ARP | wc -w)" "every ARP reason is a series, zeros included"
	check_eq "$(series proxyarp_decisions_total "$n,family=\"ipv6\",device=\"vlan0\"" | wc -l)" \
		"$(family_reasons NDP | wc -w)" "every NDP reason is a series, zeros included"
	check_eq "$(series proxyarp_decisions_total "$n" | grep -c 'device="all"')" "0" \
		"the namespace's sum is not a device"
	check_eq "$(series proxyarp_mode "$n" | paste -sd " ")" \
		"proxyarp_mode{$n,family=\"ipv4\",device=\"vlan0\"} 1 proxyarp_mode{$n,family=\"ipv4\",device=\"vlan1\"} 2 proxyarp_mode{$n,family=\"ipv6\",device=\"vlan0\"} 1" \
		"a mode gauge for each device the counters list"
	check_eq "$(series proxyarp_announcements_total "$n" | awk '{ print $2 }' | xargs)/$(series proxyarp_conflicts_total "$n" | wc -l)/$(series proxyarp_announcement_drops_total "$n" | wc -l)" \
		"0 0 0/3/3" "announcements, drops and conflicts: a series each per device the counters list"
	check_eq "$(series proxyarp_decisions_total "$n" | grep -c -e 'reason="announce' -e 'reason="conflict')" 0 \
		"the counters' last columns are not reasons"
	check_eq "$(grep -c '^proxyarp_module_loaded 1$' <<<"$out")" "1" "the module is loaded"
	check_eq "$(grep '^proxyarp_build_info' <<<"$out")" \
		"proxyarp_build_info{version=\"$(sed -n 's/^#define PROXYARP_VERSION "\(.*\)"$/\1/p' "$TOP/module/version.h")\",srcversion=\"$(modinfo -F srcversion "$PROXYARP_KO")\"} 1" \
		"build_info: one series, module/version.h's version, modinfo's srcversion of PROXYARP_KO"
	check_eq "$(grep -c -e '^# HELP proxyarp_build_info ' -e '^# TYPE proxyarp_build_info gauge$' <<<"$out")" \
		"2" "build_info: a HELP and a TYPE gauge line"

	if [ -x "$PROMTOOL" ]; then
		"$PROMTOOL" check metrics <<<"$out"
		log_test $? "promtool check metrics accepts the exposition"
	else
		skip_tool "promtool not found (set PROXYARP_PROMTOOL)"
	fi
}

test_namespaces() {
	local f

	out=$("$METRICS" "$node" "$lan")
	check_eq "$(series proxyarp_mode "netns=\"$lan\"" | wc -l)" "0" \
		"a namespace without modes has no device series"
	out=$("$METRICS" -a)
	check_eq "$(series proxyarp_mode "netns=\"$node\"" | wc -l)" "3" \
		"-a includes the namespaces under /run/netns"
	check_eq "$(grep -c '^# TYPE proxyarp_decisions_total counter$' <<<"$out")" "1" \
		"-a: one TYPE line per metric"
	out=$("$METRICS" "/run/netns/$node")
	check_eq "$(series proxyarp_mode "netns=\"/run/netns/$node\"" | wc -l)" "3" \
		"a namespace by the path of its file"
	"$METRICS" no-such-netns >/dev/null 2>&1
	check_eq "$?" "1" "an unknown namespace is an error"

	f=$(mktemp -d)
	"$METRICS" -o "$f/proxyarp.prom" "$node"
	check_eq "$?/$(find "$f" -mindepth 1 -printf "%f ")/$(stat -c %a "$f/proxyarp.prom")" "0/proxyarp.prom /644" \
		"-o writes the file, mode 644, and leaves no temporary"
	check_eq "$(grep -c '^proxyarp_mode{' "$f/proxyarp.prom")" "3" "-o: the whole exposition"
	"$METRICS" -o "$f/none/proxyarp.prom" >/dev/null 2>&1
	check_eq "$?" "1" "-o into a missing directory is an error"
	rm -rf "$f"

	module_unload
	out=$("$METRICS" "$node")
	check_eq "$?/$out" "0/# HELP proxyarp_module_loaded Whether the proxyarp module is loaded.
# TYPE proxyarp_module_loaded gauge
proxyarp_module_loaded 0" "the module not loaded: proxyarp_module_loaded 0, nothing else (no build_info)"
	module_load
}

# test_unit: the package's proxyarp-metrics.service, its sandbox as it
# ships, run by the guest root's own systemd (bookworm's 252, trixie's
# 257): PID 1 of new PID, mount, cgroup and UTS namespaces, a container
# to systemd, with a private /run (the test's units, /run/netns bound
# in), /tmp and /var/tmp, and its log in that systemd's journald.  The
# unit file is the package's, unchanged; a drop-in points ExecStart= at
# the tree's tool and ARGS and ReadWritePaths= at a directory under /run
# (the root is read-only and has no /var/lib/prometheus/node-exporter:
# the "-" of the unit's ReadWritePaths= lets it start without one, as on
# a node without node_exporter).  Stubs stand for sysinit.target,
# basic.target and shutdown.target, the unit's default dependencies.
# The unit must write the node's series, by name and by /proc/PID/ns/net,
# and its own namespace's as init, and log nothing; then, one directive
# taken away or changed at a time, it must fail (no CAP_SYS_ADMIN, no
# CAP_SYS_PTRACE, no ReadWritePaths=) or log (LogLevelMax=info), or lose
# the tool's errors (SyslogLevel=info); last the timer must start it.
SD_PID="" SD_UNSHARE="" SD_DIR="" SD_CG="" SD_DUMMY=""
UNIT=$TOP/packaging/systemd/proxyarp-metrics.service
UNIT_OUT=/run/proxyarp-test/textfile
UNIT_ARGS="" UNIT_LOGGED=0 UNIT_RESULT=""

# The manager's PID 1 until it execs systemd: waits until unshare has
# left the cgroup that is the namespace's root ("moved": systemd would
# try to move every process there), mounts its cgroup2, its /run (by way
# of /mnt, the guest's /run, /tmp and /var/tmp taken away beneath), /tmp
# and /var/tmp, and a file for /dev/kmsg (systemd's log before journald,
# out of the guest's kernel log), makes /proc/sys read-only, as
# systemd-nspawn does, then execs systemd without CAP_SYS_MODULE: the
# guest's kernel keeps its settings (252 raises fs.file-max) and
# modules (252 loads autofs4 and more as it starts).
# shellcheck disable=SC2016 # expanded by that shell
SD_INIT='
	set -e
	dir=$1
	shift
	umount -n /sys/fs/cgroup
	mount -n -t cgroup2 cgroup2 /sys/fs/cgroup
	n=0
	until [ -e "$dir/moved" ]; do
		n=$((n + 1))
		[ "$n" -lt 1200 ] || { echo "sd-init: unshare still in the cgroup"; exit 1; }
		sleep 0.05
	done
	mount -n -t tmpfs -o mode=755 tmpfs "$dir/run"
	mkdir -p "$dir/run/netns" "$dir/run/proxyarp-test/textfile"
	mount -n --rbind /run/netns "$dir/run/netns"
	cp -r "$dir/units" "$dir/proxyarp-metrics" "$dir/run/proxyarp-test/"
	mount -n --bind "$dir/kmsg" /dev/kmsg
	mount -n --move "$dir/run" /mnt
	for d in /run /tmp /var/tmp; do
		umount -n -l "$d"
	done
	mount -n --move /mnt /run
	mount -n -t tmpfs -o mode=1777 tmpfs /tmp
	mount -n -t tmpfs -o mode=1777 tmpfs /var/tmp
	mount -n --bind /proc/sys /proc/sys
	mount -n -o remount,bind,ro /proc/sys
	exec setpriv --bounding-set=-sys_module -- env -i container=proxyarp-test \
		SYSTEMD_UNIT_PATH=/run/proxyarp-test/units "$@"
'

# sd COMMAND...: COMMAND in the manager's mount and PID namespaces.
sd() {
	nsenter -t "$SD_PID" -m -p -- "$@"
}

# shellcheck disable=SC2317 # called through busywait
sd_child() {
	SD_PID=$(pgrep -P "$SD_UNSHARE")
}

# shellcheck disable=SC2317 # called through busywait
sd_running() {
	case $(sd systemctl is-system-running 2>/dev/null) in
	running|degraded) return 0 ;;
	esac
	return 1
}

# sd_start: the manager, and its journald, running.
sd_start() {
	local units u

	SD_DIR=$(mktemp -d /tmp/proxyarp-sd.XXXXXX) || return 1
	units=$SD_DIR/units
	mkdir -p "$SD_DIR/run" "$units/proxyarp-metrics.service.d" || return 1
	for u in sysinit.target basic.target shutdown.target; do
		printf '[Unit]\nDefaultDependencies=no\n' >"$units/$u"
	done
	printf '[Unit]\nDefaultDependencies=no\nWants=systemd-journald.service\n' \
		>"$units/proxyarp-test.target"
	cp /lib/systemd/system/systemd-journald.service \
		/lib/systemd/system/systemd-journald.socket "$units/" || return 1
	cp "$UNIT" "$units/proxyarp-metrics.service" || return 1
	cp "$METRICS" "$SD_DIR/proxyarp-metrics" || return 1
	cat >"$units/proxyarp-metrics.service.d/10-test.conf" <<-EOF
	[Service]
	ExecStart=
	ExecStart=/run/proxyarp-test/proxyarp-metrics \$ARGS
	ReadWritePaths=$UNIT_OUT
	EOF
	: >"$SD_DIR/kmsg"
	SD_CG=/sys/fs/cgroup/proxyarp-test-$$
	mkdir "$SD_CG" || return 1
	(
		echo "$BASHPID" >"$SD_CG/cgroup.procs" || exit 1
		exec unshare --pid --mount --cgroup --uts --fork --mount-proc \
			--propagation private -- bash -c "$SD_INIT" sd-init "$SD_DIR" \
			/lib/systemd/systemd --log-target=journal-or-kmsg --log-level=info --show-status=no \
			--unit=proxyarp-test.target
	) >"$SD_DIR/init.log" 2>&1 &
	SD_UNSHARE=$!
	busywait 60000 sd_child || return 1
	echo "$SD_UNSHARE" >/sys/fs/cgroup/cgroup.procs || return 1
	: >"$SD_DIR/moved"
	busywait 300000 sd_running
}

sd_stop() {
	[ -n "$SD_UNSHARE" ] || return 0
	[ -z "$SD_PID" ] || kill -KILL "$SD_PID" 2>/dev/null
	wait "$SD_UNSHARE" 2>/dev/null
	[ -z "$SD_CG" ] || find "$SD_CG" -depth -type d -exec rmdir {} + 2>/dev/null
	[ -z "$SD_DUMMY" ] || ip link del "$SD_DUMMY" 2>/dev/null
	rm -rf "$SD_DIR"
	SD_UNSHARE="" SD_PID="" SD_DIR=""
}

unit_prop() {
	sd systemctl show --property="$1" --value proxyarp-metrics.service
}

# unit_entries: the journal's entries of the unit, its own and the
# manager's about it, one a line: "PRIORITY MESSAGE".
unit_entries() {
	sd journalctl --sync
	sd journalctl --no-pager -q -u proxyarp-metrics.service -o json \
		--output-fields=PRIORITY,MESSAGE | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    print(e.get("PRIORITY"), str(e.get("MESSAGE")).replace("\n", " "))'
}

# unit_log: unit_entries since the last unit_run.
unit_log() {
	unit_entries | tail -n +"$((UNIT_LOGGED + 1))"
}

# unit_case [LINE...]: the drop-in 20-case.conf, holding ARGS=$UNIT_ARGS
# and LINEs ([Service] directives); the textfile directory emptied, and
# the journal's lines of the unit counted (unit_log shows those after).
unit_case() {
	UNIT_LOGGED=$(unit_entries | wc -l)
	{
		echo "[Service]"
		echo "Environment=\"ARGS=$UNIT_ARGS\""
		printf '%s\n' "$@"
	} >"/proc/$SD_PID/root/run/proxyarp-test/units/proxyarp-metrics.service.d/20-case.conf"
	rm -f "/proc/$SD_PID/root$UNIT_OUT"/* "/proc/$SD_PID/root$UNIT_OUT"/.proxyarp*
}

# unit_run [LINE...]: run the unit with the test's drop-in and unit_case's;
# UNIT_RESULT is then "RESULT/STATUS" (success/0).
# A oneshot's start returns once it has run (or failed); one that
# succeeded is unloaded then, its Result= and ExecMainStatus= with it,
# while a failed one keeps them.
unit_run() {
	local rc

	unit_case "$@"
	sd systemctl daemon-reload
	sd systemctl reset-failed proxyarp-metrics.service 2>/dev/null
	timeout 300 nsenter -t "$SD_PID" -m -p -- systemctl start proxyarp-metrics.service 2>/dev/null
	rc=$?
	case $rc in
	0) UNIT_RESULT=success/0 ;;
	124) UNIT_RESULT="timeout" ;;
	*) UNIT_RESULT="$(unit_prop Result)/$(unit_prop ExecMainStatus)" ;;
	esac
}

# unit_dir: the files of the textfile directory, on one line.
unit_dir() {
	find "/proc/$SD_PID/root$UNIT_OUT" -mindepth 1 -printf "%f\n" | sort | xargs
}

# unit_file: the textfile the unit wrote.
unit_file() {
	cat "/proc/$SD_PID/root$UNIT_OUT/proxyarp.prom" 2>/dev/null
}

test_unit() {
	local got pid out log

	if [ ! -x /lib/systemd/systemd ] || [ ! -e /lib/systemd/system/systemd-journald.service ] ||
	   [ ! -e /sys/fs/cgroup/cgroup.procs ]; then
		skip_tool "no systemd, or no cgroup2: the unit not run"
		return
	fi
	trap 'sd_stop; cleanup' EXIT
	# Series in each namespace: the tool's own (init, a dummy there),
	# the node's by name (-a) and by a process's file.
	SD_DUMMY=pa-unit$$
	ip link add "$SD_DUMMY" type dummy &&
		echo 1 >"/proc/sys/net/proxyarp/conf/$SD_DUMMY/mode"
	pa "$node" vlan0 mode 1
	sd_start
	log_test $? "systemd $(/lib/systemd/systemd --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') runs as PID 1 of its own namespaces"
	if [ -z "$SD_PID" ] || ! sd_running; then
		sed 's/^/# /' "$SD_DIR/init.log" "$SD_DIR/kmsg"
		[ -z "$SD_PID" ] || sd systemctl list-jobs --no-pager 2>&1 | sed 's/^/# /'
		sd_stop
		trap cleanup EXIT
		return
	fi
	# A process in the node's namespace, in the manager's PID namespace:
	# its /proc/PID/ns/net, as a container's would be named.
	# (nsenter itself, not sd: no shell is left to report its end.)
	(nsenter -t "$SD_PID" -m -p -- sh -c \
		"echo \$\$ >/run/proxyarp-test/sleeper; exec nsenter --net=/run/netns/$node sleep 3600" &)
	busywait 60000 test -s "/proc/$SD_PID/root/run/proxyarp-test/sleeper"
	pid=$(cat "/proc/$SD_PID/root/run/proxyarp-test/sleeper")
	UNIT_ARGS="-a -o $UNIT_OUT/proxyarp.prom /proc/$pid/ns/net"

	# (Drop-ins alone would make a unit: this one is the package's.)
	check_eq "$(unit_prop FragmentPath)" "/run/proxyarp-test/units/proxyarp-metrics.service" \
		"the unit is the package's file, with the test's drop-ins"
	unit_run
	got=$UNIT_RESULT
	out=$(unit_file)
	log=$(unit_log)
	check_eq "$got" "success/0" "the unit, sandboxed as it ships, exits 0"
	check_eq "$(grep -c -e "^proxyarp_mode{netns=\"$node\",family=\"ipv4\",device=\"vlan0\"} 1$" \
			-e "^proxyarp_mode{netns=\"/proc/$pid/ns/net\",family=\"ipv4\",device=\"vlan0\"} 1$" \
			-e "^proxyarp_mode{netns=\"init\",family=\"ipv4\",device=\"$SD_DUMMY\"} 1$" <<<"$out")" "3" \
		"the unit: the node's series, by name (-a) and by /proc/PID/ns/net, and its own namespace's as init"
	check_eq "$(stat -c %a "/proc/$SD_PID/root$UNIT_OUT/proxyarp.prom" 2>&1)/$(unit_dir)" \
		"644/proxyarp.prom" "the unit: the file mode 644, no temporary left"
	check_eq "$log" "" "the unit: LogLevelMax=notice, no line in the journal when it succeeds"

	unit_run "CapabilityBoundingSet=~CAP_SYS_ADMIN"
	got=$UNIT_RESULT
	out=$(unit_file)
	log=$(unit_log)
	check_eq "$got/$(grep -c "netns=\"$node\"" <<<"$out")" "exit-code/1/0" \
		"without CAP_SYS_ADMIN: no setns, exit 1, no series of the node"
	check_match "$log" "^3 proxyarp-metrics: cannot read proxyarp in $node\$" \
		"the tool's error in the journal, as an error (SyslogLevel=err under LogLevelMax=notice)"
	unit_run "CapabilityBoundingSet=~CAP_SYS_ADMIN" "SyslogLevel=info"
	got=$UNIT_RESULT
	log=$(unit_log)
	check_eq "$got/$(grep -c 'cannot read' <<<"$log")" "exit-code/1/0" \
		"at SyslogLevel=info, LogLevelMax=notice would drop the tool's errors"

	unit_run "CapabilityBoundingSet=~CAP_SYS_PTRACE"
	got=$UNIT_RESULT
	log=$(unit_log)
	check_eq "$got" "exit-code/1" "without CAP_SYS_PTRACE: exit 1"
	check_match "$log" "no network namespace /proc/$pid/ns/net" \
		"without CAP_SYS_PTRACE: /proc/PID/ns/net of a process with more capabilities is out of reach"

	unit_run "ReadWritePaths="
	got=$UNIT_RESULT
	check_eq "$got/$(unit_dir)" "exit-code/1/" \
		"without ReadWritePaths=: the directory read-only (ReadOnlyPaths=/run), exit 1, nothing written"
	unit_run "ReadWritePaths=" "ReadOnlyPaths="
	got=$UNIT_RESULT
	check_eq "$got/$(unit_dir)" "success/0/proxyarp.prom" \
		"without ReadOnlyPaths= too, ProtectSystem=strict alone leaves /run writable: why the unit has it"

	unit_run "LogLevelMax=info"
	got=$UNIT_RESULT
	log=$(unit_log)
	check_eq "$got" "success/0" "at LogLevelMax=info: exits 0"
	check_match "$log" "^6 (Finished|proxyarp-metrics.service: Deactivated)" \
		"at LogLevelMax=info: systemd's lines of each run, which notice takes away"

	# The timer, as it ships: it starts the unit (at once: its
	# OnBootSec= has passed), which writes the file, and says nothing.
	unit_case
	cp "$TOP/packaging/systemd/proxyarp-metrics.timer" "/proc/$SD_PID/root/run/proxyarp-test/units/"
	sd systemctl daemon-reload
	sd systemctl start proxyarp-metrics.timer
	busywait 120000 test -s "/proc/$SD_PID/root$UNIT_OUT/proxyarp.prom"
	got=$?
	out=$(unit_file)
	log=$(unit_log)
	check_eq "$got/$(grep -c "^proxyarp_mode{netns=\"$node\"," <<<"$out")/$log" "0/1/" \
		"the timer starts the unit: the node's series written, no line in the journal"
	[ "$ret" = 0 ] || grep -v 'sync journal' "$SD_DIR/init.log" "$SD_DIR/kmsg" | sed 's/^/# /'

	sd_stop
	trap cleanup EXIT
}

require_root
require_cmd ip nsenter modinfo
trap cleanup EXIT
module_load || exit "$ksft_fail"
setup || exit "$ksft_fail"

test_counts
test_namespaces
# systemd's sandbox is the root's, not the kernel's: make check runs it
# in one guest of each root (PROXYARP_ROOT_ONCE=1 there, 0 in the others).
if [ "${PROXYARP_ROOT_ONCE:-1}" = 1 ]; then
	test_unit
else
	log_skip "the unit under systemd: checked in this root's first guest"
fi
finish
