// SPDX-License-Identifier: GPL-2.0
/*
 * Every ARP packet the module sends: the reply by proxy, for the hook
 * and the delay queue (in the request's own buffer when no one else can
 * see it, else a new one as arp_send_dst() builds it), and for
 * announce.c the announcement and the probe, built by the same code.
 * All go out through NF_ARP_OUT.
 */

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <net/arp.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>

#include "arp.h"
#include <trace/events/proxyarp.h>

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

/*
 * arp_send_dst(): a new packet from @dev's MAC, @type to @dest_ip at
 * @dest_hw (NULL: broadcast, target MAC zero), carrying @md_dst's tunnel
 * metadata back when there is some.  Out of line: a reply in place, the
 * common case, does not need it.
 */
static noinline bool proxyarp_arp_send(int type, struct net_device *dev,
				       __be32 dest_ip, __be32 src_ip,
				       const u8 *dest_hw,
				       struct metadata_dst *md_dst)
{
	struct sk_buff *skb;

	skb = arp_create(type, ETH_P_ARP, dest_ip, dev, src_ip, dest_hw,
			 dev->dev_addr, dest_hw);
	if (!skb)
		return false;
	if (md_dst) {
		md_dst = iptunnel_metadata_reply(md_dst, GFP_ATOMIC);
		if (md_dst)
			skb_dst_set(skb, &md_dst->dst);
	}
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
	if (proxyarp_reply_in_place(skb, dev, sip, tip, sha))
		return;
	proxyarp_arp_send(ARPOP_REPLY, dev, sip, tip, sha,
			  skb_metadata_dst(skb));
	consume_skb(skb);
}

/**
 * proxyarp_arp_announce - announce that @dev answers for @addr
 * @dev: the device
 * @conf: unused: no ARP tunable changes the announcement
 * @addr: the address
 * @router: unused: ARP has no router flag
 *
 * A gratuitous ARP in request form, as arp_notify sends it for the
 * device's own address: sender and target @addr, @dev's MAC as sender,
 * broadcast, target MAC zero.
 *
 * Return: false when it could not be built.
 */
bool proxyarp_arp_announce(struct net_device *dev,
			   const struct proxyarp_conf *conf,
			   const union proxyarp_inaddr *addr, bool router)
{
	return proxyarp_arp_send(ARPOP_REQUEST, dev, addr->ip, addr->ip, NULL,
				 NULL);
}

/**
 * proxyarp_arp_probe - ask the guest behind @dev for @addr
 * @dev: the guest's device
 * @addr: the guest's address
 *
 * A broadcast request from the address the kernel would pick for it on
 * @dev, as arp_solicit() asks: the guest's answer tells announce.c it
 * is there.  Never from 0.0.0.0: that is an RFC 5227 probe, which makes
 * a guest checking its address give it up.
 *
 * Return: false when nothing was sent.
 */
bool proxyarp_arp_probe(struct net_device *dev,
			const union proxyarp_inaddr *addr)
{
	__be32 src = inet_select_addr(dev, addr->ip, RT_SCOPE_LINK);

	return src && proxyarp_arp_send(ARPOP_REQUEST, dev, addr->ip, src,
					NULL, NULL);
}

void proxyarp_arp_trace_announce(struct net_device *dev,
				 const union proxyarp_inaddr *addr, u8 trigger,
				 u8 count, u8 mode)
{
	trace_proxyarp_announce(dev, addr->ip, trigger, count, mode);
}

void proxyarp_arp_trace_conflict(struct net_device *dev,
				 const union proxyarp_inaddr *addr,
				 const u8 *mac)
{
	trace_proxyarp_conflict(dev, addr->ip, mac);
}
