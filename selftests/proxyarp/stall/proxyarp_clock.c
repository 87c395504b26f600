// SPDX-License-Identifier: GPL-2.0
/*
 * proxyarp_clock: a test's helper, not part of the module.  It steps the
 * clock back for the module under test: the next @armed calls of
 * ktime_get_mono_fast_ns() made from the function @caller return @step_ns
 * nanoseconds less than the clock says, as a CPU whose fast clock lags
 * another's would (defences.sh: the storm guard's refill).  @stepped
 * counts the calls stepped so far.
 *
 * The caller is told by the return address at the probed function's
 * entry (x86-64: the word at the stack pointer), printed as a symbol.
 */

#include <linux/atomic.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/string.h>

static char *caller = "proxyarp_guard_allow";
module_param(caller, charp, 0444);
MODULE_PARM_DESC(caller, "step only calls made from this function");

static ulong step_ns = 10 * NSEC_PER_SEC;
module_param(step_ns, ulong, 0644);
MODULE_PARM_DESC(step_ns, "how far back a stepped call's clock is");

static int armed;
module_param(armed, int, 0644);
MODULE_PARM_DESC(armed, "how many calls to step from now");

static int stepped;
module_param(stepped, int, 0444);
MODULE_PARM_DESC(stepped, "the calls stepped so far");

/* Takes one of @armed, unless another caller took the last. */
static bool pa_clock_take(void)
{
	int n = READ_ONCE(armed);

	while (n > 0) {
		int old = cmpxchg(&armed, n, n - 1);

		if (old == n)
			return true;
		n = old;
	}
	return false;
}

/* 0: step this call's return value; else leave it alone. */
static int pa_clock_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	unsigned long ret = *(unsigned long *)kernel_stack_pointer(regs);
	size_t len = strlen(caller);
	char sym[KSYM_SYMBOL_LEN];

	if (READ_ONCE(armed) <= 0)
		return 1;
	/* "name [module]" for a module's function */
	snprintf(sym, sizeof(sym), "%ps", (void *)ret);
	if (strncmp(sym, caller, len) || (sym[len] && sym[len] != ' ') ||
	    !pa_clock_take())
		return 1;
	return 0;
}

static int pa_clock_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	regs_set_return_value(regs, regs_return_value(regs) - READ_ONCE(step_ns));
	WRITE_ONCE(stepped, READ_ONCE(stepped) + 1);
	return 0;
}

static struct kretprobe pa_clock_krp = {
	.kp.symbol_name = "ktime_get_mono_fast_ns",
	.entry_handler = pa_clock_entry,
	.handler = pa_clock_ret,
	.maxactive = 8,
};

static int __init pa_clock_init(void)
{
	return register_kretprobe(&pa_clock_krp);
}

static void __exit pa_clock_exit(void)
{
	unregister_kretprobe(&pa_clock_krp);
}

module_init(pa_clock_init);
module_exit(pa_clock_exit);
MODULE_DESCRIPTION("proxyarp's selftests: step the module's fast clock back");
MODULE_LICENSE("GPL");
