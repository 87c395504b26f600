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

#include "proxyarp.h"

#define R(reason) BIT(PROXYARP_REASON_##reason)

const struct proxyarp_family proxyarp_families[__PROXYARP_FAMILY_MAX] = {
	[PROXYARP_ARP] = {
		.name = "proxyarp",
		.asked = "proxy ARP request(s)",
		.reasons = R(PROXIED) | R(PROXY_ENTRY) | R(LOCAL) | R(DAD) |
			   R(GARP) | R(MARTIAN_TARGET) | R(MARTIAN_SOURCE) |
			   R(RP_FILTER) | R(NO_ROUTE) | R(NOT_UNICAST) |
			   R(FORWARDING_OFF) | R(SAME_DEVICE) | R(MEDIUM_ID) |
			   R(DEFAULT_ROUTE) | R(SHORT_PREFIX) |
			   R(RATE_LIMITED),
		.ops = proxyarp_arp_ops,
		.n_ops = ARRAY_SIZE(proxyarp_arp_ops),
	},
	[PROXYARP_NDP] = {
		.name = "proxyndp",
		.asked = "proxy neighbour solicitation(s)",
		.reasons = R(PROXIED) | R(PROXY_ENTRY) | R(LOCAL) | R(DAD) |
			   R(MARTIAN_TARGET) | R(NO_ROUTE) | R(NOT_UNICAST) |
			   R(FORWARDING_OFF) | R(SAME_DEVICE) |
			   R(DEFAULT_ROUTE) | R(SHORT_PREFIX) |
			   R(RATE_LIMITED) | R(INVALID) | R(NO_LLADDR),
		.ops = proxyarp_ndp_ops,
		.n_ops = ARRAY_SIZE(proxyarp_ndp_ops),
	},
};

/*
 * A namespace gets a family's hooks the first time a mode other than 0
 * is set in it for that family (a device, "default" or "all": a device
 * only ever has a mode copied from its namespace's "default" or written
 * there), and keeps them until the namespace or the module goes.  Until
 * then its traffic of that family does not pass through the module at
 * all.  Serialised by proxyarp_hooks_mutex; the sysctl handlers are the
 * only callers.
 */
static DEFINE_MUTEX(proxyarp_hooks_mutex);

int proxyarp_hooks_want(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];
	const struct proxyarp_family *f = &proxyarp_families[family];
	int err = 0;

	mutex_lock(&proxyarp_hooks_mutex);
	if (!fn->hooked) {
		err = nf_register_net_hooks(net, f->ops, f->n_ops);
		fn->hooked = !err;
	}
	mutex_unlock(&proxyarp_hooks_mutex);
	return err;
}

/* From the namespace's exit, once no sysctl handler can run any more. */
void proxyarp_hooks_unregister(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	int family;

	mutex_lock(&proxyarp_hooks_mutex);
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		const struct proxyarp_family *f = &proxyarp_families[family];

		if (pn->fam[family].hooked)
			nf_unregister_net_hooks(net, f->ops, f->n_ops);
		pn->fam[family].hooked = false;
	}
	mutex_unlock(&proxyarp_hooks_mutex);
}
