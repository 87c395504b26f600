// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device state, kept by a netdevice notifier (so under RTNL): created
 * when a device registers in a namespace, and for every existing device
 * when the module loads (register_netdevice_notifier() replays
 * NETDEV_REGISTER); its sysctl directory renamed with the device;
 * destroyed when the device unregisters, which includes leaving for
 * another namespace, where it registers anew and takes that namespace's
 * "default".
 */

#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "proxyarp.h"

struct proxyarp_dev *proxyarp_dev_get_rcu(const struct net_device *dev)
{
	return xa_load(&proxyarp_pernet(dev_net(dev))->devs, dev->ifindex);
}

/* Called under RTNL by a write to "all". */
void proxyarp_conf_set_all(struct proxyarp_net *pn, int knob, int val)
{
	struct proxyarp_dev *pdev;
	unsigned long ifindex;

	ASSERT_RTNL();
	WRITE_ONCE(pn->dflt.val[knob], val);
	xa_for_each(&pn->devs, ifindex, pdev)
		WRITE_ONCE(pdev->conf.val[knob], val);
}

static int proxyarp_dev_register(struct net_device *dev)
{
	struct net *net = dev_net(dev);
	struct proxyarp_net *pn = proxyarp_pernet(net);
	struct proxyarp_dev *pdev;
	int i, err;

	pdev = kzalloc_obj(*pdev, GFP_KERNEL);
	if (!pdev)
		return -ENOMEM;
	for (i = 0; i < __PROXYARP_KNOB_MAX; i++)
		pdev->conf.val[i] = READ_ONCE(pn->dflt.val[i]);
	strscpy(pdev->name, dev->name, IFNAMSIZ);
	proxyarp_delay_init(pdev);
	proxyarp_guard_init(&pdev->guard);

	err = -ENOMEM;
	pdev->stats = proxyarp_stats_alloc();
	if (!pdev->stats)
		goto err_free;
	pdev->sysctl = proxyarp_sysctl_register(net, dev->name, &pdev->conf);
	if (!pdev->sysctl)
		goto err_free;
	err = xa_insert(&pn->devs, dev->ifindex, pdev, GFP_KERNEL);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	proxyarp_sysctl_unregister(pdev->sysctl);
err_free:
	proxyarp_stats_free(pdev->stats);
	kfree(pdev);
	return err;
}

static void proxyarp_dev_free_rcu(struct rcu_head *head)
{
	struct proxyarp_dev *pdev = container_of(head, struct proxyarp_dev, rcu);

	proxyarp_stats_free(pdev->stats);
	kfree(pdev);
}

static void proxyarp_dev_unregister(struct net_device *dev)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(dev));
	struct proxyarp_dev *pdev;

	/* Unpublish first: a hook or a reader of the counters that
	 * already found it keeps using it until the grace period ends.
	 */
	pdev = xa_erase(&pn->devs, dev->ifindex);
	if (!pdev)
		return;
	proxyarp_delay_flush(pdev);
	proxyarp_sysctl_unregister(pdev->sysctl);
	call_rcu(&pdev->rcu, proxyarp_dev_free_rcu);
}

/*
 * The directory follows the name, the values stay.  The new directory is
 * registered before the old one goes, so a failure leaves everything as
 * it was and vetoes the rename; dev_change_name() then renames back and
 * calls us again with the name we already have.
 */
static int proxyarp_dev_rename(struct net_device *dev)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(dev));
	struct ctl_table_header *old;
	struct proxyarp_dev *pdev;

	pdev = xa_load(&pn->devs, dev->ifindex);
	if (!pdev || !strcmp(pdev->name, dev->name))
		return 0;

	old = pdev->sysctl;
	pdev->sysctl = proxyarp_sysctl_register(dev_net(dev), dev->name,
						&pdev->conf);
	if (!pdev->sysctl) {
		pdev->sysctl = old;
		return -ENOMEM;
	}
	strscpy(pdev->name, dev->name, IFNAMSIZ);
	proxyarp_sysctl_unregister(old);
	return 0;
}

static int proxyarp_netdev_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	int err = 0;

	switch (event) {
	case NETDEV_REGISTER:
		err = proxyarp_dev_register(dev);
		break;
	case NETDEV_CHANGENAME:
		err = proxyarp_dev_rename(dev);
		break;
	case NETDEV_UNREGISTER:
		proxyarp_dev_unregister(dev);
		break;
	}
	return notifier_from_errno(err);
}

static struct notifier_block proxyarp_netdev_notifier = {
	.notifier_call = proxyarp_netdev_event,
};

int proxyarp_device_init(void)
{
	return register_netdevice_notifier(&proxyarp_netdev_notifier);
}

/* Replays NETDEV_UNREGISTER for every device: all state goes. */
void proxyarp_device_exit(void)
{
	unregister_netdevice_notifier(&proxyarp_netdev_notifier);
}
