// SPDX-License-Identifier: GPL-2.0
/*
 * The host routes of a namespace, for announcements (announce.c): every
 * single-path unicast /32 and /128, with its table and device, learnt
 * from a FIB notifier.  register_fib_notifier() replays the routes that
 * exist when a namespace (or the module) comes, so the index starts
 * whole; a replay that races a change is flushed by the FIB code's
 * callback and run again.
 *
 * IPv4 notifies under RTNL, IPv6 under its table's lock, both in an
 * atomic notifier chain: the index is written under routes_lock with
 * bottom halves off, allocates atomically, and is read under RCU.  A
 * route the notifier sees is not yet in the table (IPv6 notifies before
 * linking it): it is only marked fresh here, and announce.c's work
 * decides about it later, in process context.
 */

#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/fib_notifier.h>
#include <net/ip6_fib.h>
#include <net/ip_fib.h>
#include <net/nexthop.h>

#include "proxyarp.h"

static u32 proxyarp_route_hash(const struct proxyarp_net *pn, u8 family,
			       const union proxyarp_inaddr *addr)
{
	return jhash2((const u32 *)addr, sizeof(*addr) / sizeof(u32),
		      pn->seed ^ family) & (PROXYARP_ROUTES_SIZE - 1);
}

static struct proxyarp_route *
proxyarp_route_find(struct proxyarp_net *pn, u8 family,
		    const union proxyarp_inaddr *addr, u32 table)
{
	struct proxyarp_route *r;

	hlist_for_each_entry(r, &pn->routes[proxyarp_route_hash(pn, family,
								addr)], node)
		if (r->family == family && r->table == table &&
		    !memcmp(&r->addr, addr, sizeof(*addr)))
			return r;
	return NULL;
}

static void proxyarp_route_del(struct proxyarp_net *pn,
			       struct proxyarp_route *r)
{
	hlist_del_rcu(&r->node);
	list_del(&r->fresh);
	kfree_rcu(r, rcu);
}

/*
 * A host route through @oif (0: not one the module announces for, which
 * removes what the key had).  A new or moved route is fresh: announce.c
 * looks at it when the namespace announces.
 */
static void proxyarp_route_set(struct proxyarp_net *pn, u8 family,
			       const union proxyarp_inaddr *addr, u32 table,
			       int oif)
{
	struct proxyarp_route *r;

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
			goto out;
		r->family = family;
		r->addr = *addr;
		r->table = table;
		INIT_LIST_HEAD(&r->fresh);
		hlist_add_head_rcu(&r->node,
				   &pn->routes[proxyarp_route_hash(pn, family,
								   addr)]);
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
}

static void proxyarp_route4_event(struct proxyarp_net *pn,
				  unsigned long event,
				  const struct fib_entry_notifier_info *info)
{
	union proxyarp_inaddr addr = { .ip = htonl(info->dst) };
	struct fib_info *fi = info->fi;
	int oif = 0;

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

static void proxyarp_routes_flush(struct proxyarp_net *pn)
{
	struct proxyarp_route *r;
	struct hlist_node *tmp;
	int i;

	spin_lock_bh(&pn->routes_lock);
	for (i = 0; i < PROXYARP_ROUTES_SIZE; i++)
		hlist_for_each_entry_safe(r, tmp, &pn->routes[i], node)
			proxyarp_route_del(pn, r);
	spin_unlock_bh(&pn->routes_lock);
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
 * In process context: a bucket at a time, rescheduling between.
 */
void proxyarp_routes_walk(struct proxyarp_net *pn, int oif,
			  void (*fn)(void *arg, const struct proxyarp_route *r),
			  void *arg)
{
	struct proxyarp_route *r;
	int i;

	for (i = 0; i < PROXYARP_ROUTES_SIZE; i++) {
		rcu_read_lock();
		hlist_for_each_entry_rcu(r, &pn->routes[i], node)
			if (!oif || READ_ONCE(r->oif) == oif)
				fn(arg, r);
		rcu_read_unlock();
		cond_resched();
	}
}

int proxyarp_routes_net_init(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);
	int err;

	spin_lock_init(&pn->routes_lock);
	INIT_LIST_HEAD(&pn->fresh);
	pn->routes = kcalloc(PROXYARP_ROUTES_SIZE, sizeof(*pn->routes),
			     GFP_KERNEL);
	if (!pn->routes)
		return -ENOMEM;
	pn->fib_nb.notifier_call = proxyarp_fib_event;
	err = register_fib_notifier(net, &pn->fib_nb, proxyarp_fib_dump_flush,
				    NULL);
	if (err) {
		proxyarp_routes_flush(pn);
		kfree(pn->routes);
	}
	return err;
}

/* No more route changes: the work that reads the routes can be stopped. */
void proxyarp_routes_unwatch(struct net *net)
{
	unregister_fib_notifier(net, &proxyarp_pernet(net)->fib_nb);
}

/*
 * After proxyarp_routes_unwatch() and the work's end: no writer or reader
 * is left.  kfree_rcu() needs nothing of the module's.
 */
void proxyarp_routes_net_exit(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);

	proxyarp_routes_flush(pn);
	kfree(pn->routes);
}
