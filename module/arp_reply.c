// SPDX-License-Identifier: GPL-2.0
/*
 * The ARP reply by proxy, for the hook and the delay queue: in the
 * request's own buffer when no one else can see it, else a new one as
 * arp_send_dst() builds it.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <net/arp.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "arp.h"

/*
 * What the receive path left in the request that a new buffer would not
 * carry: its flow hash, recorded receive queue (which would pick the
 * transmit queue), napi_id (sender_cpu, in the same union), a delivery
 * time, hardware receive timestamp, XDP metadata, redirect marks and
 * security mark.  skb_scrub_packet() takes the rest.
 */
static void proxyarp_reply_scrub(struct sk_buff *skb)
{
	skb_scrub_packet(skb, true);
	skb_clear_hash(skb);
	skb_set_queue_mapping(skb, 0);
#if defined(CONFIG_NET_RX_BUSY_POLL) || defined(CONFIG_XPS)
	skb->napi_id = 0;
#endif
	skb_clear_delivery_time(skb);
	skb_clear_tstamp(skb);
	skb_hwtstamps(skb)->hwtstamp = 0;
	skb_metadata_clear(skb);
	skb_reset_redirect(skb);
#ifdef CONFIG_NETWORK_SECMARK
	skb->secmark = 0;
#endif
}

/*
 * The request becomes its own reply when no one else can see its buffer
 * (not shared, not cloned by a packet tap, linear, not from the memory
 * reserves, no tunnel metadata to carry back, room for the device's
 * headers): the skb is reset to what
 * arp_create() would have given, so NF_ARP_OUT, qdiscs and the driver
 * see the same packet, without an allocation for the reply and a free
 * for the request.
 */
static bool proxyarp_reply_in_place(struct sk_buff *skb,
				    struct net_device *dev, __be32 sip,
				    __be32 tip, const u8 *sha)
{
	struct proxyarp_arp_eth *arp;
	u8 asker[ETH_ALEN];

	if (skb_shared(skb) || skb_cloned(skb) || skb_is_nonlinear(skb) ||
	    skb_pfmemalloc(skb) ||
	    skb_metadata_dst(skb) || skb_network_offset(skb) ||
	    skb->len < sizeof(*arp) ||
	    skb_headroom(skb) < LL_RESERVED_SPACE(dev) ||
	    skb_tailroom(skb) + skb->len - sizeof(*arp) < dev->needed_tailroom)
		return false;

	/* @sha may live in skb->cb (the delay queue's): copy it first. */
	ether_addr_copy(asker, sha);
	skb_orphan(skb);
	proxyarp_reply_scrub(skb);
	__vlan_hwaccel_clear_tag(skb);
	memset(skb->cb, 0, sizeof(skb->cb));
	skb->priority = 0;
	skb->ip_summed = CHECKSUM_NONE;
	skb->dev = dev;
	skb->protocol = htons(ETH_P_ARP);
	__skb_trim(skb, sizeof(*arp));

	arp = (struct proxyarp_arp_eth *)skb->data;
	arp->hdr.ar_hrd = htons(dev->type);
	arp->hdr.ar_pro = htons(ETH_P_IP);
	arp->hdr.ar_hln = dev->addr_len;
	arp->hdr.ar_pln = 4;
	arp->hdr.ar_op = htons(ARPOP_REPLY);
	ether_addr_copy(arp->sha, dev->dev_addr);
	arp->sip = tip;
	ether_addr_copy(arp->tha, asker);
	arp->tip = sip;
	if (dev_hard_header(skb, dev, ETH_P_ARP, asker, dev->dev_addr,
			    skb->len) < 0)
		kfree_skb(skb);
	else
		arp_xmit(skb);
	return true;
}

/**
 * proxyarp_send_reply - answer a request by proxy, consuming it
 * @skb: the request, owned by the caller (the hook or the delay queue)
 * @dev: the receiving device
 * @sip: the asker's address
 * @tip: the target's
 * @sha: the asker's MAC
 *
 * arp_send_dst() as arp_process() calls it for a proxied target: unicast
 * to the asker, the receiving device's MAC as sender, carrying the
 * request's tunnel metadata back when it came with some.  In the
 * request's own buffer when proxyarp_reply_in_place() can.
 */
void proxyarp_send_reply(struct sk_buff *skb, struct net_device *dev,
			 __be32 sip, __be32 tip, const u8 *sha)
{
	struct metadata_dst *md_dst = skb_metadata_dst(skb);
	struct sk_buff *reply;

	if (proxyarp_reply_in_place(skb, dev, sip, tip, sha))
		return;
	reply = arp_create(ARPOP_REPLY, ETH_P_ARP, sip, dev, tip, sha,
			   dev->dev_addr, sha);
	if (reply) {
		if (md_dst) {
			md_dst = iptunnel_metadata_reply(md_dst, GFP_ATOMIC);
			if (md_dst)
				skb_dst_set(reply, &md_dst->dst);
		}
		arp_xmit(reply);
	}
	consume_skb(skb);
}
