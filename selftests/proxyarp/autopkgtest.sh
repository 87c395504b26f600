#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The package's own autopkgtest (debian/tests/control: load), a test
# that needs a machine of its own (isolation-machine), under Debian's
# own harness: autopkgtest, from Debian's package, with the null runner
# on this guest, which boots the kernel under test.  debci would install
# the package in a fresh VM; here it was installed beforehand.  make check
# installed the package with apt in the root this guest boots, and its
# dkms postinst built the module for this kernel there; autopkgtest
# tests those installed binaries (-B, as debci tests the archive's)
# from the source package make deb made (PROXYARP_DEB_DSC).  The root
# is read-only here: autopkgtest runs chrooted in an overlay of it on a
# tmpfs, so that its apt and dpkg can write, and the overlay goes with
# the test.  The module under test is loaded again afterwards.

source "$(dirname "$0")/lib.sh"

require_root
# make check-debug's kernel has no headers, and no package is installed.
if [ "${PROXYARP_DEB:-0}" != 1 ]; then
	echo "# SKIP: no package installed to test (make check installs it)"
	exit "$ksft_skip"
fi
# One guest of each root runs it (dkms.sh loads the package's module in
# every guest): make check sets PROXYARP_ROOT_ONCE=0 in the others.
if [ "${PROXYARP_ROOT_ONCE:-1}" != 1 ]; then
	echo "# SKIP: the package's autopkgtest runs in this root's first guest"
	exit "$ksft_skip"
fi
dsc=${PROXYARP_DEB_DSC:-}
if [ -z "$dsc" ] || [ ! -r "$dsc" ]; then
	missing "no source package (PROXYARP_DEB_DSC; make check sets it)"
fi
require_cmd autopkgtest dpkg-query chroot
[ "$(dpkg-query -W -f '${Status}' proxyarp-dkms 2>/dev/null)" = "install ok installed" ] ||
	missing "proxyarp-dkms is not installed in this root, though PROXYARP_DEB=1"

ovl=$(mktemp -d /tmp/proxyarp-autopkgtest.XXXXXX)
mkdir -p "$ovl/upper" "$ovl/work" "$ovl/root"
# The overlay's binds are slaves, unmounted with it; the directory is
# removed only once nothing is mounted under it.
trap 'umount -R "$ovl/root" 2>/dev/null && rm -rf --one-file-system "$ovl"
      module_unload; module_load' EXIT

module_unload
mount -t overlay overlay -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$ovl/root"
log_test $? "a writable overlay of the root"
for m in /proc /sys /dev "$TOP"; do
	mkdir -p "$ovl/root$m"
	if ! mount --rbind "$m" "$ovl/root$m" || ! mount --make-rslave "$ovl/root$m"; then
		log_test 1 "bind $m into the overlay"
	fi
done

# The null runner of bookworm's autopkgtest (5.28) claims a machine of
# its own; trixie's (5.49) claims nothing it cannot know (and asserts
# when told, --fake-capability isolation-machine), so the restriction
# is waived: this guest is that machine.  The load test's own lines,
# and autopkgtest's summary (its output directory is the chroot's
# /tmp/out).
chroot "$ovl/root" autopkgtest -B --test-name=load --ignore-restrictions=isolation-machine \
	-o /tmp/out "$dsc" -- null \
	>"$ovl/log" 2>&1
rc=$?
summary=$ovl/root/tmp/out/summary
sed 's/^/# | /' "$ovl/log" | grep -E 'loaded|unloaded|min_prefixlen|/proc/net/stat|FAIL|SKIP|PASS|ERROR|error' | head -n 40
check_eq "$rc" 0 "autopkgtest exits 0"
# autodep8's dkms test is listed too, skipped: it breaks the testbed,
# and make check runs it in a container (scripts/debian-ci).
check_eq "$(sed 's/  */ /g' "$summary" 2>/dev/null | grep -v '^dkms-autopkgtest SKIP ')" \
	"load PASS" "its summary: load PASS, nothing else run"
check_eq "$(grep -c "^loaded proxyarp .* on $(uname -r)\$" "$ovl/log")" 1 \
	"the test loaded the package's module on this kernel"
check_eq "$(grep -c '^unloaded$' "$ovl/log")" 1 "and unloaded it"
finish
