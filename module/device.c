// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device state of both families, kept by a netdevice notifier (so under
 * RTNL): created when a device registers in a namespace, and for every
 * existing device when the module loads (register_netdevice_notifier()
 * replays NETDEV_REGISTER); its sysctl directory renamed with the device;
 * destroyed when the device unregisters, which includes leaving for another
 * namespace, where it registers anew and takes that namespace's "default".
 */

#include <linux/hashtable.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "proxyarp.h"

/*
 * The hooks find a device's state by its net_device in one global hash:
 * cheaper on every packet than the namespace's xarray (net_generic() then
 * xa_load(), each with its own RCU section), which stays the index that
 * sysctl, the counters and the namespace walks use.  Both are written
 * under RTNL, together; a pdev leaves both before its grace period.
 */
#define PROXYARP_DEV_HASH_BITS	12

static DEFINE_HASHTABLE(proxyarp_dev_hash, PROXYARP_DEV_HASH_BITS);

/*
 * At its bucket's tail, under RTNL: a device keeps its place ahead of the
 * ones registered after it, so the VLAN interface a node's requests come
 * in on, there before the taps, is found at the same cost however many
 * taps follow it.  (At the head, each colliding newcomer would cost every
 * request on it one more step.)
 */
static void proxyarp_dev_hash_add(struct proxyarp_dev *pdev)
{
	struct hlist_head *head;
	struct hlist_node *last = NULL, *n;

	head = &proxyarp_dev_hash[hash_min((unsigned long)pdev->dev,
					   HASH_BITS(proxyarp_dev_hash))];
	hlist_for_each(n, head)
		last = n;
	if (last)
		hlist_add_behind_rcu(&pdev->hnode, last);
	else
		hlist_add_head_rcu(&pdev->hnode, head);
}

/* @dev's state, NULL when it has none; under RCU. */
struct proxyarp_dev *proxyarp_dev_get_rcu(const struct net_device *dev)
{
	struct proxyarp_dev *pdev;

	hash_for_each_possible_rcu(proxyarp_dev_hash, pdev, hnode,
				   (unsigned long)dev)
		if (pdev->dev == dev)
			return pdev;
	return NULL;
}

/* @dev's state of @family, NULL when it has none; under RCU. */
struct proxyarp_fdev *proxyarp_fdev_get_rcu(const struct net_device *dev,
					    int family)
{
	struct proxyarp_dev *pdev = proxyarp_dev_get_rcu(dev);

	return pdev ? &pdev->fam[family] : NULL;
}

/* The device a conf belongs to: @conf is a proxyarp_fdev's. */
struct proxyarp_dev *proxyarp_dev_of_conf(struct proxyarp_conf *conf)
{
	struct proxyarp_fdev *fd = container_of(conf, struct proxyarp_fdev,
						conf);

	/* fam[] is indexed by family: step back to its first element. */
	return container_of(fd - conf->family, struct proxyarp_dev, fam[0]);
}

/*
 * NDP: a solicitation for a proxied target goes to the target's
 * solicited-node group, which this host has not joined.  A device whose
 * hardware filters multicast would drop it, so the device is in
 * allmulticast mode while its proxyndp mode is not 0.  The reference is
 * taken and given back here only, under RTNL, and pdev->fam[NDP].allmulti
 * says whether we hold it: every path (a write, registration,
 * unregistration, which namespace exit and module unload go through)
 * leaves the device's count as it found it.
 *
 * Not from NETDEV_REGISTER: newer kernels call it with the device's
 * instance lock held for drivers that take it, and dev_set_allmulti()
 * takes that lock.  A device that registers with a mode (from
 * "default") gets its allmulticast mode from the namespace's work,
 * below, a moment later.  NETDEV_UNREGISTER is called without it.
 */
static int proxyarp_dev_sync_allmulti(struct proxyarp_dev *pdev)
{
	struct proxyarp_fdev *fd = &pdev->fam[PROXYARP_NDP];
	bool want = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MODE]) !=
		    PROXYARP_MODE_OFF;
	int err;

	ASSERT_RTNL();
	if (want == fd->allmulti)
		return 0;
	err = dev_set_allmulti(pdev->dev, want ? 1 : -1);
	if (!err)
		fd->allmulti = want;
	return err;
}

/*
 * Set @pdev's NDP mode, and its allmulticast count with it, under RTNL
 * (every writer of NDP's mode holds it): the mode stays as it was when
 * the count cannot change.
 */
int proxyarp_dev_set_ndp_mode(struct proxyarp_dev *pdev, int val)
{
	int *mode = &pdev->fam[PROXYARP_NDP].conf.val[PROXYARP_KNOB_MODE];
	int old, err;

	ASSERT_RTNL();
	old = *mode;
	WRITE_ONCE(*mode, val);
	err = proxyarp_dev_sync_allmulti(pdev);
	if (err)
		WRITE_ONCE(*mode, old);
	return err;
}

static void proxyarp_allmulti_work(struct work_struct *work)
{
	struct proxyarp_net *pn = container_of(work, struct proxyarp_net,
					       allmulti_work);
	struct proxyarp_dev *pdev;
	unsigned long ifindex;

	rtnl_lock();
	xa_for_each(&pn->devs, ifindex, pdev)
		if (proxyarp_dev_sync_allmulti(pdev))
			netdev_warn(pdev->dev,
				    "cannot enter allmulticast mode\n");
	rtnl_unlock();
}

void proxyarp_device_net_init(struct proxyarp_net *pn)
{
	xa_init(&pn->devs);
	INIT_WORK(&pn->allmulti_work, proxyarp_allmulti_work);
}

/* After the namespace's devices are gone; not under RTNL. */
void proxyarp_device_net_exit(struct proxyarp_net *pn)
{
	cancel_work_sync(&pn->allmulti_work);
	WARN_ON_ONCE(!xa_empty(&pn->devs));
	xa_destroy(&pn->devs);
}

/*
 * Every device's counters before a mode other than 0 is written to "all":
 * none missing, or nothing written.  Those had stay, unused until a mode.
 */
static int proxyarp_conf_all_stats(struct proxyarp_net *pn, int family)
{
	struct proxyarp_dev *pdev;
	unsigned long ifindex;
	int err;

	xa_for_each(&pn->devs, ifindex, pdev) {
		err = proxyarp_fdev_want_stats(&pdev->fam[family]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Called under RTNL by a write to "all" (and the hooks mutex for a mode):
 * "default" and every device take the value.  A device whose allmulticast count
 * cannot change keeps its mode; the first such error is returned, the
 * others applied.
 */
int proxyarp_conf_set_all(struct proxyarp_net *pn, int family, int knob,
			  int val)
{
	struct proxyarp_fnet *fn = &pn->fam[family];
	struct proxyarp_dev *pdev;
	unsigned long ifindex;
	int ret = 0;

	ASSERT_RTNL();
	if (knob == PROXYARP_KNOB_MODE && val != PROXYARP_MODE_OFF) {
		lockdep_assert_held(&pn->hooks_mutex);
		ret = proxyarp_conf_all_stats(pn, family);
		if (ret)
			return ret;
	}
	WRITE_ONCE(fn->all.val[knob], val);
	WRITE_ONCE(fn->dflt.val[knob], val);
	xa_for_each(&pn->devs, ifindex, pdev) {
		struct proxyarp_conf *conf = &pdev->fam[family].conf;
		int err;

		if (family != PROXYARP_NDP || knob != PROXYARP_KNOB_MODE) {
			WRITE_ONCE(conf->val[knob], val);
			continue;
		}
		err = proxyarp_dev_set_ndp_mode(pdev, val);
		ret = ret ?: err;
	}
	return ret;
}

static void proxyarp_fdev_free(struct proxyarp_dev *pdev)
{
	int family;

	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		proxyarp_stats_free(pdev->fam[family].stats);
		proxyarp_guard_free(&pdev->fam[family].guard);
	}
	kfree(pdev);
}

static void proxyarp_fdev_unregister(struct proxyarp_dev *pdev, int n)
{
	while (n--)
		proxyarp_sysctl_unregister(pdev->fam[n].sysctl);
}

/*
 * A device's counters of a family come with its first mode other than 0
 * and stay until it unregisters: most devices (a node's taps, a container
 * host's veths) never have any.  Set before the mode leaves 0 by whoever
 * writes that mode: registration, or a write under the namespace's hooks
 * mutex (sysctl.c).  The hooks and the counters file read the pointer
 * without a lock; cmpxchg() orders the zeroed blocks before it and, as
 * netdev_core_stats_alloc() does, keeps one if two ever race.
 */
int proxyarp_fdev_want_stats(struct proxyarp_fdev *fd)
{
	struct proxyarp_stats __percpu *stats;

	if (READ_ONCE(fd->stats))
		return 0;
	stats = proxyarp_stats_alloc();
	if (!stats)
		return -ENOMEM;
	if (cmpxchg(&fd->stats, NULL, stats))
		proxyarp_stats_free(stats);
	return 0;
}

/*
 * The family's tunables from "default".  Counters that cannot be had
 * leave the device at mode 0, its directory there to try again.
 */
static void proxyarp_fdev_init(struct net_device *dev,
			       struct proxyarp_dev *pdev, int family)
{
	struct proxyarp_fnet *fn = &proxyarp_pernet(dev_net(dev))->fam[family];
	struct proxyarp_fdev *fd = &pdev->fam[family];
	int *mode = &fd->conf.val[PROXYARP_KNOB_MODE];
	int i;

	for (i = 0; i < __PROXYARP_KNOB_MAX; i++)
		fd->conf.val[i] = READ_ONCE(fn->dflt.val[i]);
	fd->conf.family = family;
	proxyarp_guard_init(&fd->guard);
	proxyarp_guard_init(&fd->ann_guard);
	if (*mode != PROXYARP_MODE_OFF && proxyarp_fdev_want_stats(fd)) {
		pr_warn("%s: no memory for its %s counters: mode 0, not %d\n",
			dev->name, proxyarp_families[family].name, *mode);
		*mode = PROXYARP_MODE_OFF;
	}
}

static int proxyarp_dev_add(struct net_device *dev)
{
	struct net *net = dev_net(dev);
	struct proxyarp_net *pn = proxyarp_pernet(net);
	struct proxyarp_dev *pdev;
	int family, err;

	pdev = kzalloc_obj(*pdev, GFP_KERNEL);
	if (!pdev)
		return -ENOMEM;
	pdev->dev = dev;
	strscpy(pdev->name, dev->name, IFNAMSIZ);
	proxyarp_delay_init(pdev);
	proxyarp_announce_dev_init(pdev);

	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++)
		proxyarp_fdev_init(dev, pdev, family);
	err = -ENOMEM;
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		pdev->fam[family].sysctl =
			proxyarp_sysctl_register(net, dev->name,
						 &pdev->fam[family].conf);
		if (!pdev->fam[family].sysctl)
			goto err_sysctl;
	}
	err = xa_insert(&pn->devs, dev->ifindex, pdev, GFP_KERNEL);
	if (err)
		goto err_sysctl;
	proxyarp_dev_hash_add(pdev);
	if (READ_ONCE(pdev->fam[PROXYARP_NDP].conf.val[PROXYARP_KNOB_MODE]))
		schedule_work(&pn->allmulti_work);
	return 0;

err_sysctl:
	proxyarp_fdev_unregister(pdev, family);
	proxyarp_fdev_free(pdev);
	return err;
}

static void proxyarp_dev_free_rcu(struct rcu_head *head)
{
	proxyarp_fdev_free(container_of(head, struct proxyarp_dev, rcu));
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
	hash_del_rcu(&pdev->hnode);
	proxyarp_delay_flush(pdev);
	proxyarp_announce_flush(pdev);
	proxyarp_fdev_unregister(pdev, __PROXYARP_FAMILY_MAX);
	/* No handler runs now: the mode cannot change under us. */
	WRITE_ONCE(pdev->fam[PROXYARP_NDP].conf.val[PROXYARP_KNOB_MODE],
		   PROXYARP_MODE_OFF);
	proxyarp_dev_sync_allmulti(pdev);
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
	struct ctl_table_header *hdr[__PROXYARP_FAMILY_MAX];
	struct proxyarp_dev *pdev;
	int family;

	pdev = xa_load(&pn->devs, dev->ifindex);
	if (!pdev || !strcmp(pdev->name, dev->name))
		return 0;

	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		hdr[family] = proxyarp_sysctl_register(dev_net(dev), dev->name,
						       &pdev->fam[family].conf);
		if (!hdr[family])
			goto err;
	}
	strscpy(pdev->name, dev->name, IFNAMSIZ);
	for (family = 0; family < __PROXYARP_FAMILY_MAX; family++) {
		swap(hdr[family], pdev->fam[family].sysctl);
		proxyarp_sysctl_unregister(hdr[family]);
	}
	return 0;

err:
	while (family--)
		proxyarp_sysctl_unregister(hdr[family]);
	return -ENOMEM;
}

/* A change announce.c may announce for: under RTNL. */
static void proxyarp_device_changed(struct net_device *dev,
				    unsigned long event)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(dev));
	struct proxyarp_dev *pdev = xa_load(&pn->devs, dev->ifindex);

	if (pdev)
		proxyarp_announce_dev_event(pdev, event);
}

/*
 * True while the module loads: register_netdevice_notifier() replays
 * NETDEV_REGISTER for every device, and a device the module cannot set
 * up fails the load, which then undoes the others.  Afterwards a device
 * it cannot set up is registered all the same, without its directories,
 * and not proxied: the kernel log says so.  Read under RTNL.
 */
static bool proxyarp_device_loading;

static int proxyarp_netdev_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	int err = 0;

	switch (event) {
	case NETDEV_REGISTER:
		err = proxyarp_dev_add(dev);
		if (!err || proxyarp_device_loading)
			break;
		pr_warn("%s: no state for the device (%pe): not proxied\n",
			dev->name, ERR_PTR(err));
		err = 0;
		break;
	case NETDEV_CHANGENAME:
		err = proxyarp_dev_rename(dev);
		break;
	case NETDEV_UNREGISTER:
		proxyarp_dev_unregister(dev);
		break;
	case NETDEV_UP:
	case NETDEV_DOWN:
	case NETDEV_CHANGE:
	case NETDEV_CHANGEADDR:
	case NETDEV_NOTIFY_PEERS:
		proxyarp_device_changed(dev, event);
		break;
	}
	return notifier_from_errno(err);
}

static struct notifier_block proxyarp_netdev_notifier = {
	.notifier_call = proxyarp_netdev_event,
};

/*
 * A device registering after the replay, before the flag is cleared
 * below, is refused on a failure as the kernel's own notifiers would.
 */
int proxyarp_device_init(void)
{
	int err;

	proxyarp_device_loading = true;
	err = register_netdevice_notifier(&proxyarp_netdev_notifier);
	rtnl_lock();
	proxyarp_device_loading = false;
	rtnl_unlock();
	return err;
}

/* Replays NETDEV_UNREGISTER for every device: all state goes. */
void proxyarp_device_exit(void)
{
	unregister_netdevice_notifier(&proxyarp_netdev_notifier);
}
