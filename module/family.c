// SPDX-License-Identifier: GPL-2.0
/*
 * The families, and their hooks.
 *
 * ARP and NDP share everything but the decision and the answer: the
 * per-device state and its notifier (device.c), the sysctl trees
 * (sysctl.c), the counters (stats.c) and the storm guard (guard.c),
 * each kept per family.  What differs is described here.
 */

#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>

#include "arp.h"
#include "ndp.h"

#define R(reason) BIT(PROXYARP_REASON_##reason)

const struct proxyarp_family proxyarp_families[__PROXYARP_FAMILY_MAX] = {
	[PROXYARP_ARP] = {
		.name = "proxyarp",
		.asked = "proxy ARP request(s)",
		.addr_len = sizeof(__be32),
		.reasons = R(PROXIED) | R(PROXY_ENTRY) | R(LOCAL) | R(DAD) |
			   R(GARP) | R(MARTIAN_TARGET) | R(MARTIAN_SOURCE) |
			   R(RP_FILTER) | R(NO_ROUTE) | R(NOT_UNICAST) |
			   R(FORWARDING_OFF) | R(SAME_DEVICE) | R(MEDIUM_ID) |
			   R(DEFAULT_ROUTE) | R(SHORT_PREFIX) |
			   R(RATE_LIMITED) | R(ROUTE_PROTO),
		.ops = proxyarp_arp_ops,
		.n_ops = ARRAY_SIZE(proxyarp_arp_ops),
		.answers = proxyarp_arp_answers,
		.announce = proxyarp_arp_announce,
		.probe = proxyarp_arp_probe,
		.trace_announce = proxyarp_arp_trace_announce,
		.trace_conflict = proxyarp_arp_trace_conflict,
	},
	[PROXYARP_NDP] = {
		.name = "proxyndp",
		.asked = "proxy neighbour solicitation(s)",
		.addr_len = sizeof(struct in6_addr),
		.reasons = R(PROXIED) | R(PROXY_ENTRY) | R(LOCAL) | R(DAD) |
			   R(MARTIAN_TARGET) | R(NO_ROUTE) | R(NOT_UNICAST) |
			   R(FORWARDING_OFF) | R(SAME_DEVICE) |
			   R(DEFAULT_ROUTE) | R(SHORT_PREFIX) |
			   R(RATE_LIMITED) | R(INVALID) | R(NO_LLADDR) |
			   R(ROUTE_PROTO),
		.ops = proxyarp_ndp_ops,
		.n_ops = ARRAY_SIZE(proxyarp_ndp_ops),
		.answers = proxyarp_ndp_answers,
		.announce = proxyarp_ndp_announce,
		.probe = proxyarp_ndp_probe,
		.trace_announce = proxyarp_ndp_trace_announce,
		.trace_conflict = proxyarp_ndp_trace_conflict,
	},
};

/*
 * A namespace has a family's hooks while some mode of that family in it
 * is not 0 (a device, "default" or "all": a device only ever has a mode
 * copied from its namespace's "default" or written there).  They come
 * with the first such mode written and go when a write leaves every mode
 * at 0 again; until then, and after, the namespace's traffic of that
 * family does not pass through the module at all.  A device that leaves
 * with its mode set does not unhook: only a write of 0 looks.  The
 * sysctl handlers write a mode between proxyarp_hooks_lock() and
 * proxyarp_hooks_unlock(), so that the hooks and the modes move together.
 *
 * The mutex is the namespace's own.  It nests inside RTNL: "all" and
 * "default" writers take RTNL first; a device's writer never waits for
 * RTNL while it holds the mutex (it tries, and restarts, as devinet.c's
 * handlers do), since a device's table is unregistered under RTNL, which
 * waits for its handlers.  So a device's writer may sleep on the mutex:
 * whoever holds it is not waiting for that writer.
 */
void proxyarp_hooks_init(struct net *net)
{
	mutex_init(&proxyarp_pernet(net)->hooks_mutex);
}

void proxyarp_hooks_lock(struct net *net)
{
	mutex_lock(&proxyarp_pernet(net)->hooks_mutex);
}

void proxyarp_hooks_unlock(struct net *net)
{
	mutex_unlock(&proxyarp_pernet(net)->hooks_mutex);
}

/* Before a mode other than 0 is written: the hooks first. */
int proxyarp_hooks_want(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];
	const struct proxyarp_family *f = &proxyarp_families[family];
	int err = 0;

	lockdep_assert_held(&proxyarp_pernet(net)->hooks_mutex);
	if (!fn->hooked) {
		err = nf_register_net_hooks(net, f->ops, f->n_ops);
		fn->hooked = !err;
	}
	return err;
}

static bool proxyarp_family_in_use(struct proxyarp_net *pn, int family)
{
	struct proxyarp_fnet *fn = &pn->fam[family];
	struct proxyarp_dev *pdev;
	unsigned long ifindex;
	bool used = false;

	if (READ_ONCE(fn->all.val[PROXYARP_KNOB_MODE]) ||
	    READ_ONCE(fn->dflt.val[PROXYARP_KNOB_MODE]))
		return true;
	/*
	 * A device copies "default" as it registers, under RTNL, before it
	 * is in pn->devs; a 0 written to "default" was stored under RTNL
	 * (sysctl.c), so such a device has copied the 0 or is in pn->devs.
	 */
	/* A pdev found here is freed after a grace period at the earliest. */
	rcu_read_lock();
	xa_for_each(&pn->devs, ifindex, pdev) {
		if (READ_ONCE(pdev->fam[family].conf.val[PROXYARP_KNOB_MODE])) {
			used = true;
			break;
		}
	}
	rcu_read_unlock();
	return used;
}

/* After a mode of 0 is written: the hooks go if nothing needs them. */
void proxyarp_hooks_drop_unused(struct net *net, int family)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	const struct proxyarp_family *f = &proxyarp_families[family];

	lockdep_assert_held(&pn->hooks_mutex);
	if (!pn->fam[family].hooked || proxyarp_family_in_use(pn, family))
		return;
	nf_unregister_net_hooks(net, f->ops, f->n_ops);
	pn->fam[family].hooked = false;
}

/* From the namespace's exit, once no sysctl handler can run any more. */
void proxyarp_hooks_unregister(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	int family;

	mutex_lock(&pn->hooks_mutex);
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		const struct proxyarp_family *f = &proxyarp_families[family];

		if (pn->fam[family].hooked)
			nf_unregister_net_hooks(net, f->ops, f->n_ops);
		pn->fam[family].hooked = false;
	}
	mutex_unlock(&pn->hooks_mutex);
}
