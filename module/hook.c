// SPDX-License-Identifier: GPL-2.0
/*
 * The NF_ARP_IN hook: read the request, decide, trace, act.
 *
 * mode 1 (on): the module owns proxy answers on the device.  A request
 * it answers is consumed, so the kernel never answers it too.  A request
 * it refuses is consumed as well, after the asker is learnt as
 * arp_process() would: the kernel's own proxy_arp cannot answer it, and
 * the kernel does not route it a second time.  What arp_process() has
 * its own business with (a local target, a DAD probe, a martian target,
 * a gratuitous request it drops unread under drop_gratuitous_arp) goes
 * on to it untouched.  mode 2 (audit): decide and trace only.
 * The hook is registered in a namespace only once something there asks
 * for the module (proxyarp_hooks_want(), family.c).
 */

#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <net/arp.h>
#include <net/dst_metadata.h>
#include <net/ip_tunnels.h>
#include <net/neighbour.h>
#include <net/route.h>

#include "proxyarp.h"
#include <trace/events/proxyarp.h>

/* An Ethernet/IPv4 ARP packet, as on the wire. */
struct proxyarp_arp_eth {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/*
 * arp_rcv() has checked the lengths against the device; check again what
 * this hook relies on, on a copy if the packet is not linear.
 */
static bool proxyarp_parse(const struct sk_buff *skb,
			   const struct net_device *dev,
			   struct proxyarp_decision *d)
{
	const struct proxyarp_arp_eth *arp;
	struct proxyarp_arp_eth _arp;

	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN)
		return false;
	arp = skb_header_pointer(skb, skb_network_offset(skb), sizeof(_arp),
				 &_arp);
	if (!arp)
		return false;
	/* As arp_process(): Ethernet accepts hardware types 1 and 6. */
	if ((arp->hdr.ar_hrd != htons(ARPHRD_ETHER) &&
	     arp->hdr.ar_hrd != htons(ARPHRD_IEEE802)) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4 ||
	    arp->hdr.ar_op != htons(ARPOP_REQUEST))
		return false;

	d->dev = dev;
	d->sip = arp->sip;
	d->tip = arp->tip;
	ether_addr_copy(d->sha, arp->sha);
	return true;
}

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

/*
 * What arp_process() does when it proxies: learn the asker
 * (neigh_event_ns()), then answer at once, or later when
 * honor_proxy_delay asks for the kernel's delay.  Consumes @skb.
 */
static void proxyarp_reply(struct sk_buff *skb, struct proxyarp_dev *pdev,
			   struct in_device *in_dev,
			   struct proxyarp_decision *d)
{
	unsigned int delay = proxyarp_delay_of(pdev, in_dev, skb);
	struct net_device *dev = in_dev->dev;
	struct neighbour *n;

	n = neigh_event_ns(&arp_tbl, d->sha, &d->sip, dev);
	if (n)
		neigh_release(n);

	if (!delay)
		proxyarp_send_reply(skb, dev, d->sip, d->tip, d->sha);
	else if (!proxyarp_delay_enqueue(pdev, in_dev, skb, d, delay))
		kfree_skb(skb);
}

/* arp_accept(), net/ipv4/arp.c */
static bool proxyarp_arp_accept(struct in_device *in_dev, __be32 sip)
{
	switch (IN_DEV_ARP_ACCEPT(in_dev)) {
	case 1:
		return true;
	case 2:
		return inet_confirm_addr(dev_net(in_dev->dev), in_dev, sip, 0,
					 RT_SCOPE_LINK);
	default:
		return false;
	}
}

/*
 * A refused request is consumed here: arp_process() could only proxy it
 * (which the module refused) or learn from it.  Do for the asker what
 * arp_process() does after any request it does not answer ("Update our
 * ARP tables"): refresh an entry that exists, or create one from a
 * gratuitous request when arp_accept says so.
 */
static void proxyarp_note_asker(struct in_device *in_dev,
				struct proxyarp_decision *d)
{
	struct net_device *dev = in_dev->dev;
	bool accept = proxyarp_arp_accept(in_dev, d->sip);
	bool is_garp = false;
	struct neighbour *n;
	bool override;

	n = __neigh_lookup(&arp_tbl, &d->sip, dev, 0);
	if ((n || accept) && d->sip == d->tip)
		is_garp = inet_addr_type_dev_table(dev_net(dev), dev,
						   d->sip) == RTN_UNICAST;
	if (!n && accept && is_garp)
		n = __neigh_lookup(&arp_tbl, &d->sip, dev, 1);
	if (!n)
		return;

	override = time_after(jiffies,
			      n->updated + NEIGH_VAR(n->parms, LOCKTIME)) ||
		   is_garp;
	neigh_update(n, d->sha, NUD_STALE,
		     override ? NEIGH_UPDATE_F_OVERRIDE : 0, 0);
	neigh_release(n);
}

/*
 * ip_handle_martian_source(), net/ipv4/route.c: the kernel logs a martian
 * or rp_filter-failing sender of a request it routes, under log_martians.
 * A request the module refuses at mode 1 is never routed by the kernel.
 * The line is upstream's newer one (7.x); 6.x says "martian source DST
 * from SRC, on dev DEV".
 */
static void proxyarp_log_martian(const struct sk_buff *skb,
				 struct in_device *in_dev,
				 const struct proxyarp_decision *d)
{
	struct net_device *dev = in_dev->dev;

	if (!IS_ENABLED(CONFIG_IP_ROUTE_VERBOSE) ||
	    (d->reason != PROXYARP_REASON_MARTIAN_SOURCE &&
	     d->reason != PROXYARP_REASON_RP_FILTER) ||
	    !IN_DEV_LOG_MARTIANS(in_dev) || !net_ratelimit())
		return;
	pr_warn("martian source (src=%pI4, dst=%pI4, dev=%s)\n", &d->sip,
		&d->tip, dev->name);
	if (dev->hard_header_len && skb_mac_header_was_set(skb))
		print_hex_dump(KERN_WARNING, "ll header: ", DUMP_PREFIX_OFFSET,
			       16, 1, skb_mac_header(skb), dev->hard_header_len,
			       false);
}

static unsigned int proxyarp_arp_in(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct net_device *dev = state->in;
	struct proxyarp_decision d = {};
	struct proxyarp_dev *pdev;
	struct proxyarp_fdev *fd;
	struct in_device *in_dev;
	int mode;

	pdev = proxyarp_dev_get_rcu(dev);
	if (!pdev)
		return NF_ACCEPT;
	fd = &pdev->fam[PROXYARP_ARP];
	mode = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MODE]);
	if (mode == PROXYARP_MODE_OFF)
		return NF_ACCEPT;
	in_dev = __in_dev_get_rcu(dev);
	if (!in_dev || !proxyarp_parse(skb, dev, &d))
		return NF_ACCEPT;

	d.mode = mode;
	proxyarp_decide(skb, in_dev, &fd->conf, &d);
	if (d.verdict == PROXYARP_VERDICT_REPLY &&
	    !proxyarp_guard_allow(fd, dev)) {
		d.verdict = PROXYARP_VERDICT_IGNORE;
		d.reason = PROXYARP_REASON_RATE_LIMITED;
	}
	proxyarp_stats_count(&proxyarp_pernet(dev_net(dev))->fam[PROXYARP_ARP],
			     fd, d.verdict, d.reason);
	trace_proxyarp_decision(&d);

	if (mode != PROXYARP_MODE_ON)
		return NF_ACCEPT;
	if (d.verdict == PROXYARP_VERDICT_REPLY) {
		proxyarp_reply(skb, pdev, in_dev, &d);
		return NF_STOLEN;
	}
	if (proxyarp_kernel_has_work(&d))
		return NF_ACCEPT;
	proxyarp_log_martian(skb, in_dev, &d);
	proxyarp_note_asker(in_dev, &d);
	consume_skb(skb);
	return NF_STOLEN;
}

/*
 * Last in NF_ARP_IN, where arp_process() would be: arptables and
 * nftables arp rules see a request before the module answers it.
 * Registered per namespace by proxyarp_hooks_want() (family.c).
 */
const struct nf_hook_ops proxyarp_arp_ops[1] = {
	{
		.hook = proxyarp_arp_in,
		.pf = NFPROTO_ARP,
		.hooknum = NF_ARP_IN,
		.priority = INT_MAX,
	},
};
