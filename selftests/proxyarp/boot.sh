#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot-time configuration: settings in /etc/sysctl.d for net.proxyarp.*
# and net.proxyndp.* take effect when the module loads and when a device appears, through
# what packaging/udev/60-proxyarp.rules runs.  In the init namespace,
# with a tmpfs over /etc/sysctl.d for the test's own file.
#
#   (init namespace)   pa-boot0 (dummy, exists before the module loads)
#                      pa-boot1 (dummy, appears after)

source "$(dirname "$0")/lib.sh"

CONF=/etc/sysctl.d/60-proxyarp-selftest.conf

conf() { # DEV KNOB: in the init namespace
	cat "/proc/sys/net/proxyarp/conf/$1/$2"
}

conf6() { # DEV KNOB: in the init namespace
	cat "/proc/sys/net/proxyndp/conf/$1/$2"
}

# shellcheck disable=SC2317 # called from the EXIT trap
boot_cleanup() {
	ip link del pa-boot0 2>/dev/null
	ip link del pa-boot1 2>/dev/null
	umount /etc/sysctl.d 2>/dev/null
	cleanup
}

test_boot() {
	local cmd out

	mount -t tmpfs tmpfs /etc/sysctl.d || return 1
	cat >"$CONF" <<-'EOC'
	net.proxyarp.conf.default.mode = 2
	net.proxyarp.conf.all.min_prefixlen = 20
	net.proxyarp.conf.pa-boot0.ignore_default_route = 0
	net.proxyarp.conf.pa-boot1.mode = 1
	net.proxyndp.conf.default.max_rate = 30
	net.proxyndp.conf.pa-boot1.mode = 2
	EOC

	module_unload
	ip link add pa-boot0 type dummy
	module_load
	cmd=$(rule_cmd module proxyarp)
	check_match "$cmd" "systemd-sysctl --prefix=/net/proxyarp --prefix=/net/proxyndp$" \
		"the module rule runs systemd-sysctl for net.proxyarp and net.proxyndp"
	# systemd-sysctl warns about pa-boot1, which does not exist yet.
	out=$($cmd 2>&1)
	log_test $? "which succeeds"
	[ -z "$out" ] || echo "# $out"
	check_eq "$(conf default mode)" "2" "default.mode from sysctl.d"
	check_eq "$(conf pa-boot0 min_prefixlen)" "20" \
		"all.min_prefixlen reaches a device that existed at load"
	check_eq "$(conf pa-boot0 ignore_default_route)" "0" \
		"a device's own entry is applied at load"
	check_eq "$(conf6 default max_rate)/$(conf6 pa-boot0 max_rate)/$(conf pa-boot0 max_rate)" \
		"30/0/0" "net.proxyndp's default from sysctl.d, and nothing else"

	ip link add pa-boot1 type dummy
	check_eq "$(conf pa-boot1 mode)" "2" "a new device takes default.mode"
	cmd=$(rule_cmd net pa-boot1)
	$cmd
	log_test $? "the net rule runs: $cmd"
	check_eq "$(conf pa-boot1 mode)" "1" \
		"a device's own entry is applied when it appears"
	check_eq "$(conf6 pa-boot1 mode)/$(conf6 pa-boot1 max_rate)" "2/30" \
		"and its net.proxyndp entry, over the default it took"
}

require_root
require_cmd ip
[ -x /lib/systemd/systemd-sysctl ] || { echo "# SKIP: no systemd-sysctl"; exit "$ksft_skip"; }
trap boot_cleanup EXIT
test_boot
finish
