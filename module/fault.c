// SPDX-License-Identifier: GPL-2.0
/*
 * fail_proxyarp: a fault injection point (Documentation/fault-injection)
 * for the allocation the kernel's own points do not reach.  failslab and
 * fail_page_alloc fail the module's slab and page allocations, but
 * alloc_percpu() is served from chunks already populated and asks
 * neither.  should_fail() counts /proc/self/fail-nth like the kernel's
 * points, so a test can walk every allocation of an operation, this one
 * included, in order.  Its knobs are in debugfs, under fail_proxyarp/.
 *
 * Built only into kernels with CONFIG_FAULT_INJECTION (debug kernels).
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#include "proxyarp.h"

static DECLARE_FAULT_ATTR(proxyarp_fault_attr);
static struct dentry *proxyarp_fault_dir;

bool proxyarp_should_fail(void)
{
	return should_fail(&proxyarp_fault_attr, 1);
}

/* Without debugfs the point still counts fail-nth: not an error. */
void proxyarp_fault_init(void)
{
	proxyarp_fault_dir = fault_create_debugfs_attr("fail_proxyarp", NULL,
						       &proxyarp_fault_attr);
}

void proxyarp_fault_exit(void)
{
	if (!IS_ERR(proxyarp_fault_dir))
		debugfs_remove_recursive(proxyarp_fault_dir);
}
