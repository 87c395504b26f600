// SPDX-License-Identifier: GPL-2.0
/*
 * Announcements: telling the LAN at once that this host now answers for
 * an address, when something below says the answer changed.
 *
 * A device D at mode 1 with announce N > 0 announces an address A that
 * a host route names (routes.c), N times, 2 s apart (RFC 5227's
 * ANNOUNCE_INTERVAL), when its decision for A answers (the family's
 * answers(), the request's own decision with no asker: what the asker
 * would bring, its address's checks, is left out) and:
 *
 *  - trigger route: A's route through T appears while T's guest was
 *    heard in the last 30 s (the guest resumed, then its manager routed
 *    it: Ganeti's order);
 *  - trigger guest: T's guest is heard while routes through T exist (a
 *    gratuitous ARP, an unsolicited NA, QEMU's RARP from its MAC, or its
 *    answer to the module's probe: routes first, then the resume);
 *  - trigger up: D comes up or gets its carrier back, changes its MAC,
 *    or is asked to notify its peers: every address it answers for.
 *
 * A route that appears with no guest heard makes T probe for A (ARP: a
 * request from an address of the node's; NDP: a solicitation from T's
 * link-local address once past DAD; never from 0.0.0.0 or ::), 3 times
 * 1 s apart: a guest that answers has been heard.  A tap that was down
 * when its guest resumed (Ganeti keeps it down until kvm-ifup) lost the
 * guest's own announcements.
 *
 * Each device sends from a queue of its own, paced by a second storm
 * guard bucket per family (max_rate and max_burst; 64 a tick without
 * max_rate), at most 16384 waiting, the rest dropped and counted.  A
 * probe or announcement not sent (no source address yet, no memory) is
 * tried again each second, 5 times at most, then dropped and counted.
 * At mode 2 an announcement is traced once, not sent.
 *
 * Conflicts: on a device at mode 1 or 2, an ARP reply, a gratuitous ARP
 * or a neighbour advertisement from another MAC for an address the
 * device answers for is counted, traced and logged (once a minute per
 * address).  Answers are unchanged.
 *
 * Contexts: the hooks and the timers in softirq, the FIB notifier
 * atomic; the decisions that walk routes run in the namespace's work.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "proxyarp.h"

#define PROXYARP_ANN_WINDOW	(30 * HZ)	/* a guest heard this recently */
#define PROXYARP_ANN_INTERVAL	(2 * HZ)	/* between announcements */
#define PROXYARP_ANN_RESCAN	(10 * HZ)	/* a guest heard again: no scan */
#define PROXYARP_PROBE_INTERVAL	HZ
#define PROXYARP_PROBES		3
#define PROXYARP_ANN_RETRIES	5	/* no source yet (DAD), or no memory */
#define PROXYARP_ANN_QLEN	16384	/* waiting on one device */
#define PROXYARP_ANN_NET_QLEN	65536	/* ... in one namespace */
#define PROXYARP_ANN_BATCH	64	/* sent by one timer run */
#define PROXYARP_ANN_RATE	1000	/* a second, without max_rate */
#define PROXYARP_ANN_BURST	64
#define PROXYARP_CONFLICT_LOG	(60 * HZ)

enum {
	PROXYARP_SCAN_GUEST,		/* routes through the device */
	PROXYARP_SCAN_UP,		/* all the device answers for */
};

enum {
	PROXYARP_ANN_ANNOUNCE,
	PROXYARP_ANN_PROBE,
};

/* An announcement, or a probe, waiting on a device. */
struct proxyarp_ann {
	struct list_head node;		/* pdev->ann_now, ann_later; or none */
	struct hlist_node hnode;	/* pn->pending */
	union proxyarp_inaddr addr;
	unsigned long due;
	int ifindex;
	u8 family;
	u8 kind;
	u8 trigger;
	u8 sent;
	u8 total;			/* 0: cancelled */
	u8 retries;
	bool busy;			/* being sent: the timer frees it */
};

static u32 proxyarp_ann_hash(u32 seed, int ifindex, u8 family, u8 kind,
			     const union proxyarp_inaddr *addr)
{
	return jhash2((const u32 *)addr, sizeof(*addr) / sizeof(u32),
		      seed ^ ifindex ^ family << 24 ^ kind << 28) &
	       (PROXYARP_PENDING_SIZE - 1);
}

/* Under ann_lock. */
static struct proxyarp_ann *proxyarp_ann_find(struct proxyarp_net *pn,
					      int ifindex, u8 family, u8 kind,
					      const union proxyarp_inaddr *addr)
{
	struct proxyarp_ann *a;
	u32 h = proxyarp_ann_hash(pn->seed, ifindex, family, kind, addr);

	hlist_for_each_entry(a, &pn->pending[h], hnode)
		if (a->ifindex == ifindex && a->family == family &&
		    a->kind == kind && !memcmp(&a->addr, addr, sizeof(*addr)))
			return a;
	return NULL;
}

/* Under ann_lock: @a leaves its device's lists and the hash. */
static void proxyarp_ann_free(struct proxyarp_net *pn,
			      struct proxyarp_dev *pdev,
			      struct proxyarp_ann *a)
{
	list_del(&a->node);
	hlist_del(&a->hnode);
	pdev->ann_queued--;
	pn->ann_queued--;
	if (a->kind == PROXYARP_ANN_PROBE)
		atomic_dec(&pdev->ann_probes);
	kfree(a);
}

/*
 * Queue @addr on @pdev, to be sent @total times from now.  One already
 * waiting starts again for another trigger, or for the device coming up,
 * not for the same one (a guest heard again).  From the work.
 */
static void proxyarp_ann_queue(struct proxyarp_net *pn,
			       struct proxyarp_dev *pdev, u8 family, u8 kind,
			       const union proxyarp_inaddr *addr, u8 trigger,
			       u8 total)
{
	int ifindex = pdev->dev->ifindex;
	struct proxyarp_ann *a;

	spin_lock_bh(&pn->ann_lock);
	if (pdev->ann_dead)
		goto out;
	a = proxyarp_ann_find(pn, ifindex, family, kind, addr);
	if (a && a->total && a->trigger == trigger &&
	    trigger != PROXYARP_TRIGGER_UP)
		goto out;
	if (!a) {
		if (pdev->ann_queued < PROXYARP_ANN_QLEN &&
		    pn->ann_queued < PROXYARP_ANN_NET_QLEN)
			a = kzalloc_obj(*a, GFP_ATOMIC);
		if (!a) {
			proxyarp_stats_event(pdev, family,
					     PROXYARP_EVENT_ANNOUNCE_DROP);
			goto out;
		}
		a->addr = *addr;
		a->ifindex = ifindex;
		a->family = family;
		a->kind = kind;
		INIT_LIST_HEAD(&a->node);
		hlist_add_head(&a->hnode,
			       &pn->pending[proxyarp_ann_hash(pn->seed, ifindex,
							      family, kind,
							      addr)]);
		pdev->ann_queued++;
		pn->ann_queued++;
		if (kind == PROXYARP_ANN_PROBE)
			atomic_inc(&pdev->ann_probes);
	}
	a->trigger = trigger;
	a->sent = 0;
	a->retries = 0;
	a->total = total;
	list_move_tail(&a->node, &pdev->ann_now);
	timer_reduce(&pdev->ann_timer, jiffies);
out:
	spin_unlock_bh(&pn->ann_lock);
}

/* An Ethernet device that does ARP, up, with its carrier. */
static bool proxyarp_ann_can_send(const struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER &&
	       !(READ_ONCE(dev->flags) & IFF_NOARP) &&
	       netif_running(dev) && netif_carrier_ok(dev);
}

/* Would @pdev announce for @family: mode on or audit, announce set, up. */
static int proxyarp_ann_count(const struct proxyarp_dev *pdev, int family)
{
	const struct proxyarp_conf *conf = &pdev->fam[family].conf;
	int mode = READ_ONCE(conf->val[PROXYARP_KNOB_MODE]);

	if (mode == PROXYARP_MODE_OFF || !proxyarp_ann_can_send(pdev->dev))
		return 0;
	return READ_ONCE(conf->val[PROXYARP_KNOB_ANNOUNCE]);
}

/* Under RCU: how many times @pdev announces @r's address; 0: never. */
static int proxyarp_ann_times(const struct proxyarp_dev *pdev,
			      const struct proxyarp_route *r)
{
	const struct proxyarp_family *f = &proxyarp_families[r->family];
	int n = proxyarp_ann_count(pdev, r->family);
	bool router;

	if (!n || pdev->dev->ifindex == READ_ONCE(r->oif) ||
	    !f->answers(pdev->dev, &r->addr, &router))
		return 0;
	return n;
}

/* Under RCU: queue @r's address on @pdev if it announces and answers. */
static bool proxyarp_ann_offer(struct proxyarp_net *pn,
			       struct proxyarp_dev *pdev,
			       const struct proxyarp_route *r, u8 trigger)
{
	int n = proxyarp_ann_times(pdev, r);

	if (!n)
		return false;
	proxyarp_ann_queue(pn, pdev, r->family, PROXYARP_ANN_ANNOUNCE,
			   &r->addr, trigger, n);
	return true;
}

/* Under RCU: does a device at mode 1 announce @r's address? */
static bool proxyarp_ann_wanted(struct proxyarp_net *pn,
				const struct proxyarp_route *r)
{
	struct proxyarp_dev *pdev;
	unsigned long ifindex;

	xa_for_each(&pn->devs, ifindex, pdev)
		if (READ_ONCE(pdev->fam[r->family].conf.val[PROXYARP_KNOB_MODE]) ==
		    PROXYARP_MODE_ON && proxyarp_ann_times(pdev, r))
			return true;
	return false;
}

struct proxyarp_ann_walk {
	struct proxyarp_net *pn;
	int ifindex;			/* the one announcing; 0: all */
	u8 trigger;
};

/* Under RCU: offer @r to every device that may announce it. */
static void proxyarp_ann_offer_all(struct proxyarp_net *pn,
				   const struct proxyarp_route *r, u8 trigger)
{
	struct proxyarp_dev *pdev;
	unsigned long ifindex;

	xa_for_each(&pn->devs, ifindex, pdev)
		proxyarp_ann_offer(pn, pdev, r, trigger);
}

/* Under RCU, from proxyarp_routes_walk(). */
static void proxyarp_ann_walk_one(void *arg, const struct proxyarp_route *r)
{
	struct proxyarp_ann_walk *w = arg;
	struct proxyarp_dev *pdev;

	if (!w->ifindex) {
		proxyarp_ann_offer_all(w->pn, r, w->trigger);
		return;
	}
	pdev = xa_load(&w->pn->devs, w->ifindex);
	if (pdev)
		proxyarp_ann_offer(w->pn, pdev, r, w->trigger);
}

static bool proxyarp_ann_heard_recently(const struct proxyarp_dev *pdev)
{
	unsigned long heard = READ_ONCE(pdev->heard);

	return heard && time_in_range(jiffies, heard,
				      heard + PROXYARP_ANN_WINDOW);
}

/*
 * Under RCU: a new route.  Announced where it is answered if its guest
 * was heard; else the guest is probed for, if anything would announce.
 */
static void proxyarp_ann_route(struct proxyarp_net *pn,
			       const struct proxyarp_route *r)
{
	struct net_device *guest = dev_get_by_index_rcu(pn->net, r->oif);
	struct proxyarp_dev *pdev = guest ? proxyarp_dev_get_rcu(guest) :
					    NULL;

	if (!pdev)
		return;
	if (proxyarp_ann_heard_recently(pdev))
		proxyarp_ann_offer_all(pn, r, PROXYARP_TRIGGER_ROUTE);
	else if (proxyarp_ann_can_send(guest) && proxyarp_ann_wanted(pn, r))
		proxyarp_ann_queue(pn, pdev, r->family, PROXYARP_ANN_PROBE,
				   &r->addr, PROXYARP_TRIGGER_ROUTE,
				   PROXYARP_PROBES);
}

/* Scan the routes for the devices whose bits say so, a batch at a time. */
static bool proxyarp_ann_scan(struct proxyarp_net *pn)
{
	struct { int ifindex; unsigned long bits; } todo[16];
	struct proxyarp_ann_walk w = { .pn = pn };
	struct proxyarp_dev *pdev;
	unsigned long ifindex;
	int i, n = 0;

	rcu_read_lock();
	xa_for_each(&pn->devs, ifindex, pdev) {
		if (!READ_ONCE(pdev->scan))
			continue;
		todo[n].ifindex = ifindex;
		todo[n].bits = xchg(&pdev->scan, 0);
		if (++n == ARRAY_SIZE(todo))
			break;
	}
	rcu_read_unlock();

	for (i = 0; i < n; i++) {
		if (todo[i].bits & BIT(PROXYARP_SCAN_GUEST)) {
			w.ifindex = 0;
			w.trigger = PROXYARP_TRIGGER_GUEST;
			proxyarp_routes_walk(pn, todo[i].ifindex,
					     proxyarp_ann_walk_one, &w);
		}
		if (todo[i].bits & BIT(PROXYARP_SCAN_UP)) {
			w.ifindex = todo[i].ifindex;
			w.trigger = PROXYARP_TRIGGER_UP;
			proxyarp_routes_walk(pn, 0, proxyarp_ann_walk_one, &w);
		}
	}
	return n == ARRAY_SIZE(todo);
}

static void proxyarp_ann_work(struct work_struct *work)
{
	struct proxyarp_net *pn = container_of(to_delayed_work(work),
					       struct proxyarp_net, ann_work);
	struct proxyarp_route r;
	int got;

	while ((got = proxyarp_routes_pop_fresh(pn, &r)) > 0) {
		rcu_read_lock();
		proxyarp_ann_route(pn, &r);
		rcu_read_unlock();
		cond_resched();
	}
	/* A route IPv6 may not have linked yet: looked at a tick later. */
	if (got < 0)
		proxyarp_announce_kick(pn);
	while (proxyarp_ann_scan(pn))
		cond_resched();
}

/**
 * proxyarp_announce_kick - have the namespace's work look at what changed
 * @pn: the namespace
 *
 * A tick later: IPv6 tells its notifiers of a route before it links the
 * route into its table, under the table's lock, which the work's lookups
 * do not take (and a fresh route waits for the next tick anyway).
 */
void proxyarp_announce_kick(struct proxyarp_net *pn)
{
	queue_delayed_work(system_wq, &pn->ann_work, 1);
}

enum {
	PROXYARP_ANN_DONE,		/* not to be sent again */
	PROXYARP_ANN_AGAIN,		/* sent: again after the interval */
	PROXYARP_ANN_RETRY,		/* not sent yet: again soon */
};

/* Send one, under RCU. */
static int proxyarp_ann_send(struct proxyarp_dev *pdev,
			     const struct proxyarp_ann *a)
{
	const struct proxyarp_family *f = &proxyarp_families[a->family];
	const struct proxyarp_conf *conf = &pdev->fam[a->family].conf;
	int mode = READ_ONCE(conf->val[PROXYARP_KNOB_MODE]);
	struct net_device *dev = pdev->dev;
	bool router = false;

	if (a->kind == PROXYARP_ANN_PROBE) {
		if (!proxyarp_ann_can_send(dev))
			return PROXYARP_ANN_DONE;
		/* No source yet (IPv6 DAD), or no memory: again soon. */
		return f->probe(dev, &a->addr) ? PROXYARP_ANN_AGAIN :
						 PROXYARP_ANN_RETRY;
	}
	if (!proxyarp_ann_count(pdev, a->family) ||
	    !f->answers(dev, &a->addr, &router))
		return PROXYARP_ANN_DONE;
	if (mode != PROXYARP_MODE_ON) {
		f->trace_announce(dev, &a->addr, a->trigger, a->sent, mode);
		return PROXYARP_ANN_DONE;
	}
	/* No memory, or no IPv6 source address yet (DAD): again soon. */
	if (!f->announce(dev, conf, &a->addr, router))
		return PROXYARP_ANN_RETRY;
	f->trace_announce(dev, &a->addr, a->trigger, a->sent, mode);
	proxyarp_stats_event(pdev, a->family, PROXYARP_EVENT_ANNOUNCE);
	return PROXYARP_ANN_AGAIN;
}

/* Under ann_lock: the next one due on @pdev, else NULL and when. */
static struct proxyarp_ann *proxyarp_ann_next(struct proxyarp_dev *pdev,
					      unsigned long *next)
{
	struct proxyarp_ann *a;

	a = list_first_entry_or_null(&pdev->ann_now, struct proxyarp_ann,
				     node);
	if (a)
		return a;
	a = list_first_entry_or_null(&pdev->ann_later, struct proxyarp_ann,
				     node);
	if (!a)
		return NULL;
	if (time_after(a->due, jiffies)) {
		*next = a->due;
		return NULL;
	}
	return a;
}

/* Under ann_lock: @a on the later list, in due order. */
static void proxyarp_ann_later(struct proxyarp_dev *pdev,
			       struct proxyarp_ann *a, unsigned long wait)
{
	struct proxyarp_ann *b;

	a->due = jiffies + wait;
	list_for_each_entry_reverse(b, &pdev->ann_later, node)
		if (!time_after(b->due, a->due)) {
			list_add(&a->node, &b->node);
			return;
		}
	list_add(&a->node, &pdev->ann_later);
}

/* Under ann_lock, after sending @a: again later, or done. */
static void proxyarp_ann_sent(struct proxyarp_net *pn,
			      struct proxyarp_dev *pdev,
			      struct proxyarp_ann *a, int how)
{
	a->busy = false;
	if (!a->total || pdev->ann_dead) {
		proxyarp_ann_free(pn, pdev, a);
		return;
	}
	/* Queued anew while it was being sent: it starts over. */
	if (!list_empty(&a->node))
		return;
	if (how == PROXYARP_ANN_RETRY && a->retries++ < PROXYARP_ANN_RETRIES) {
		a->sent--;
		proxyarp_ann_later(pdev, a, PROXYARP_PROBE_INTERVAL);
		return;
	}
	/* Not sent after all (no source address, no memory): counted. */
	if (how == PROXYARP_ANN_RETRY)
		proxyarp_stats_event(pdev, a->family,
				     PROXYARP_EVENT_ANNOUNCE_DROP);
	if (how != PROXYARP_ANN_AGAIN || a->sent >= a->total) {
		proxyarp_ann_free(pn, pdev, a);
		return;
	}
	proxyarp_ann_later(pdev, a, a->kind == PROXYARP_ANN_PROBE ?
			   PROXYARP_PROBE_INTERVAL : PROXYARP_ANN_INTERVAL);
}

/*
 * Take the next one due, if its family's budget allows; *next says when
 * to look again otherwise (0: when something is queued).
 */
static struct proxyarp_ann *proxyarp_ann_take(struct proxyarp_dev *pdev,
					      unsigned long *next)
{
	struct proxyarp_ann *a = proxyarp_ann_next(pdev, next);
	struct proxyarp_fdev *fd;

	if (!a)
		return NULL;
	fd = &pdev->fam[a->family];
	if (!proxyarp_guard_take(&fd->ann_guard, &fd->conf,
				 PROXYARP_ANN_RATE, PROXYARP_ANN_BURST)) {
		*next = jiffies + 1;
		return NULL;
	}
	list_del_init(&a->node);
	a->busy = true;
	a->sent++;
	return a;
}

static void proxyarp_ann_timer(struct timer_list *t)
{
	struct proxyarp_dev *pdev = timer_container_of(pdev, t, ann_timer);
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(pdev->dev));
	int budget = PROXYARP_ANN_BATCH, how;
	struct proxyarp_ann *a, copy;
	unsigned long next;

	spin_lock(&pn->ann_lock);
	while (budget-- && (a = proxyarp_ann_take(pdev, &next))) {
		copy = *a;
		spin_unlock(&pn->ann_lock);
		rcu_read_lock();
		how = proxyarp_ann_send(pdev, &copy);
		rcu_read_unlock();
		spin_lock(&pn->ann_lock);
		proxyarp_ann_sent(pn, pdev, a, how);
	}
	/* More due now (a full batch, a refused budget): next tick. */
	if (proxyarp_ann_next(pdev, &next))
		next = jiffies + 1;
	else if (list_empty(&pdev->ann_later))
		goto out;
	if (!pdev->ann_dead)
		mod_timer(&pdev->ann_timer, next);
out:
	spin_unlock(&pn->ann_lock);
}

void proxyarp_announce_dev_init(struct proxyarp_dev *pdev)
{
	INIT_LIST_HEAD(&pdev->ann_now);
	INIT_LIST_HEAD(&pdev->ann_later);
	atomic_set(&pdev->ann_probes, 0);
	timer_setup(&pdev->ann_timer, proxyarp_ann_timer, 0);
	pdev->carrier = netif_running(pdev->dev) &&
			netif_carrier_ok(pdev->dev);
}

/* The device unregisters: what waits on it goes, its timer stops. */
void proxyarp_announce_flush(struct proxyarp_dev *pdev)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(pdev->dev));
	struct proxyarp_ann *a, *tmp;

	spin_lock_bh(&pn->ann_lock);
	pdev->ann_dead = true;
	spin_unlock_bh(&pn->ann_lock);
	timer_shutdown_sync(&pdev->ann_timer);
	spin_lock_bh(&pn->ann_lock);
	list_for_each_entry_safe(a, tmp, &pdev->ann_now, node)
		proxyarp_ann_free(pn, pdev, a);
	list_for_each_entry_safe(a, tmp, &pdev->ann_later, node)
		proxyarp_ann_free(pn, pdev, a);
	spin_unlock_bh(&pn->ann_lock);
}

/**
 * proxyarp_announce_knob - an announce knob was written
 * @net: its namespace
 * @val: the value
 *
 * The namespace watches new routes and guests from the first value > 0.
 */
void proxyarp_announce_knob(struct net *net, int val)
{
	if (val > 0)
		WRITE_ONCE(proxyarp_pernet(net)->announcing, true);
}

/**
 * proxyarp_announce_dev_event - a device changed (netdevice notifier)
 * @pdev: the device's state
 * @event: NETDEV_*
 *
 * Under RTNL.  Coming up with a carrier, getting it back, a new MAC or
 * NETDEV_NOTIFY_PEERS: the device announces all it answers for.
 */
void proxyarp_announce_dev_event(struct proxyarp_dev *pdev,
				 unsigned long event)
{
	struct net_device *dev = pdev->dev;
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(dev));
	bool carrier = netif_running(dev) && netif_carrier_ok(dev);
	bool was = pdev->carrier;

	pdev->carrier = carrier;
	if (!carrier || !READ_ONCE(pn->announcing))
		return;
	switch (event) {
	case NETDEV_UP:
	case NETDEV_CHANGE:
		if (was)
			return;
		break;
	case NETDEV_CHANGEADDR:
	case NETDEV_NOTIFY_PEERS:
		break;
	default:
		return;
	}
	set_bit(PROXYARP_SCAN_UP, &pdev->scan);
	proxyarp_announce_kick(pn);
}

/**
 * proxyarp_announce_heard - the guest behind a device spoke
 * @pdev: the device it spoke on
 * @family: the family of @addr
 * @addr: the address it answered for, or NULL for a self-announcement
 *
 * From a hook, under RCU.  An answer counts only where the module
 * probes for that address; a self-announcement always.
 */
void proxyarp_announce_heard(struct proxyarp_dev *pdev, int family,
			     const union proxyarp_inaddr *addr)
{
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(pdev->dev));
	unsigned long last = READ_ONCE(pdev->heard);
	struct proxyarp_ann *a = NULL;

	if (!READ_ONCE(pn->announcing))
		return;
	if (addr) {
		/* An answer, the common case: none probed for here. */
		if (!atomic_read(&pdev->ann_probes))
			return;
		spin_lock_bh(&pn->ann_lock);
		a = proxyarp_ann_find(pn, pdev->dev->ifindex, family,
				      PROXYARP_ANN_PROBE, addr);
		/* Being sent by the timer: it frees it. */
		if (a && a->busy)
			a->total = 0;
		else if (a)
			proxyarp_ann_free(pn, pdev, a);
		spin_unlock_bh(&pn->ann_lock);
		if (!a)
			return;
	}
	WRITE_ONCE(pdev->heard, jiffies ?: 1);
	if (!addr && last && time_in_range(jiffies, last,
					   last + PROXYARP_ANN_RESCAN))
		return;
	set_bit(PROXYARP_SCAN_GUEST, &pdev->scan);
	proxyarp_announce_kick(pn);
}

/* Under ann_lock: log a conflict for @addr now? */
static bool proxyarp_conflict_log_due(struct proxyarp_net *pn, int family,
				      const union proxyarp_inaddr *addr)
{
	u32 h = jhash2((const u32 *)addr, sizeof(*addr) / sizeof(u32),
		       pn->seed ^ family) % PROXYARP_CONFLICT_SLOTS;

	if (!memcmp(&pn->conflicts[h].addr, addr, sizeof(*addr)) &&
	    time_in_range(jiffies, pn->conflicts[h].when,
			  pn->conflicts[h].when + PROXYARP_CONFLICT_LOG))
		return false;
	pn->conflicts[h].addr = *addr;
	pn->conflicts[h].when = jiffies;
	return true;
}

/**
 * proxyarp_announce_conflict - another MAC claims an address
 * @pdev: the receiving device, at mode on or audit
 * @family: the family of @addr
 * @addr: the address claimed
 * @mac: by whom
 *
 * From a hook, under RCU: counted, traced and logged if the device
 * would answer for @addr.
 */
void proxyarp_announce_conflict(struct proxyarp_dev *pdev, int family,
				const union proxyarp_inaddr *addr,
				const u8 *mac)
{
	const struct proxyarp_family *f = &proxyarp_families[family];
	struct net_device *dev = pdev->dev;
	struct proxyarp_net *pn = proxyarp_pernet(dev_net(dev));
	bool router, log;

	if (ether_addr_equal(mac, dev->dev_addr) ||
	    !f->answers(dev, addr, &router))
		return;
	proxyarp_stats_event(pdev, family, PROXYARP_EVENT_CONFLICT);
	f->trace_conflict(dev, addr, mac);
	spin_lock_bh(&pn->ann_lock);
	log = proxyarp_conflict_log_due(pn, family, addr);
	spin_unlock_bh(&pn->ann_lock);
	if (!log || !net_ratelimit())
		return;
	if (family == PROXYARP_ARP)
		netdev_warn(dev, "%pI4 is claimed by %pM, and answered here\n",
			    &addr->ip, mac);
	else
		netdev_warn(dev, "%pI6c is claimed by %pM, and answered here\n",
			    &addr->ip6, mac);
}

/*
 * QEMU announces a guest after a migration with RARP frames from its MAC
 * (qemu_announce_self()), which the kernel has no use for.
 */
static int proxyarp_rarp_rcv(struct sk_buff *skb, struct net_device *dev,
			     struct packet_type *pt,
			     struct net_device *orig_dev)
{
	struct proxyarp_dev *pdev;

	rcu_read_lock();
	pdev = proxyarp_dev_get_rcu(dev);
	if (pdev && skb->pkt_type != PACKET_OTHERHOST &&
	    skb->pkt_type != PACKET_LOOPBACK)
		proxyarp_announce_heard(pdev, PROXYARP_ARP, NULL);
	rcu_read_unlock();
	consume_skb(skb);
	return NET_RX_SUCCESS;
}

static struct packet_type proxyarp_rarp_packet_type __read_mostly = {
	.type = cpu_to_be16(ETH_P_RARP),
	.func = proxyarp_rarp_rcv,
};

void proxyarp_announce_init(void)
{
	dev_add_pack(&proxyarp_rarp_packet_type);
}

/* dev_remove_pack() waits for the handler (synchronize_net()). */
void proxyarp_announce_exit(void)
{
	dev_remove_pack(&proxyarp_rarp_packet_type);
}

int proxyarp_announce_net_init(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);

	pn->net = net;
	pn->seed = get_random_u32();
	spin_lock_init(&pn->ann_lock);
	INIT_DELAYED_WORK(&pn->ann_work, proxyarp_ann_work);
	pn->pending = kcalloc(PROXYARP_PENDING_SIZE, sizeof(*pn->pending),
			      GFP_KERNEL);
	return pn->pending ? 0 : -ENOMEM;
}

/*
 * After the devices (their queues went with them), the hooks and the
 * FIB notifier (proxyarp_routes_unwatch()): nothing queues the work.
 */
void proxyarp_announce_net_exit(struct net *net)
{
	struct proxyarp_net *pn = proxyarp_pernet(net);

	cancel_delayed_work_sync(&pn->ann_work);
	kfree(pn->pending);
}
