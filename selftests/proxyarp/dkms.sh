#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module as the host built it for this kernel, the two ways
# operators install it, in the root this guest boots (this machine's, or
# the root of scripts/root that has its kernel):
#  - the Debian package, whose postinst built it with dkms (make check
#    installs it with apt and sets PROXYARP_DEB=1 while the guests run):
#    a plain modprobe loads it, it works, it unloads;
#  - make dkms-install (make check runs it in each root for the root's
#    first test kernel before installing the package, keeps a copy of
#    what it built in PROXYARP_DKMS_DIR/<release>/ and sets that
#    variable in that kernel's guest only): it loads, is for this
#    kernel, works.
# The module under test is loaded again afterwards.
#
#  (init namespace)   /lib/modules/$(uname -r)/updates/dkms/proxyarp.ko*

source "$(dirname "$0")/lib.sh"

require_root
require_cmd modprobe modinfo insmod
dkms_ko=
for f in "${PROXYARP_DKMS_DIR:-/nonexistent}/$(uname -r)"/proxyarp.ko*; do
	[ -e "$f" ] && dkms_ko=$f
done
# make check-debug's kernel has no headers: neither, and a skip.
if [ "${PROXYARP_DEB:-0}" != 1 ] && [ -z "$dkms_ko" ]; then
	echo "# SKIP: no package installed nor dkms build to test (make check does both)"
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

if [ "${PROXYARP_DEB:-0}" = 1 ]; then
	file=$(modinfo -n proxyarp 2>/dev/null)
	[[ $file == "/lib/modules/$(uname -r)/updates/dkms/proxyarp.ko"* ]]
	log_test $? "modinfo finds the package's module ($file)"
	module_unload
	modprobe proxyarp
	log_test $? "modprobe proxyarp"
	check_eq "$(cat /sys/module/proxyarp/srcversion)" "$(modinfo -F srcversion proxyarp)" \
		"the loaded module is the package's"
	works "package"
	modprobe -r proxyarp
	log_test $? "modprobe -r proxyarp"
else
	skip_tool "no package installed to test (make check installs it)"
fi

if [ -n "$dkms_ko" ]; then
	module_unload
	insmod "$dkms_ko"
	log_test $? "make dkms-install's module loads ($(basename "$dkms_ko"))"
	check_eq "$(cat /sys/module/proxyarp/srcversion 2>/dev/null)" \
		"$(modinfo -F srcversion "$dkms_ko")" "the loaded module is make dkms-install's"
	check_eq "$(modinfo -F vermagic "$dkms_ko" | cut -d' ' -f1)" "$(uname -r)" \
		"dkms built it for this kernel"
	works "dkms"
	rmmod proxyarp
	log_test $? "rmmod proxyarp"
elif [ -n "${PROXYARP_DKMS_DIR:-}" ]; then
	skip_tool "no make dkms-install build to test (make check keeps one)"
else
	echo "# make dkms-install: no build given (PROXYARP_DKMS_DIR); make check tests one in a guest of each root"
fi
finish
