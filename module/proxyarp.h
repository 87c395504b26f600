/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proxyarp: route-aware proxy ARP in an NF_ARP_IN hook.
 *
 * Objects and their lifetimes:
 *
 *  - struct proxyarp_net, one per network namespace (net_generic), holds
 *    the "all" and "default" configurations, their sysctl tables and an
 *    xarray of per-device state keyed by ifindex.
 *  - struct proxyarp_dev, one per registered net_device, created and
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
 */
#ifndef _PROXYARP_H
#define _PROXYARP_H

#include <linux/if_ether.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/xarray.h>
#include <uapi/linux/proxyarp.h>

#include "compat.h"

enum proxyarp_knob {
	PROXYARP_KNOB_MODE,
	PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE,
	PROXYARP_KNOB_MIN_PREFIXLEN,
	PROXYARP_KNOB_HONOR_PROXY_DELAY,
	PROXYARP_KNOB_MAX_RATE,
	PROXYARP_KNOB_MAX_BURST,
	__PROXYARP_KNOB_MAX,
};

/* One set of tunables: a device's, "all" or "default". */
struct proxyarp_conf {
	int val[__PROXYARP_KNOB_MAX];
};

/* Decision counters, per CPU: stats.c */
struct proxyarp_stats {
	unsigned long verdict[2];
	unsigned long reason[__PROXYARP_REASON_MAX];
};

/* The max_rate token bucket: guard.c */
struct proxyarp_guard {
	spinlock_t lock;		/* the fields below; taken in softirq */
	u64 stamp;			/* ns, when credit was last updated */
	u64 credit;			/* ns of replies that may be sent */
	unsigned long log_next;		/* jiffies: next kernel log line */
	unsigned long refused;		/* since the last log line */
};

struct proxyarp_dev {
	struct proxyarp_conf conf;
	struct proxyarp_stats __percpu *stats;
	struct proxyarp_guard guard;
	struct ctl_table_header *sysctl;
	char name[IFNAMSIZ];		/* the name sysctl knows it by */
	struct sk_buff_head queue;	/* requests waiting: delay.c */
	struct timer_list timer;
	bool dead;			/* under queue.lock */
	struct rcu_head rcu;
};

struct proxyarp_net {
	struct proxyarp_conf all;
	struct proxyarp_conf dflt;
	struct proxyarp_stats __percpu *stats;	/* the namespace's decisions */
	struct ctl_table_header *all_sysctl;
	struct ctl_table_header *dflt_sysctl;
	struct xarray devs;		/* ifindex -> struct proxyarp_dev */
	bool hooked;			/* NF_ARP_IN hook registered (hook.c) */
};

enum proxyarp_entry {
	PROXYARP_ENTRY_UNKNOWN,		/* not looked up (yet) */
	PROXYARP_ENTRY_NONE,
	PROXYARP_ENTRY_FOUND,
};

/* What was asked, what was found, and what was decided. */
struct proxyarp_decision {
	const struct net_device *dev;	/* receiving device */
	const struct net_device *oif;	/* nexthop device, NULL: no route */
	__be32 sip;
	__be32 tip;
	__be32 prefix;			/* matched route */
	u32 table;			/* 0: no route matched */
	u8 plen;
	u8 sha[ETH_ALEN];
	u8 mode;
	u8 verdict;
	u8 reason;
	/* decision.c's own: proxyarp_kernel_proxies() reads them */
	bool kernel_by_route;		/* the kernel answers, entry aside */
	u8 entry;			/* enum proxyarp_entry */
	bool entry_counts;		/* a nexthop through another device */
	bool pvlan;			/* a nexthop back out by proxy_arp_pvlan */
};

/* main.c */
struct proxyarp_net *proxyarp_pernet(const struct net *net);

/* addr.c */
int proxyarp_addr_init(void);
void proxyarp_addr_exit(void);
void proxyarp_addr_net_init(struct net *net);
void proxyarp_addr_net_exit(struct net *net);
bool proxyarp_addr_is_local(struct net *net, __be32 addr);

/* device.c */
int proxyarp_device_init(void);
void proxyarp_device_exit(void);
struct proxyarp_dev *proxyarp_dev_get_rcu(const struct net_device *dev);
void proxyarp_conf_set_all(struct proxyarp_net *pn, int knob, int val);

/* sysctl.c */
struct ctl_table_header *proxyarp_sysctl_register(struct net *net,
						  const char *name,
						  struct proxyarp_conf *conf);
void proxyarp_sysctl_unregister(struct ctl_table_header *hdr);
void proxyarp_conf_init(struct proxyarp_conf *conf);

/* decision.c */
void proxyarp_decide(struct sk_buff *skb, struct in_device *in_dev,
		     const struct proxyarp_conf *conf,
		     struct proxyarp_decision *d);
bool proxyarp_kernel_proxies(struct in_device *in_dev,
			     struct proxyarp_decision *d);

/* delay.c */
void proxyarp_delay_init(struct proxyarp_dev *pdev);
void proxyarp_delay_flush(struct proxyarp_dev *pdev);
unsigned int proxyarp_delay_of(const struct proxyarp_dev *pdev,
			       struct in_device *in_dev,
			       const struct sk_buff *skb);
bool proxyarp_delay_enqueue(struct proxyarp_dev *pdev,
			    struct in_device *in_dev, struct sk_buff *skb,
			    const struct proxyarp_decision *d,
			    unsigned int delay);

/* stats.c */
struct proxyarp_stats __percpu *proxyarp_stats_alloc(void);
void proxyarp_stats_free(struct proxyarp_stats __percpu *stats);
void proxyarp_stats_count(struct proxyarp_net *pn, struct proxyarp_dev *pdev,
			  const struct proxyarp_decision *d);
int proxyarp_stats_net_init(struct net *net);
void proxyarp_stats_net_exit(struct net *net);

/* guard.c */
void proxyarp_guard_init(struct proxyarp_guard *g);
bool proxyarp_guard_allow(struct proxyarp_dev *pdev,
			  const struct net_device *dev);

/* hook.c */
void proxyarp_send_reply(struct sk_buff *skb, struct net_device *dev,
			 __be32 sip, __be32 tip, const u8 *sha);
int proxyarp_hooks_want(struct net *net);
void proxyarp_hooks_unregister(struct net *net);

#endif /* _PROXYARP_H */
