#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite's runner, after kselftest's runner.sh: TAP version 13, one
# "ok"/"not ok" per script with the script's own TAP indented by "# ",
# then the kernel log checked.  The last line counts the subtests:
#   # proxyarp-summary: pass=N fail=N skip=N
#
#   run.sh [TEST...]     (default: TEST_PROGS of the Makefile)
#   run.sh --smoke       the smoke tier: SMOKE_PROGS, with the
#                        differential test on one seed (7 topologies)
#                        and 3 load cycles
#   PROXYARP_QUEUE=DIR run.sh [TEST...]
#       run only the tests this runner claims (mkdir DIR/TEST): runners
#       in several guests sharing DIR (vmtest's VMTEST_SHARE) split the
#       list between them, each taking the next test when it is free;
#       the plan then comes last, as TAP allows

cd "$(dirname "$0")" || exit 1

if [ "${1:-}" = --smoke ]; then
	read -r -a tests <<<"$(make -s smoke)"
	export PROXYARP_PARITY_TOPOLOGIES=7 PROXYARP_LOAD_CYCLES=3
elif [ $# -gt 0 ]; then
	tests=("$@")
else
	read -r -a tests <<<"$(make -s list)"
fi

pass=0
fail=0
skip=0
n=0

if [ ${#tests[@]} -eq 0 ]; then
	echo "run.sh: no test to run" >&2
	exit 1
fi

queue=${PROXYARP_QUEUE:-}
if [ -n "$queue" ] && [ ! -d "$queue" ]; then
	echo "run.sh: no queue directory $queue" >&2
	exit 1
fi

echo "TAP version 13"
[ -n "$queue" ] || echo "1..$((${#tests[@]} + 1))"
dmesg --clear 2>/dev/null

for t in "${tests[@]}"; do
	if [ -n "$queue" ] && ! mkdir "$queue/$t" 2>/dev/null; then
		continue
	fi
	n=$((n + 1))
	out=$(mktemp)
	echo "# selftests: proxyarp: $t"
	t0=$SECONDS
	timeout "${PROXYARP_TEST_TIMEOUT:-900}" "./$t" >"$out" 2>&1
	rc=$?
	sed 's/^/# /' "$out"
	echo "# $t took $((SECONDS - t0)) s"
	p=$(grep -cE '^ok [0-9]+ ' "$out")
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$out")
	f=$(grep -cE '^not ok [0-9]+ ' "$out")
	pass=$((pass + p - s))
	skip=$((skip + s))
	fail=$((fail + f))
	case $rc in
	0)
		echo "ok $n selftests: proxyarp: $t" ;;
	4)
		skip=$((skip + 1))
		echo "ok $n selftests: proxyarp: $t # SKIP $(grep -m1 SKIP "$out" | sed 's/^# SKIP:* *//')" ;;
	*)
		# A script that failed before reporting a failure still fails.
		[ "$f" -gt 0 ] || fail=$((fail + 1))
		echo "not ok $n selftests: proxyarp: $t # exit=$rc" ;;
	esac
	rm -f "$out"
done

n=$((n + 1))
kmsg=$(dmesg)
# What the host files under this guest's name in the queue's share.
guest=$(cat /proc/sys/kernel/random/boot_id)
# A KCSAN kernel (make check-kcsan) reports the kernel's own races too:
# those are listed, the module's fail the run with the other splats.
if [ -e /sys/kernel/debug/kcsan ]; then
	kcsan_others=$(../../scripts/kcsan-split --others <<<"$kmsg")
	while IFS= read -r l; do
		[ -z "$l" ] || echo "# kcsan: the kernel's own: $l"
	done <<<"$kcsan_others"
	echo "# kcsan: $(grep -c 'BUG: KCSAN: ' <<<"$kmsg") reports, $(grep -c . <<<"$kcsan_others") of them the kernel's own"
	# The module's whole, with the stacks the console leaves out, in
	# the queue's share for the host to print (a guest that wrote them
	# to its console stopped there, once).
	[ -z "$queue" ] || ../../scripts/kcsan-split --mine <<<"$kmsg" >"$queue/kcsan-$guest"
fi
splat=$(../../scripts/splats <<<"$kmsg") || splat="BUG: scripts/splats failed"
if [ -z "$splat" ]; then
	pass=$((pass + 1))
	echo "ok $n kernel log: no warning, oops, BUG, refcount or RCU splat"
else
	fail=$((fail + 1))
	while IFS= read -r l; do
		echo "# $l"
	done <<<"$splat"
	echo "not ok $n kernel log: no warning, oops, BUG, refcount or RCU splat"
fi

# A kernel with gcov (make check-debug): the module's counters, kept
# by the kernel across unloads, copied for the host's report.
gcov=$(find /sys/kernel/debug/gcov -path '*/module/*.gcda' 2>/dev/null)
if [ -n "$queue" ] && [ -n "$gcov" ]; then
	dest=$queue/gcov/$guest
	mkdir -p "$dest"
	while IFS= read -r f; do
		cat "$f" >"$dest/${f##*/}"
	done <<<"$gcov"
	echo "# gcov: $(wc -l <<<"$gcov") files of counters copied to $dest"
fi

[ -z "$queue" ] || echo "1..$n"
echo "# proxyarp-summary: pass=$pass fail=$fail skip=$skip"
[ "$fail" -eq 0 ]
