/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proxyarp: route-aware proxy ARP in an NF_ARP_IN hook, and route-aware
 * proxy NDP (IPv6 neighbour solicitations) in an IPv6 PRE_ROUTING hook.
 *
 * Objects and their lifetimes:
 *
 *  - struct proxyarp_net, one per network namespace (net_generic), holds
 *    for each family (ARP, NDP) the "all" and "default" configurations,
 *    their sysctl tables and counters, and an xarray of per-device state
 *    keyed by ifindex.
 *  - struct proxyarp_dev, one per registered net_device, holding each
 *    family's configuration, counters, guard and sysctl table, created and
 *    destroyed by the netdevice notifier under RTNL.  The hook finds it
 *    under RCU (netfilter hooks run in an RCU read-side section); it is
 *    removed from the xarray before its sysctl table is unregistered and
 *    freed, with its per-CPU counters, by an RCU callback (call_rcu()),
 *    so a hook or a reader of /proc/net/stat/proxyarp that still sees it
 *    reads valid memory; module exit waits for those callbacks with
 *    rcu_barrier().  It takes no reference on the net_device: it never
 *    outlives the device's registration.
 *  - struct proxyarp_addr (addr.c), one per IPv4 address configured in
 *    any namespace, kept by an inetaddr notifier under RTNL, read by the
 *    hook under RCU and freed after a grace period (kfree_rcu()).
 *  - struct proxyarp_route (routes.c), one per host route of a namespace,
 *    kept by a FIB notifier, read under RCU, freed by kfree_rcu(), or
 *    by kfree() when the namespace's notifier and work are gone.
 *  - struct proxyarp_ann (announce.c), one per announcement or probe
 *    waiting on a device, under the namespace's ann_lock; they go with
 *    their device (proxyarp_announce_flush()).
 */
#ifndef _PROXYARP_H
#define _PROXYARP_H

#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netns/generic.h>
#include <uapi/linux/proxyarp.h>

#include "compat.h"

/*
 * The families the module answers for, each with a tree of tunables,
 * counters, a storm guard and a hook of its own (family.c): ARP
 * (/proc/sys/net/proxyarp) and IPv6 neighbour discovery
 * (/proc/sys/net/proxyndp).  One never turns the other on.
 */
enum proxyarp_family_id {
	PROXYARP_ARP,
	PROXYARP_NDP,
	__PROXYARP_FAMILY_MAX,
};

enum proxyarp_knob {
	PROXYARP_KNOB_MODE,
	PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE,
	PROXYARP_KNOB_MIN_PREFIXLEN,
	PROXYARP_KNOB_HONOR_PROXY_DELAY,	/* ARP only */
	PROXYARP_KNOB_MAX_RATE,
	PROXYARP_KNOB_MAX_BURST,
	PROXYARP_KNOB_ANNOUNCE,
	PROXYARP_KNOB_ROUTE_PROTO,
	PROXYARP_KNOB_NA_SOURCE,		/* NDP only */
	__PROXYARP_KNOB_MAX,
};

/* One set of tunables: a device's, "all" or "default", of one family. */
struct proxyarp_conf {
	int val[__PROXYARP_KNOB_MAX];
	u8 family;			/* enum proxyarp_family_id */
};

/* What is counted beside the decisions (stats.c's last columns) */
enum proxyarp_event {
	PROXYARP_EVENT_ANNOUNCE,	/* announcements sent */
	PROXYARP_EVENT_ANNOUNCE_DROP,	/* ... not sent: full queue, no source */
	PROXYARP_EVENT_CONFLICT,	/* another MAC claims what we answer */
	__PROXYARP_EVENT_MAX,
};

/* An address of either family: zeroed, then ip or ip6 set. */
union proxyarp_inaddr {
	__be32 ip;
	struct in6_addr ip6;
};

/* Decision counters, per CPU: stats.c */
struct proxyarp_stats {
	unsigned long verdict[2];
	unsigned long reason[__PROXYARP_REASON_MAX];
	unsigned long event[__PROXYARP_EVENT_MAX];
};

/* A token bucket counted in nanoseconds of credit: guard.c */
struct proxyarp_bucket {
	u64 stamp;			/* ns, when credit was last updated */
	u64 credit;			/* ns of replies that may be sent */
};

/* The max_rate guard of a device and family: guard.c */
struct proxyarp_guard {
	spinlock_t lock;		/* the fields below; taken in softirq */
	struct proxyarp_bucket bucket;
	struct proxyarp_sender *senders;	/* guard.c's table, or NULL */
	unsigned long senders_retry;	/* jiffies: allocate it no sooner */
	unsigned long log_next;		/* jiffies: next kernel log line */
	unsigned long refused;		/* since the last log line */
};

/* One family's state on a device. */
struct proxyarp_fdev {
	struct proxyarp_conf conf;
	struct proxyarp_stats __percpu *stats;	/* from the first mode */
	struct proxyarp_guard guard;
	struct proxyarp_guard ann_guard;	/* announcements' own budget */
	struct ctl_table_header *sysctl;
	bool allmulti;			/* holds dev_set_allmulti(): RTNL */
};

struct proxyarp_dev {
	struct proxyarp_fdev fam[__PROXYARP_FAMILY_MAX];
	struct net_device *dev;		/* valid while in the xarray */
	struct hlist_node hnode;	/* device.c's hash, by dev */
	char name[IFNAMSIZ];		/* the name sysctl knows it by */
	struct sk_buff_head queue;	/* ARP requests waiting: arp_delay.c */
	struct timer_list timer;
	bool dead;			/* under queue.lock */
	/* announce.c: what waits to be sent on the device, under ann_lock */
	struct list_head ann_now;	/* due at once, oldest first */
	struct list_head ann_later;	/* repeats, by due time */
	unsigned int ann_queued;
	bool ann_dead;
	atomic_t ann_probes;		/* probes waiting: read without the lock */
	struct timer_list ann_timer;
	unsigned long heard;		/* jiffies: its guest last spoke, or 0 */
	unsigned long scan;		/* PROXYARP_SCAN_* bits: work to do */
	bool carrier;			/* at the last event: RTNL */
	struct rcu_head rcu;
};

/* A host route (routes.c). */
struct proxyarp_route {
	struct rhash_head node;		/* pn->routes; RCU readers */
	struct list_head fresh;		/* pn->fresh, under routes_lock */
	unsigned long fresh_at;		/* jiffies: noted fresh */
	/* The key, from addr to family: no padding in it. */
	union proxyarp_inaddr addr;
	u32 table;
	u32 family;
	int oif;			/* WRITE_ONCE(): read under RCU */
	struct rcu_head rcu;
};

#define PROXYARP_PENDING_SIZE	256	/* ... of the pending hash */
#define PROXYARP_CONFLICT_SLOTS	64	/* addresses whose conflict was logged */

/* One family's state in a namespace. */
struct proxyarp_fnet {
	struct proxyarp_conf all;
	struct proxyarp_conf dflt;
	struct proxyarp_stats __percpu *stats;	/* the namespace's decisions */
	struct ctl_table_header *all_sysctl;
	struct ctl_table_header *dflt_sysctl;
	bool hooked;			/* hooks registered (family.c) */
};

struct proxyarp_net {
	struct proxyarp_fnet fam[__PROXYARP_FAMILY_MAX];
	struct xarray devs;		/* ifindex -> struct proxyarp_dev */
	struct work_struct allmulti_work;	/* device.c */
	struct mutex hooks_mutex;	/* the hooks and the modes (family.c) */
	/* routes.c */
	struct notifier_block fib_nb;
	spinlock_t routes_lock;		/* writers of the fields below */
	struct rhashtable routes;	/* struct proxyarp_route */
	struct list_head fresh;		/* routes new since announce.c looked */
	/* announce.c */
	struct net *net;		/* the namespace this is of */
	u32 seed;			/* the hashes' */
	bool announcing;		/* an announce knob was ever set here */
	struct delayed_work ann_work;
	spinlock_t ann_lock;		/* every device's queue, the hashes */
	struct hlist_head *pending;	/* PROXYARP_PENDING_SIZE buckets */
	unsigned int ann_queued;	/* under ann_lock */
	struct {
		union proxyarp_inaddr addr;
		unsigned long when;
	} conflicts[PROXYARP_CONFLICT_SLOTS];	/* under ann_lock */
};

/*
 * What each family brings: its name (the sysctl tree, the counters file
 * in /proc/net/stat, the kernel log), the reasons it counts, and its
 * netfilter hooks.
 */
struct proxyarp_family {
	const char *name;
	const char *asked;		/* what the guard's log line refuses */
	size_t addr_len;		/* of its addresses: 4 or 16 */
	u32 reasons;			/* BIT(enum proxyarp_reason) */
	const struct nf_hook_ops *ops;
	unsigned int n_ops;
	/* announce.c's: would @dev answer for @addr (under RCU)? */
	bool (*answers)(struct net_device *dev,
			const union proxyarp_inaddr *addr, bool *router);
	bool (*announce)(struct net_device *dev,
			 const struct proxyarp_conf *conf,
			 const union proxyarp_inaddr *addr, bool router);
	bool (*probe)(struct net_device *dev,
		      const union proxyarp_inaddr *addr);
	void (*trace_announce)(struct net_device *dev,
			       const union proxyarp_inaddr *addr, u8 trigger,
			       u8 count, u8 mode);
	void (*trace_conflict)(struct net_device *dev,
			       const union proxyarp_inaddr *addr,
			       const u8 *mac);
};

extern const struct proxyarp_family proxyarp_families[__PROXYARP_FAMILY_MAX];

enum proxyarp_entry {
	PROXYARP_ENTRY_UNKNOWN,		/* not looked up (yet) */
	PROXYARP_ENTRY_NONE,
	PROXYARP_ENTRY_FOUND,
};

/*
 * route_proto: 0 lets a route of any protocol justify an answer, N only
 * one that protocol N added (ip route's proto, rtm_protocol).
 */
static inline bool proxyarp_route_proto_ok(const struct proxyarp_conf *conf,
					   u8 proto)
{
	int want = READ_ONCE(conf->val[PROXYARP_KNOB_ROUTE_PROTO]);

	return !want || want == proto;
}

/* main.c */
struct proxyarp_net *proxyarp_pernet(const struct net *net);

extern unsigned int proxyarp_net_id;

/* proxyarp_pernet() for a caller under RCU already: the hooks. */
static inline struct proxyarp_net *proxyarp_pernet_rcu(const struct net *net)
{
	return rcu_dereference(net->gen)->ptr[proxyarp_net_id];
}

/*
 * sock_net_uid(net, NULL), the uid a route lookup without a socket
 * carries, without make_kuid()'s walk of the initial namespace's
 * identity map.
 */
static inline kuid_t proxyarp_net_uid(const struct net *net)
{
	return net->user_ns == &init_user_ns ? GLOBAL_ROOT_UID :
					       make_kuid(net->user_ns, 0);
}

/* family.c */
void proxyarp_hooks_init(struct net *net);
void proxyarp_hooks_lock(struct net *net);
void proxyarp_hooks_unlock(struct net *net);
int proxyarp_hooks_want(struct net *net, int family);
void proxyarp_hooks_drop_unused(struct net *net, int family);
void proxyarp_hooks_unregister(struct net *net);

/* addr.c */
int proxyarp_addr_init(void);
void proxyarp_addr_exit(void);
void proxyarp_addr_net_init(struct net *net);
void proxyarp_addr_net_exit(struct net *net);
bool proxyarp_addr_is_local(struct net *net, __be32 addr);
struct net_device *proxyarp_addr_local_up(struct net *net, __be32 addr);

/*
 * True once a local route was added through rtnetlink, or a rule added
 * or deleted, in @net: then neither fib_validate_source()'s shortcut
 * nor addr.c's mirror of the local addresses can be trusted.  RTNL sets
 * both flags, never cleared, while the hooks read them under RCU; the
 * kernel's inline fib4_has_custom_rules() reads plainly.
 */
static inline bool proxyarp_fib4_has_custom(const struct net *net)
{
	if (READ_ONCE(net->ipv4.fib_has_custom_local_routes))
		return true;
#ifdef CONFIG_IP_MULTIPLE_TABLES
	return READ_ONCE(net->ipv4.fib_has_custom_rules);
#else
	return false;
#endif
}

/* device.c */
int proxyarp_device_init(void);
void proxyarp_device_exit(void);
void proxyarp_device_net_init(struct proxyarp_net *pn);
void proxyarp_device_net_exit(struct proxyarp_net *pn);
struct proxyarp_dev *proxyarp_dev_get_rcu(const struct net_device *dev);
struct proxyarp_fdev *proxyarp_fdev_get_rcu(const struct net_device *dev,
					    int family);
struct proxyarp_dev *proxyarp_dev_of_conf(struct proxyarp_conf *conf);
int proxyarp_dev_set_ndp_mode(struct proxyarp_dev *pdev, int val);
int proxyarp_fdev_want_stats(struct proxyarp_fdev *fd);
int proxyarp_conf_set_all(struct proxyarp_net *pn, int family, int knob,
			  int val);

/* sysctl.c */
struct ctl_table_header *proxyarp_sysctl_register(struct net *net,
						  const char *name,
						  struct proxyarp_conf *conf);
void proxyarp_sysctl_unregister(struct ctl_table_header *hdr);
void proxyarp_conf_init(struct proxyarp_conf *conf, int family);

/* stats.c */
struct proxyarp_stats __percpu *proxyarp_stats_alloc(void);
void proxyarp_stats_free(struct proxyarp_stats __percpu *stats);
void proxyarp_stats_count(struct proxyarp_fnet *fn, struct proxyarp_fdev *fd,
			  u8 verdict, u8 reason);
int proxyarp_stats_net_init(struct net *net, int family);
void proxyarp_stats_net_exit(struct net *net, int family);

void proxyarp_stats_event(struct proxyarp_dev *pdev, int family,
			  enum proxyarp_event event);

/* guard.c */
void proxyarp_guard_init(struct proxyarp_guard *g);
void proxyarp_guard_free(struct proxyarp_guard *g);
bool proxyarp_guard_allow(struct proxyarp_fdev *fd,
			  const struct net_device *dev, const void *sender);
bool proxyarp_guard_take(struct proxyarp_guard *g,
			 const struct proxyarp_conf *conf, int rate, int burst);

/* routes.c */
int proxyarp_routes_net_init(struct net *net);
int proxyarp_routes_watch(struct net *net);
void proxyarp_routes_unwatch(struct net *net);
void proxyarp_routes_net_exit(struct net *net);
int proxyarp_routes_pop_fresh(struct proxyarp_net *pn,
			      struct proxyarp_route *r);
void proxyarp_routes_walk(struct proxyarp_net *pn, int oif,
			  void (*fn)(void *arg, const struct proxyarp_route *r),
			  void *arg);

/* announce.c */
void proxyarp_announce_init(void);
void proxyarp_announce_exit(void);
int proxyarp_announce_net_init(struct net *net);
void proxyarp_announce_net_exit(struct net *net);
void proxyarp_announce_dev_init(struct proxyarp_dev *pdev);
void proxyarp_announce_flush(struct proxyarp_dev *pdev);
void proxyarp_announce_kick(struct proxyarp_net *pn);
void proxyarp_announce_knob(struct net *net, int val);
void proxyarp_announce_dev_event(struct proxyarp_dev *pdev,
				 unsigned long event);
void proxyarp_announce_heard(struct proxyarp_dev *pdev, int family,
			     const union proxyarp_inaddr *addr);
void proxyarp_announce_conflict(struct proxyarp_dev *pdev, int family,
				const union proxyarp_inaddr *addr,
				const u8 *mac);

/* arp_hook.c */
extern const struct nf_hook_ops proxyarp_arp_ops[1];

/* arp_delay.c: a device's queue, from its registration to its end */
void proxyarp_delay_init(struct proxyarp_dev *pdev);
void proxyarp_delay_flush(struct proxyarp_dev *pdev);

/* ndp_hook.c */
extern const struct nf_hook_ops proxyarp_ndp_ops[1];

/* fault.c: only in kernels with fault injection */
#ifdef CONFIG_FAULT_INJECTION
bool proxyarp_should_fail(void);
void proxyarp_fault_init(void);
void proxyarp_fault_exit(void);
#else
static inline bool proxyarp_should_fail(void)
{
	return false;
}

static inline void proxyarp_fault_init(void)
{
}

static inline void proxyarp_fault_exit(void)
{
}
#endif

#endif /* _PROXYARP_H */
