// SPDX-License-Identifier: GPL-2.0
/*
 * proxyarp: route-aware proxy ARP and proxy NDP with safety knobs, per
 * device, in every network namespace.  See proxyarp(7) for the rules.
 */

#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "proxyarp.h"
#include "version.h"

unsigned int proxyarp_net_id __read_mostly;

struct proxyarp_net *proxyarp_pernet(const struct net *net)
{
	return net_generic(net, proxyarp_net_id);
}

static void proxyarp_fnet_exit(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];

	proxyarp_sysctl_unregister(fn->dflt_sysctl);
	proxyarp_sysctl_unregister(fn->all_sysctl);
	proxyarp_stats_net_exit(net, family);
}

static int proxyarp_fnet_init(struct net *net, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(net)->fam[family];
	int err = -ENOMEM;

	proxyarp_conf_init(&fn->all, family);
	proxyarp_conf_init(&fn->dflt, family);

	fn->all_sysctl = proxyarp_sysctl_register(net, "all", &fn->all);
	if (!fn->all_sysctl)
		goto err;
	fn->dflt_sysctl = proxyarp_sysctl_register(net, "default", &fn->dflt);
	if (!fn->dflt_sysctl)
		goto err_all;
	err = proxyarp_stats_net_init(net, family);
	if (err)
		goto err_dflt;
	return 0;

err_dflt:
	proxyarp_sysctl_unregister(fn->dflt_sysctl);
err_all:
	proxyarp_sysctl_unregister(fn->all_sysctl);
err:
	return err;
}

static int __net_init proxyarp_net_init(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	int family, err;

	proxyarp_device_net_init(pn);
	proxyarp_hooks_init(net);
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		err = proxyarp_fnet_init(net, family);
		if (err)
			goto err;
	}
	err = proxyarp_routes_net_init(net);
	if (err)
		goto err_fam;
	err = proxyarp_announce_net_init(net);
	if (err)
		goto err_routes;
	err = proxyarp_routes_watch(net);
	if (err)
		goto err_announce;
	proxyarp_addr_net_init(net);
	return 0;

err_announce:
	proxyarp_announce_net_exit(net);
err_routes:
	proxyarp_routes_net_exit(net);
err_fam:
	family = __PROXYARP_FAMILY_MAX;
err:
	while (family--)
		proxyarp_fnet_exit(net, family);
	return err;
}

/*
 * Subsystem exits run after the device exits: every device has left the
 * namespace by now, and the notifier has emptied the xarray.  The
 * "all" and "default" tables go first: unregistering them waits for
 * their handlers, the last that could register the hooks.
 */
static void __net_exit proxyarp_net_exit(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	int family;

	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		struct proxyarp_fnet *fn = &pn->fam[family];

		proxyarp_sysctl_unregister(fn->dflt_sysctl);
		proxyarp_sysctl_unregister(fn->all_sysctl);
	}
	proxyarp_hooks_unregister(net);
	mutex_destroy(&pn->hooks_mutex);
	/* Nothing queues the announcements' work once the routes are not
	 * watched, the hooks gone and the devices too: then it can stop.
	 */
	proxyarp_routes_unwatch(net);
	proxyarp_announce_net_exit(net);
	proxyarp_routes_net_exit(net);
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++)
		proxyarp_stats_net_exit(net, family);
	proxyarp_addr_net_exit(net);
	proxyarp_device_net_exit(pn);
}

static struct pernet_operations proxyarp_net_ops = {
	.init = proxyarp_net_init,
	.exit = proxyarp_net_exit,
	.id = &proxyarp_net_id,
	.size = sizeof(struct proxyarp_net),
};

static int __init proxyarp_init(void)
{
	int err;

	proxyarp_fault_init();
	/* Addresses first: a namespace's init walks those it has. */
	err = proxyarp_addr_init();
	if (err)
		goto err_fault;
	err = register_pernet_subsys(&proxyarp_net_ops);
	if (err)
		goto err_addr;
	err = proxyarp_device_init();
	if (err)
		goto err_pernet;
	proxyarp_announce_init();
	pr_info("route-aware proxy ARP and NDP loaded\n");
	return 0;

err_pernet:
	unregister_pernet_subsys(&proxyarp_net_ops);
err_addr:
	proxyarp_addr_exit();
err_fault:
	proxyarp_fault_exit();
	return err;
}

/*
 * QEMU's announcements first, devices next (their state, queues and
 * sysctl directories go), then the
 * namespaces (hooks, counters, "all" and "default"), then the
 * addresses the hooks read.
 * nf_unregister_net_hooks() waits for running hooks, and rcu_barrier()
 * for the RCU callbacks that free per-device state (device.c): nothing
 * of the module runs after this returns.
 */
static void __exit proxyarp_exit(void)
{
	proxyarp_announce_exit();
	proxyarp_device_exit();
	unregister_pernet_subsys(&proxyarp_net_ops);
	proxyarp_addr_exit();
	rcu_barrier();
	proxyarp_fault_exit();
}

module_init(proxyarp_init);
module_exit(proxyarp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-aware proxy ARP and NDP, with safety knobs");
MODULE_AUTHOR("proxyarp developers");
MODULE_VERSION(PROXYARP_VERSION);
