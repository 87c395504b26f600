// SPDX-License-Identifier: GPL-2.0
/*
 * The host routes of a namespace, for announcements (announce.c): every
 * single-path unicast /32 and /128, with its table and device, learnt
 * from a FIB notifier, in a resizable hash table keyed by address, table
 * and family: a node may hold a route per guest, 100,000 and more.
 * register_fib_notifier() replays the routes that exist when a namespace
 * (or the module) comes, so the index starts whole; a replay that races
 * a change is flushed by the FIB code's callback and run again.
 *
 * IPv4 notifies under RTNL (its replay under RCU), IPv6 under its
 * table's lock, from a softirq too (route expiry): the index is written
 * under routes_lock with bottom halves off, allocates atomically, and is
 * read under RCU.  A route the notifier sees is not yet in the table
 * (IPv6 notifies before linking it): it is only marked fresh here, and
 * announce.c's work decides about it later, in process context.
 */

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/fib_notifier.h>
#include <net/ip6_fib.h>
#include <net/ip_fib.h>
#include <net/nexthop.h>

#include "proxyarp.h"

#define PROXYARP_ROUTES_BATCH	256	/* routes walked under one RCU section */

/* The key: addr, table and family, hashed and compared as bytes. */
#define PROXYARP_ROUTE_KEY_LEN	(sizeof(union proxyarp_inaddr) + 2 * sizeof(u32))
static_assert(offsetofend(struct proxyarp_route, family) -
	      offsetof(struct proxyarp_route, addr) == PROXYARP_ROUTE_KEY_LEN);

static const struct rhashtable_params proxyarp_route_params = {
	.head_offset = offsetof(struct proxyarp_route, node),
	.key_offset = offsetof(struct proxyarp_route, addr),
	.key_len = PROXYARP_ROUTE_KEY_LEN,
	/* 2M routes a namespace; the buckets are not charged to a cgroup */
	.max_size = 1 << 20,
	.automatic_shrinking = true,
};

static struct proxyarp_route *
proxyarp_route_find(struct proxyarp_net *pn, u32 family,
		    const union proxyarp_inaddr *addr, u32 table)
{
	struct proxyarp_route key = {};

	key.addr = *addr;
	key.table = table;
	key.family = family;
	return rhashtable_lookup_fast(&pn->routes, &key.addr,
				      proxyarp_route_params);
}

/* Under routes_lock. */
static void proxyarp_route_del(struct proxyarp_net *pn,
			       struct proxyarp_route *r)
{
	if (rhashtable_remove_fast(&pn->routes, &r->node,
				   proxyarp_route_params))
		return;			/* gone already */
	list_del(&r->fresh);
	kfree_rcu(r, rcu);
}

/*
 * A host route through @oif (0: not one the module announces for, which
 * removes what the key had).  A new or moved route is fresh: announce.c
 * looks at it when the namespace announces.
 */
static void proxyarp_route_set(struct proxyarp_net *pn, u32 family,
			       const union proxyarp_inaddr *addr, u32 table,
			       int oif)
{
	struct proxyarp_route *r;
	int err = -ENOMEM;

	spin_lock_bh(&pn->routes_lock);
	r = proxyarp_route_find(pn, family, addr, table);
	if (!oif) {
		if (r)
			proxyarp_route_del(pn, r);
		goto out;
	}
	if (!r) {
		/* Charged to whoever adds the route, as the route is. */
		r = kzalloc_obj(*r, GFP_ATOMIC | __GFP_ACCOUNT);
		if (!r)
			goto lost;
		r->family = family;
		r->addr = *addr;
		r->table = table;
		INIT_LIST_HEAD(&r->fresh);
		err = rhashtable_insert_fast(&pn->routes, &r->node,
					     proxyarp_route_params);
		if (err) {
			kfree(r);
			goto lost;
		}
	} else if (r->oif == oif) {
		goto out;
	}
	WRITE_ONCE(r->oif, oif);
	if (READ_ONCE(pn->announcing) && list_empty(&r->fresh)) {
		r->fresh_at = jiffies;
		list_add_tail(&r->fresh, &pn->fresh);
		proxyarp_announce_kick(pn);
	}
out:
	spin_unlock_bh(&pn->routes_lock);
	return;
lost:
	spin_unlock_bh(&pn->routes_lock);
	net_warn_ratelimited("a host route in table %u not indexed (%d): not announced\n",
			     table, err);
}

static void proxyarp_route4_event(struct proxyarp_net *pn,
				  unsigned long event,
				  const struct fib_entry_notifier_info *info)
{
	union proxyarp_inaddr addr = {};
	struct fib_info *fi = info->fi;
	int oif = 0;

	addr.ip = htonl(info->dst);

	if (info->dst_len != 32)
		return;
	if (event != FIB_EVENT_ENTRY_DEL && info->type == RTN_UNICAST &&
	    fib_info_num_path(fi) == 1 && fib_info_nhc(fi, 0)->nhc_dev)
		oif = fib_info_nhc(fi, 0)->nhc_dev->ifindex;
	proxyarp_route_set(pn, PROXYARP_ARP, &addr, info->tb_id, oif);
}

static struct fib6_nh *proxyarp_route6_nh(struct fib6_info *rt)
{
	if (!rt->nh)
		return rt->fib6_nh;
	if (nexthop_is_multipath(rt->nh))
		return NULL;
	return nexthop_fib6_nh(rt->nh);
}

static void proxyarp_route6_event(struct proxyarp_net *pn,
				  unsigned long event,
				  const struct fib6_entry_notifier_info *info)
{
	struct fib6_info *rt = info->rt;
	union proxyarp_inaddr addr = { .ip6 = rt->fib6_dst.addr };
	struct fib6_nh *nh;
	int oif = 0;

	if (rt->fib6_dst.plen != 128 || !rt->fib6_table)
		return;
	nh = proxyarp_route6_nh(rt);
	if (event != FIB_EVENT_ENTRY_DEL && rt->fib6_type == RTN_UNICAST &&
	    !info->nsiblings && !rt->fib6_nsiblings && nh && nh->fib_nh_dev)
		oif = nh->fib_nh_dev->ifindex;
	proxyarp_route_set(pn, PROXYARP_NDP, &addr, rt->fib6_table->tb6_id,
			   oif);
}

static int proxyarp_fib_event(struct notifier_block *nb, unsigned long event,
			      void *ptr)
{
	struct proxyarp_net *pn = container_of(nb, struct proxyarp_net, fib_nb);
	struct fib_notifier_info *info = ptr;

	switch (event) {
	case FIB_EVENT_ENTRY_REPLACE:
	case FIB_EVENT_ENTRY_APPEND:
	case FIB_EVENT_ENTRY_ADD:
	case FIB_EVENT_ENTRY_DEL:
		break;
	default:
		return NOTIFY_DONE;
	}
	if (info->family == AF_INET)
		proxyarp_route4_event(pn, event, ptr);
	else if (info->family == AF_INET6)
		proxyarp_route6_event(pn, event, ptr);
	return NOTIFY_DONE;
}

/*
 * In process context, the notifier off its chain (a replay that raced a
 * change, or its failure): routes_lock only around each deletion, as
 * the walk takes a lock that softirqs do not.
 */
static void proxyarp_routes_flush(struct proxyarp_net *pn)
{
	struct rhashtable_iter iter;
	struct proxyarp_route *r;

	rhashtable_walk_enter(&pn->routes, &iter);
	rhashtable_walk_start(&iter);
	while ((r = rhashtable_walk_next(&iter))) {
		if (IS_ERR(r))		/* -EAGAIN: a resize, go on */
			continue;
		spin_lock_bh(&pn->routes_lock);
		proxyarp_route_del(pn, r);
		spin_unlock_bh(&pn->routes_lock);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/* The FIB code's word that a replay raced a change: it replays again. */
static void proxyarp_fib_dump_flush(struct notifier_block *nb)
{
	proxyarp_routes_flush(container_of(nb, struct proxyarp_net, fib_nb));
}

/**
 * proxyarp_routes_pop_fresh - the oldest route new since the last call
 * @pn: the namespace
 * @r: receives a copy of it (node, fresh and rcu unused)
 *
 * A route noted this tick may not be in its table yet (IPv6 notifies
 * before it links the route): it waits for the next tick.
 *
 * Return: 1 for a route, 0 for none, -EAGAIN when the oldest is too new.
 */
int proxyarp_routes_pop_fresh(struct proxyarp_net *pn,
			      struct proxyarp_route *r)
{
	struct proxyarp_route *f;
	int ret = 0;

	spin_lock_bh(&pn->routes_lock);
	f = list_first_entry_or_null(&pn->fresh, struct proxyarp_route, fresh);
	if (f && !time_after(jiffies, f->fresh_at)) {
		ret = -EAGAIN;
	} else if (f) {
		list_del_init(&f->fresh);
		*r = *f;
		ret = 1;
	}
	spin_unlock_bh(&pn->routes_lock);
	return ret;
}

/**
 * proxyarp_routes_walk - call @fn for each host route through @oif
 * @pn: the namespace
 * @oif: the route's device, 0 for every route
 * @fn: called under RCU, for a route that may go at any time
 * @arg: @fn's
 *
 * In process context: at least PROXYARP_ROUTES_BATCH routes under one
 * RCU section, rescheduling at the end of a hash chain (rhashtable's
 * walk can lose its place in a chain that changed while it slept).  A
 * route there throughout is seen; a resize while the walk sleeps starts
 * it again, so @fn may see a route twice.
 */
void proxyarp_routes_walk(struct proxyarp_net *pn, int oif,
			  void (*fn)(void *arg, const struct proxyarp_route *r),
			  void *arg)
{
	struct rhashtable_iter iter;
	struct proxyarp_route *r;
	unsigned int n = 0;

	rhashtable_walk_enter(&pn->routes, &iter);
	rhashtable_walk_start(&iter);
	while ((r = rhashtable_walk_next(&iter))) {
		if (IS_ERR(r))
			continue;
		if (!oif || READ_ONCE(r->oif) == oif)
			fn(arg, r);
		if (++n < PROXYARP_ROUTES_BATCH ||
		    !rht_is_a_nulls(rcu_access_pointer(r->node.next)))
			continue;
		n = 0;
		rhashtable_walk_stop(&iter);
		cond_resched();
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/* rhashtable_free_and_destroy()'s: no reader or writer is left. */
static void proxyarp_route_free(void *ptr, void *arg)
{
	kfree(ptr);
}

int proxyarp_routes_net_init(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);

	spin_lock_init(&pn->routes_lock);
	INIT_LIST_HEAD(&pn->fresh);
	return rhashtable_init(&pn->routes, &proxyarp_route_params);
}

/* After announce.c's init: a replay may queue its work. */
int proxyarp_routes_watch(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);

	pn->fib_nb.notifier_call = proxyarp_fib_event;
	return register_fib_notifier(net, &pn->fib_nb,
				     proxyarp_fib_dump_flush, NULL);
}

/* No more route changes: the work that reads the routes can be stopped. */
void proxyarp_routes_unwatch(struct net *net)
{
	unregister_fib_notifier(net, &proxyarp_pernet(net)->fib_nb);
}

/*
 * After proxyarp_routes_unwatch() (or a failed watch) and the work's
 * end: no writer or reader is left, the routes go at once.  kfree_rcu()
 * of those deleted before needs nothing of the module's.
 */
void proxyarp_routes_net_exit(struct net *net)
{
	rhashtable_free_and_destroy(&proxyarp_pernet(net)->routes,
				    proxyarp_route_free, NULL);
}
