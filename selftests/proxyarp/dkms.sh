#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module as dkms installed it on the host for this kernel
# (make check runs make dkms-install first and sets PROXYARP_DKMS=1):
# a plain modprobe loads it, it works, it unloads.  The module under
# test is loaded again afterwards.
#
#  (init namespace)   /lib/modules/$(uname -r)/updates/dkms/proxyarp.ko*

source "$(dirname "$0")/lib.sh"

require_root
require_cmd modprobe modinfo
if [ "${PROXYARP_DKMS:-0}" != 1 ]; then
	echo "# SKIP: no dkms install to test (make check does one)"
	exit "$ksft_skip"
fi
trap 'module_unload; module_load' EXIT

file=$(modinfo -n proxyarp 2>/dev/null)
[[ $file == "/lib/modules/$(uname -r)/updates/dkms/proxyarp.ko"* ]]
log_test $? "modinfo finds the dkms-installed module ($file)"
module_unload
modprobe proxyarp
log_test $? "modprobe proxyarp"
check_eq "$(cat /sys/module/proxyarp/srcversion)" "$(modinfo -F srcversion proxyarp)" \
	"the loaded module is the dkms one"
check_eq "$(cat /proc/sys/net/proxyarp/conf/default/mode)" "0" \
	"its sysctl tree is there"
modprobe -r proxyarp
log_test $? "modprobe -r proxyarp"
finish
