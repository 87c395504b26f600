/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proxyarp's IPv6 side: answering neighbour solicitations from routes.
 * ndp_hook.c reads a solicitation and acts, ndp_decision.c decides,
 * ndp_reply.c sends the advertisement.
 */
#ifndef _PROXYARP_NDP_H
#define _PROXYARP_NDP_H

#include <linux/in6.h>
#include <net/if_inet6.h>

#include "proxyarp.h"

/* What was asked, what was found, and what was decided. */
struct proxyarp_ndp_decision {
	const struct net_device *dev;	/* receiving device */
	const struct net_device *oif;	/* the route's device, NULL: none */
	struct in6_addr saddr;		/* the solicitation's source */
	struct in6_addr daddr;		/* ... and destination */
	struct in6_addr target;
	struct in6_addr prefix;		/* matched route */
	u32 table;			/* 0: no route matched */
	u8 plen;
	u8 proto;			/* matched route's protocol (RTPROT_*) */
	u8 sha[ETH_ALEN];		/* source link-layer address option */
	bool lladdr;			/* there is one */
	bool dad;			/* source :: */
	bool mcast;			/* destination multicast */
	bool router;			/* the answer's router flag */
	bool from_target;		/* na_source: answer from the target */
	u8 entry;			/* enum proxyarp_entry */
	u8 mode;
	u8 verdict;
	u8 reason;
};

/* ndp_decision.c */
void proxyarp_ndp_decide(struct sk_buff *skb, struct inet6_dev *idev,
			 const struct proxyarp_conf *conf,
			 struct proxyarp_ndp_decision *d);
bool proxyarp_ndp_kernel_entry(const struct inet6_dev *idev,
			       const struct proxyarp_ndp_decision *d);
bool proxyarp_ndp_kernel_proxies(struct inet6_dev *idev,
				 const struct proxyarp_ndp_decision *d);

bool proxyarp_ndp_answers(struct net_device *dev,
			  const union proxyarp_inaddr *addr, bool *router);

/* ndp_reply.c */
void proxyarp_ndp_reply(struct net_device *dev,
			const struct proxyarp_ndp_decision *d);
bool proxyarp_ndp_announce(struct net_device *dev,
			   const struct proxyarp_conf *conf,
			   const union proxyarp_inaddr *addr, bool router);
bool proxyarp_ndp_probe(struct net_device *dev,
			const union proxyarp_inaddr *addr);
void proxyarp_ndp_trace_announce(struct net_device *dev,
				 const union proxyarp_inaddr *addr, u8 trigger,
				 u8 count, u8 mode);
void proxyarp_ndp_trace_conflict(struct net_device *dev,
				 const union proxyarp_inaddr *addr,
				 const u8 *mac);

#endif /* _PROXYARP_NDP_H */
