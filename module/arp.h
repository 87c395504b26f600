/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proxyarp's IPv4 side: answering ARP requests from routes.
 * arp_hook.c reads a request and acts, arp_decision.c decides,
 * arp_reply.c sends the reply, arp_delay.c holds a request for
 * honor_proxy_delay.
 */
#ifndef _PROXYARP_ARP_H
#define _PROXYARP_ARP_H

#include <linux/if_arp.h>
#include <linux/inetdevice.h>

#include "proxyarp.h"

/* An Ethernet/IPv4 ARP packet, as on the wire. */
struct proxyarp_arp_eth {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/* What was asked, what was found, and what was decided. */
struct proxyarp_decision {
	const struct net_device *dev;	/* receiving device */
	const struct net_device *oif;	/* nexthop device, NULL: no route */
	__be32 sip;
	__be32 tip;
	__be32 prefix;			/* matched route */
	u32 table;			/* 0: no route matched */
	u8 plen;
	u8 proto;			/* matched route's protocol (RTPROT_*) */
	u8 sha[ETH_ALEN];
	u8 mode;
	u8 verdict;
	u8 reason;
	/* arp_decision.c's own */
	u8 entry;			/* enum proxyarp_entry */
	bool pvlan;			/* a nexthop back out by proxy_arp_pvlan */
	bool standin;			/* no asker: an announcement's */
	bool garp_dropped;		/* by drop_gratuitous_arp */
};

/* arp_decision.c */
void proxyarp_decide(struct sk_buff *skb, struct in_device *in_dev,
		     const struct proxyarp_conf *conf,
		     struct proxyarp_decision *d);
bool proxyarp_kernel_has_work(const struct proxyarp_decision *d);

/* arp_delay.c */
unsigned int proxyarp_delay_of(const struct proxyarp_dev *pdev,
			       struct in_device *in_dev,
			       const struct sk_buff *skb);
bool proxyarp_delay_enqueue(struct proxyarp_dev *pdev,
			    struct in_device *in_dev, struct sk_buff *skb,
			    const struct proxyarp_decision *d,
			    unsigned int delay);

bool proxyarp_arp_answers(struct net_device *dev,
			  const union proxyarp_inaddr *addr, bool *router);

/* arp_reply.c */
void proxyarp_send_reply(struct sk_buff *skb, struct net_device *dev,
			 __be32 sip, __be32 tip, const u8 *sha);
bool proxyarp_arp_announce(struct net_device *dev,
			   const struct proxyarp_conf *conf,
			   const union proxyarp_inaddr *addr, bool router);
bool proxyarp_arp_probe(struct net_device *dev,
			const union proxyarp_inaddr *addr);
void proxyarp_arp_trace_announce(struct net_device *dev,
				 const union proxyarp_inaddr *addr, u8 trigger,
				 u8 count, u8 mode);
void proxyarp_arp_trace_conflict(struct net_device *dev,
				 const union proxyarp_inaddr *addr,
				 const u8 *mac);

#endif /* _PROXYARP_ARP_H */
