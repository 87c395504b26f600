// SPDX-License-Identifier: GPL-2.0
/*
 * proxyarp_stall: a test's helper, not part of the module.  It holds the
 * module under test at one of its functions for a while, so that a test
 * can act inside a window that is otherwise a few microseconds wide
 * (hook_race.sh: between a device copying "default" and its entry in the
 * namespace's devices).
 *
 * A kprobe on @symbol busy-waits @ms milliseconds on the next @armed
 * calls whose second argument is the string @name (for
 * proxyarp_sysctl_register(), the directory's name), or on the next
 * @armed calls whatever their arguments when @name is empty (for a
 * function whose second argument is no string); @inside is 1 during a
 * wait, @stalled counts the waits done.  A kprobe handler cannot sleep,
 * so it spins: with preemption off, keep @ms well below the soft lockup
 * and RCU stall limits (20 s).
 */

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/ptrace.h>
#include <linux/string.h>

#include "pa_armed.h"

static char *symbol = "proxyarp_sysctl_register";
module_param(symbol, charp, 0444);
MODULE_PARM_DESC(symbol, "the function held");

static char *name = "";
module_param(name, charp, 0444);
MODULE_PARM_DESC(name, "hold only calls with this string as second argument (empty: any)");

static unsigned int ms = 2000;
module_param(ms, uint, 0644);
MODULE_PARM_DESC(ms, "how long each hold lasts");

static int armed;
module_param(armed, int, 0644);
MODULE_PARM_DESC(armed, "how many calls to hold from now");

static int inside;
module_param(inside, int, 0444);
MODULE_PARM_DESC(inside, "1 while a call is held");

static int stalled;
module_param(stalled, int, 0444);
MODULE_PARM_DESC(stalled, "the calls held so far");

static int pa_stall_pre(struct kprobe *p, struct pt_regs *regs)
{
	const char *arg = (const char *)regs_get_kernel_argument(regs, 1);

	if (*name && (!arg || strncmp(arg, name, IFNAMSIZ)))
		return 0;
	if (!pa_armed_take(&armed))
		return 0;
	WRITE_ONCE(inside, 1);
	mdelay(READ_ONCE(ms));
	WRITE_ONCE(inside, 0);
	WRITE_ONCE(stalled, READ_ONCE(stalled) + 1);
	return 0;
}

static struct kprobe pa_stall_kp = {
	.pre_handler = pa_stall_pre,
};

static int __init pa_stall_init(void)
{
	pa_stall_kp.symbol_name = symbol;
	return register_kprobe(&pa_stall_kp);
}

static void __exit pa_stall_exit(void)
{
	unregister_kprobe(&pa_stall_kp);
}

module_init(pa_stall_init);
module_exit(pa_stall_exit);
MODULE_DESCRIPTION("proxyarp's selftests: hold a function for a while");
MODULE_LICENSE("GPL");
