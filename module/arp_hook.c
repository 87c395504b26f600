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

#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <net/arp.h>
#include <net/neighbour.h>
#include <net/route.h>

#include "arp.h"
#include <trace/events/proxyarp.h>

/*
 * arp_rcv() has checked the lengths against the device; check again what
 * this hook relies on, on a copy if the packet is not linear.  Requests
 * are decided; replies only observed.
 */
static bool proxyarp_parse(const struct sk_buff *skb,
			   const struct net_device *dev,
			   struct proxyarp_decision *d, bool *reply)
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
	    (arp->hdr.ar_op != htons(ARPOP_REQUEST) &&
	     arp->hdr.ar_op != htons(ARPOP_REPLY)))
		return false;

	*reply = arp->hdr.ar_op == htons(ARPOP_REPLY);

	d->dev = dev;
	d->sip = arp->sip;
	d->tip = arp->tip;
	ether_addr_copy(d->sha, arp->sha);
	return true;
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
			      READ_ONCE(n->updated) +
			      compat_neigh_var_once(n->parms, LOCKTIME)) ||
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

/*
 * For announce.c, for a reply or a gratuitous ARP: a guest heard (its
 * gratuitous ARP, or its answer to a probe), and, on a device at mode 1
 * or 2, another MAC claiming an address answered here.  Out of line:
 * requests, the hook's hot path, do not come here.
 */
static noinline void proxyarp_arp_observe(struct proxyarp_dev *pdev,
					  int mode,
					  const struct proxyarp_decision *d,
					  bool reply)
{
	union proxyarp_inaddr addr = { .ip = d->sip };

	if (!d->sip)
		return;
	proxyarp_announce_heard(pdev, PROXYARP_ARP,
				d->sip == d->tip ? NULL : &addr);
	if (mode != PROXYARP_MODE_OFF)
		proxyarp_announce_conflict(pdev, PROXYARP_ARP, &addr, d->sha);
}

static unsigned int proxyarp_arp_in(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct net_device *dev = state->in;
	struct proxyarp_decision d = {};
	struct proxyarp_dev *pdev;
	struct proxyarp_fdev *fd;
	struct in_device *in_dev;
	bool reply;
	int mode;

	pdev = proxyarp_dev_get_rcu(dev);
	if (!pdev)
		return NF_ACCEPT;
	fd = &pdev->fam[PROXYARP_ARP];
	mode = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MODE]);
	if (mode == PROXYARP_MODE_OFF &&
	    !READ_ONCE(proxyarp_pernet_rcu(dev_net(dev))->announcing))
		return NF_ACCEPT;
	if (!proxyarp_parse(skb, dev, &d, &reply))
		return NF_ACCEPT;
	if (unlikely(reply || d.sip == d.tip))
		proxyarp_arp_observe(pdev, mode, &d, reply);
	in_dev = __in_dev_get_rcu(dev);
	if (mode == PROXYARP_MODE_OFF || reply || !in_dev)
		return NF_ACCEPT;

	d.mode = mode;
	proxyarp_decide(skb, in_dev, &fd->conf, &d);
	if (d.verdict == PROXYARP_VERDICT_REPLY &&
	    !proxyarp_guard_allow(fd, dev, &d.sip)) {
		d.verdict = PROXYARP_VERDICT_IGNORE;
		d.reason = PROXYARP_REASON_RATE_LIMITED;
	}
	proxyarp_stats_count(&proxyarp_pernet_rcu(dev_net(dev))->fam[PROXYARP_ARP],
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
