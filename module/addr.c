// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv4 addresses configured on the devices of each namespace, kept
 * by an inetaddr notifier: the answer to "is the sender one of ours?"
 * that fib_validate_source() gets from inet_lookup_ifaddr_rcu(), which
 * devinet.c does not export.  __ip_dev_find(), which is exported, asks
 * the same hash but falls back to a lookup in the local table for every
 * address it does not hold, that is for every honest sender: a second
 * trie walk per request.  ipvlan keeps its addresses the same way.
 *
 * One entry per struct in_ifaddr, in a hash of (namespace, address) as
 * devinet.c's own.  The notifier and the walk of a namespace's existing
 * addresses (proxyarp_addr_net_init()) both run under RTNL, and an entry
 * is found by the in_ifaddr it mirrors, so adding one twice or removing
 * one never added is harmless: the notifier is registered before the
 * walk, and between the two both may see the same address.  The hook
 * reads the hash under RCU; entries are freed after a grace period.
 *
 * An address is announced (NETDEV_UP, NETDEV_DOWN) just after devinet.c
 * changes its own hash, so a request decided in that instant on another
 * CPU may see the address as it was: as it may with the kernel's own
 * lookup, racing the same change.  If an entry cannot be allocated, the
 * mirror is no longer exact and the module asks __ip_dev_find() from
 * then on.
 */

#include <linux/hash.h>
#include <linux/inetdevice.h>
#include <linux/rculist.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ip_fib.h>
#include <net/net_namespace.h>
#include <net/netns/hash.h>

#include "proxyarp.h"

#define PROXYARP_ADDR_HASH_BITS	8

struct proxyarp_addr {
	struct hlist_node node;
	const struct in_ifaddr *ifa;	/* proxyarp_addr_local_up() reads it */
	possible_net_t net;
	__be32 addr;
	struct rcu_head rcu;
};

static struct hlist_head proxyarp_addr_hash[1 << PROXYARP_ADDR_HASH_BITS];
/* Set once, when an entry could not be allocated. */
static bool proxyarp_addr_inexact;

static struct hlist_head *proxyarp_addr_bucket(const struct net *net,
					       __be32 addr)
{
	u32 key = net_hash_mix(net) ^ (__force u32)addr;

	return &proxyarp_addr_hash[hash_32(key, PROXYARP_ADDR_HASH_BITS)];
}

static struct proxyarp_addr *proxyarp_addr_find(const struct in_ifaddr *ifa)
{
	struct net *net = dev_net(ifa->ifa_dev->dev);
	struct proxyarp_addr *a;

	hlist_for_each_entry(a, proxyarp_addr_bucket(net, ifa->ifa_local),
			     node)
		if (a->ifa == ifa)
			return a;
	return NULL;
}

static void proxyarp_addr_add(const struct in_ifaddr *ifa)
{
	struct net *net = dev_net(ifa->ifa_dev->dev);
	struct proxyarp_addr *a;

	ASSERT_RTNL();
	if (proxyarp_addr_find(ifa))
		return;
	a = kmalloc_obj(*a, GFP_KERNEL);
	if (!a) {
		if (!proxyarp_addr_inexact)
			pr_warn("out of memory: sender addresses now checked the slow way\n");
		WRITE_ONCE(proxyarp_addr_inexact, true);
		return;
	}
	a->ifa = ifa;
	write_pnet(&a->net, net);
	a->addr = ifa->ifa_local;
	hlist_add_head_rcu(&a->node, proxyarp_addr_bucket(net, a->addr));
}

static void proxyarp_addr_del(struct proxyarp_addr *a)
{
	hlist_del_rcu(&a->node);
	kfree_rcu(a, rcu);
}

static int proxyarp_addr_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	struct proxyarp_addr *a;

	switch (event) {
	case NETDEV_UP:
		proxyarp_addr_add(ifa);
		break;
	case NETDEV_DOWN:
		a = proxyarp_addr_find(ifa);
		if (a)
			proxyarp_addr_del(a);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block proxyarp_addr_notifier = {
	.notifier_call = proxyarp_addr_event,
};

/*
 * When the mirror is not exact: __ip_dev_find() asks devinet.c's hash,
 * then the local table, where a route such as 127.0.0.0/8 covers
 * addresses no device has: keep its answer only if the device it names
 * holds the address itself.
 */
static bool proxyarp_addr_is_local_slow(struct net *net, __be32 addr)
{
	const struct in_ifaddr *ifa;
	struct net_device *dev;
	struct in_device *idev;

	dev = __ip_dev_find(net, addr, false);
	idev = dev ? __in_dev_get_rcu(dev) : NULL;
	if (!idev)
		return false;
	in_dev_for_each_ifa_rcu(ifa, idev)
		if (ifa->ifa_local == addr)
			return true;
	return false;
}

/**
 * proxyarp_addr_is_local - is @addr configured on a device of @net?
 * @net: the namespace
 * @addr: the address
 *
 * inet_lookup_ifaddr_rcu(), or __ip_dev_find() once the mirror is not
 * exact.  Under rcu_read_lock().
 */
bool proxyarp_addr_is_local(struct net *net, __be32 addr)
{
	const struct proxyarp_addr *a;

	if (unlikely(READ_ONCE(proxyarp_addr_inexact)))
		return proxyarp_addr_is_local_slow(net, addr);
	hlist_for_each_entry_rcu(a, proxyarp_addr_bucket(net, addr), node)
		if (a->addr == addr && net_eq(read_pnet(&a->net), net))
			return true;
	return false;
}

/**
 * proxyarp_addr_local_up - @addr's device, when @addr is surely local
 * @net: the namespace
 * @addr: a request's target
 *
 * Without policy rules of its own (VRF brings some) and without local
 * routes added by hand, a namespace routes as RTN_LOCAL exactly the
 * addresses configured on its devices that are up: the kernel adds and
 * removes their local routes with them (fib_add_ifaddr(),
 * fib_disable_ip()), so the route lookup can be skipped.  NULL means
 * "look the route up": the mirror is not exact, the namespace has rules
 * or local routes of its own, or @addr is none of its addresses on a
 * device that is up.  Under rcu_read_lock(): an entry is unlinked in its
 * address's removal notifier, and the address is freed a grace period
 * later (inet_free_ifa()), holding its in_device, which holds the device.
 */
struct net_device *proxyarp_addr_local_up(struct net *net, __be32 addr)
{
	const struct proxyarp_addr *a;
	struct net_device *dev;

	if (unlikely(READ_ONCE(proxyarp_addr_inexact)) ||
	    proxyarp_fib4_has_custom(net))
		return NULL;
	hlist_for_each_entry_rcu(a, proxyarp_addr_bucket(net, addr), node) {
		if (a->addr != addr || !net_eq(read_pnet(&a->net), net))
			continue;
		dev = a->ifa->ifa_dev->dev;
		if (READ_ONCE(dev->flags) & IFF_UP)
			return dev;
	}
	return NULL;
}

/* The addresses @net already has, from its pernet init. */
void proxyarp_addr_net_init(struct net *net)
{
	const struct in_ifaddr *ifa;
	struct net_device *dev;
	struct in_device *idev;

	rtnl_lock();
	for_each_netdev(net, dev) {
		idev = __in_dev_get_rtnl(dev);
		if (!idev)
			continue;
		in_dev_for_each_ifa_rtnl(ifa, idev)
			proxyarp_addr_add(ifa);
	}
	rtnl_unlock();
}

/* Drop the entries of @net, or of every namespace if @net is NULL. */
static void proxyarp_addr_purge(const struct net *net)
{
	struct proxyarp_addr *a;
	struct hlist_node *tmp;
	int i;

	ASSERT_RTNL();
	for (i = 0; i < ARRAY_SIZE(proxyarp_addr_hash); i++)
		hlist_for_each_entry_safe(a, tmp, &proxyarp_addr_hash[i], node)
			if (!net || net_eq(read_pnet(&a->net), net))
				proxyarp_addr_del(a);
}

/*
 * From the namespace's exit.  Its devices have gone, and their addresses
 * with them through the notifier; an entry left here would name a
 * namespace whose memory may come back as another one.
 */
void proxyarp_addr_net_exit(struct net *net)
{
	rtnl_lock();
	proxyarp_addr_purge(net);
	rtnl_unlock();
}

int proxyarp_addr_init(void)
{
	return register_inetaddr_notifier(&proxyarp_addr_notifier);
}

/* After the namespaces' exits: no hook reads the hash any more. */
void proxyarp_addr_exit(void)
{
	unregister_inetaddr_notifier(&proxyarp_addr_notifier);
	rtnl_lock();
	proxyarp_addr_purge(NULL);
	rtnl_unlock();
}
