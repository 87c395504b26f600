#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module as the host built it for this kernel, the two ways
# operators install it, in the root this guest boots (this machine's, or
# the trixie root for its kernel):
#  - make dkms-install (make check runs it and sets PROXYARP_DKMS=1):
#    a plain modprobe loads it, it works, it unloads;
#  - the Debian package, whose postinst built it with dkms (make check
#    installs it with apt, keeps a copy of what it built in
#    PROXYARP_DEB_DIR/<release>/, then purges it): it loads and works.
# The module under test is loaded again afterwards.
#
#  (init namespace)   /lib/modules/$(uname -r)/updates/dkms/proxyarp.ko*

source "$(dirname "$0")/lib.sh"

require_root
require_cmd modprobe modinfo insmod
deb_ko=
for f in "${PROXYARP_DEB_DIR:-/nonexistent}/$(uname -r)"/proxyarp.ko*; do
	[ -e "$f" ] && deb_ko=$f
done
if [ "${PROXYARP_DKMS:-0}" != 1 ] && [ -z "$deb_ko" ]; then
	echo "# SKIP: no dkms install or package build to test (make check does both)"
	exit "$ksft_skip"
fi
trap 'module_unload; module_load' EXIT

# works WHAT: the loaded module is alive: its tree is there and a mode
# can be set and read back on a device.
works() {
	check_eq "$(cat /proc/sys/net/proxyarp/conf/default/mode)" "0" \
		"$1: its sysctl tree is there"
	echo 2 >/proc/sys/net/proxyarp/conf/lo/mode
	check_eq "$(cat /proc/sys/net/proxyarp/conf/lo/mode)" "2" \
		"$1: a mode written reads back"
}

if [ "${PROXYARP_DKMS:-0}" = 1 ]; then
	file=$(modinfo -n proxyarp 2>/dev/null)
	[[ $file == "/lib/modules/$(uname -r)/updates/dkms/proxyarp.ko"* ]]
	log_test $? "modinfo finds the dkms-installed module ($file)"
	module_unload
	modprobe proxyarp
	log_test $? "modprobe proxyarp"
	check_eq "$(cat /sys/module/proxyarp/srcversion)" "$(modinfo -F srcversion proxyarp)" \
		"the loaded module is the dkms one"
	works "dkms"
	modprobe -r proxyarp
	log_test $? "modprobe -r proxyarp"
else
	log_skip "no dkms install to test (make check does one)"
fi

if [ -n "$deb_ko" ]; then
	module_unload
	insmod "$deb_ko"
	log_test $? "the package's module loads ($(basename "$deb_ko"))"
	check_eq "$(cat /sys/module/proxyarp/srcversion 2>/dev/null)" \
		"$(modinfo -F srcversion "$deb_ko")" "the loaded module is the package's"
	check_eq "$(modinfo -F vermagic "$deb_ko" | cut -d' ' -f1)" "$(uname -r)" \
		"the package built it for this kernel"
	works "package"
	rmmod proxyarp
	log_test $? "rmmod proxyarp"
else
	log_skip "no package build to test (make check keeps one)"
fi
finish
