// SPDX-License-Identifier: GPL-2.0
/*
 * proxyarp_clock: a test's helper, not part of the module.  It steps the
 * clock back for the module under test: the next @armed calls of
 * ktime_get_mono_fast_ns() made from inside the function @caller return
 * @step_ns nanoseconds less than the clock says, as a CPU whose fast
 * clock lags another's would (defences.sh: the storm guard's refill).
 * @stepped counts the calls stepped so far.
 *
 * A kretprobe on @caller marks the CPU while it runs (the guard runs
 * with a spinlock held, so it stays on its CPU); a kretprobe on the
 * clock steps a reading taken on a marked CPU, from the caller itself,
 * not from an interrupt that came in meanwhile.
 */

#include <linux/atomic.h>
#include <linux/hardirq.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>

#include "pa_armed.h"

static char *caller = "proxyarp_guard_allow";
module_param(caller, charp, 0444);
MODULE_PARM_DESC(caller, "step only calls made from this function");

static ulong step_ns = 10 * NSEC_PER_SEC;
module_param(step_ns, ulong, 0644);
MODULE_PARM_DESC(step_ns, "how far back a stepped call's clock is");

static int armed;
module_param(armed, int, 0644);
MODULE_PARM_DESC(armed, "how many calls to step from now");

/* Racy only between two calls stepped at once (@armed > 1). */
static int stepped;
module_param(stepped, int, 0444);
MODULE_PARM_DESC(stepped, "the calls stepped so far");

static DEFINE_PER_CPU(int, pa_clock_inside);

static int pa_clock_caller_entry(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	this_cpu_inc(pa_clock_inside);
	return 0;
}

static int pa_clock_caller_ret(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	this_cpu_dec(pa_clock_inside);
	return 0;
}

/* 0: step this reading; else leave it alone. */
static int pa_clock_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(armed) <= 0 || in_nmi() || in_hardirq() ||
	    !this_cpu_read(pa_clock_inside) || !pa_armed_take(&armed))
		return 1;
	return 0;
}

static int pa_clock_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long now = regs_return_value(regs);

	regs_set_return_value(regs, now - min(now, READ_ONCE(step_ns)));
	WRITE_ONCE(stepped, READ_ONCE(stepped) + 1);
	return 0;
}

static struct kretprobe pa_clock_caller_krp = {
	.entry_handler = pa_clock_caller_entry,
	.handler = pa_clock_caller_ret,
};

static struct kretprobe pa_clock_krp = {
	.kp.symbol_name = "ktime_get_mono_fast_ns",
	.entry_handler = pa_clock_entry,
	.handler = pa_clock_ret,
};

static int __init pa_clock_init(void)
{
	int err;

	pa_clock_caller_krp.kp.symbol_name = caller;
	err = register_kretprobe(&pa_clock_caller_krp);
	if (err)
		return err;
	err = register_kretprobe(&pa_clock_krp);
	if (err)
		unregister_kretprobe(&pa_clock_caller_krp);
	return err;
}

static void __exit pa_clock_exit(void)
{
	unregister_kretprobe(&pa_clock_krp);
	unregister_kretprobe(&pa_clock_caller_krp);
}

module_init(pa_clock_init);
module_exit(pa_clock_exit);
MODULE_DESCRIPTION("proxyarp's selftests: step the module's fast clock back");
MODULE_LICENSE("GPL");
