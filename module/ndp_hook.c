// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 hook: read a neighbour solicitation, decide, trace, act.
 *
 * A solicitation for a proxied target is sent to the target's
 * solicited-node group, which this host has not joined: ip6_mc_input()
 * would drop it after routing.  So the hook sits last in PRE_ROUTING,
 * after the raw, mangle, nat and filter PREROUTING chains, before the
 * kernel's membership check; the device is in allmulticast mode while
 * its mode is set (device.c), so that a NIC's filter lets the group in.
 *
 * mode 1 (on): a solicitation the module answers is consumed; one it
 * refuses goes on to the kernel, unless the kernel would answer it from
 * an explicit entry (proxy_ndp), which the module then consumes too.
 * mode 2 (audit): decide and trace only.  On a bridge under br_netfilter
 * a frame is seen as it is being bridged: one for another host's MAC is
 * left alone, and a multicast one goes on to the other ports, answered
 * or not, unless the kernel would answer it from an entry too.
 *
 * Validation is the kernel's, in its order: icmpv6_rcv() (checksum),
 * ndisc_rcv() (hop limit 255, code 0, no fragments while
 * suppress_frag_ndisc is on, RFC 6980) and ndisc_recv_ns() (length, a
 * multicast target, DAD to a solicited-node group, options, the source
 * link-layer option's length, none from ::), RFC 4861 7.1.1.  Only a
 * solicitation directly in the IPv6 header is read: one behind
 * extension headers goes to the kernel untouched.  That includes one
 * that came in fragments, unless conntrack's defragmenter (priority
 * -400) reassembled it; it then carries IP6SKB_FRAGMENTED.
 */

#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv6.h>
#include <net/addrconf.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "ndp.h"
#include <trace/events/proxyarp.h>

/* Internal: the solicitation is valid so far. */
#define PROXYARP_NDP_VALID __PROXYARP_REASON_MAX

/* The ICMPv6 type of a message directly in the IPv6 header, or 0. */
static u8 proxyarp_ndp_type(const struct sk_buff *skb)
{
	const struct icmp6hdr *icmp;
	struct icmp6hdr _icmp;

	if (ipv6_hdr(skb)->nexthdr != IPPROTO_ICMPV6)
		return 0;
	icmp = skb_header_pointer(skb, skb_network_offset(skb) +
				  sizeof(struct ipv6hdr), sizeof(_icmp),
				  &_icmp);
	return icmp ? icmp->icmp6_type : 0;
}

/* icmpv6_rcv(): the checksum, unless the device vouched for it. */
static bool proxyarp_ndp_csum_ok(const struct sk_buff *skb,
				 unsigned int off, unsigned int len)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);

	if (skb_csum_unnecessary(skb))
		return true;
	return !csum_ipv6_magic(&ip6->saddr, &ip6->daddr, len, IPPROTO_ICMPV6,
				skb_checksum(skb, off, len, 0));
}

/*
 * ndisc_parse_options(): every option at least 8 bytes and inside the
 * message; the first source link-layer option counts, of the length an
 * Ethernet address takes (ndisc_opt_addr_data()), and never from ::.
 */
static u8 proxyarp_ndp_options(const u8 *opt, unsigned int len,
			       struct proxyarp_ndp_decision *d)
{
	const struct nd_opt_hdr *sllao = NULL;

	while (len) {
		const struct nd_opt_hdr *h = (const struct nd_opt_hdr *)opt;
		unsigned int l;

		if (len < sizeof(*h))
			return PROXYARP_REASON_INVALID;
		l = h->nd_opt_len << 3;
		if (!l || l > len)
			return PROXYARP_REASON_INVALID;
		if (h->nd_opt_type == ND_OPT_SOURCE_LL_ADDR && !sllao)
			sllao = h;
		opt += l;
		len -= l;
	}
	if (!sllao)
		return PROXYARP_NDP_VALID;
	if (sllao->nd_opt_len << 3 != __ndisc_opt_addr_space(ETH_ALEN, 0) ||
	    d->dad)
		return PROXYARP_REASON_INVALID;
	memcpy(d->sha, sllao + 1, ETH_ALEN);
	d->lladdr = true;
	return PROXYARP_NDP_VALID;
}

/* ndisc_suppress_frag_ndisc(), net/ipv6/ndisc.c */
static bool proxyarp_ndp_frag_refused(const struct sk_buff *skb,
				      const struct inet6_dev *idev)
{
	return (IP6CB(skb)->flags & IP6SKB_FRAGMENTED) &&
	       READ_ONCE(idev->cnf.suppress_frag_ndisc);
}

/*
 * Read the solicitation into @d and validate it; d->reason is
 * PROXYARP_NDP_VALID or the refusal.  False when the message cannot be
 * read (no memory to make it linear): it then goes to the kernel.
 */
static bool proxyarp_ndp_parse(struct sk_buff *skb,
			       const struct inet6_dev *idev,
			       struct proxyarp_ndp_decision *d)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	unsigned int len = skb->len - off;
	const struct ipv6hdr *ip6;
	const struct nd_msg *msg;

	if (!pskb_may_pull(skb, skb->len))
		return false;
	ip6 = ipv6_hdr(skb);
	msg = (const struct nd_msg *)(skb_network_header(skb) + sizeof(*ip6));
	d->saddr = ip6->saddr;
	d->daddr = ip6->daddr;
	d->dad = ipv6_addr_any(&d->saddr);
	d->mcast = ipv6_addr_is_multicast(&d->daddr);
	d->reason = PROXYARP_REASON_INVALID;

	if (!proxyarp_ndp_csum_ok(skb, off, len) || ip6->hop_limit != 255 ||
	    msg->icmph.icmp6_code || len < sizeof(*msg))
		return true;
	d->target = msg->target;
	if (proxyarp_ndp_frag_refused(skb, idev))
		return true;
	if (ipv6_addr_is_multicast(&d->target)) {
		d->reason = PROXYARP_REASON_MARTIAN_TARGET;
		return true;
	}
	if (d->dad && !ipv6_addr_is_solict_mult(&d->daddr))
		return true;
	d->reason = proxyarp_ndp_options(msg->opt, len - sizeof(*msg), d);
	return true;
}

/* The target link-layer option of an advertisement, of an Ethernet MAC. */
static const u8 *proxyarp_ndp_tllao(const u8 *opt, unsigned int len)
{
	while (len >= sizeof(struct nd_opt_hdr)) {
		const struct nd_opt_hdr *h = (const struct nd_opt_hdr *)opt;
		unsigned int l = h->nd_opt_len << 3;

		if (!l || l > len)
			return NULL;
		if (h->nd_opt_type == ND_OPT_TARGET_LL_ADDR)
			return l == __ndisc_opt_addr_space(ETH_ALEN, 0) ?
			       (const u8 *)(h + 1) : NULL;
		opt += l;
		len -= l;
	}
	return NULL;
}

/*
 * For announce.c, a valid advertisement (ndisc_rcv()'s and
 * ndisc_recv_na()'s checks): its guest heard (unsolicited, or the answer
 * to a probe), and on a device at mode 1 or 2 another MAC (its target
 * link-layer option, else the frame's source) claiming an address
 * answered here.
 */
static void proxyarp_ndp_observe(struct sk_buff *skb,
				 struct proxyarp_dev *pdev, int mode)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	const struct inet6_dev *idev = __in6_dev_get(skb->dev);
	union proxyarp_inaddr addr = {};
	const struct nd_msg *msg;
	const u8 *mac;

	if (!idev || ipv6_hdr(skb)->hop_limit != 255 ||
	    skb->len < off + sizeof(*msg) || !pskb_may_pull(skb, skb->len) ||
	    !proxyarp_ndp_csum_ok(skb, off, skb->len - off) ||
	    proxyarp_ndp_frag_refused(skb, idev))
		return;
	msg = (const struct nd_msg *)(skb_network_header(skb) +
				      sizeof(struct ipv6hdr));
	if (msg->icmph.icmp6_code || ipv6_addr_is_multicast(&msg->target) ||
	    (msg->icmph.icmp6_solicited &&
	     ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr)))
		return;
	addr.ip6 = msg->target;
	mac = proxyarp_ndp_tllao(msg->opt, skb->len - off - sizeof(*msg));
	if (!mac && skb_mac_header_was_set(skb))
		mac = eth_hdr(skb)->h_source;

	proxyarp_announce_heard(pdev, PROXYARP_NDP,
				msg->icmph.icmp6_solicited ? &addr : NULL);
	if (mode != PROXYARP_MODE_OFF && mac)
		proxyarp_announce_conflict(pdev, PROXYARP_NDP, &addr, mac);
}

/*
 * br_netfilter's pass of a frame being bridged (bridge-nf-call-ip6tables):
 * PRE_ROUTING with the bridge as input device, before the bridge
 * forwards the frame, another host's relabelled as this host's
 * (setup_pre_routing()).  Its local delivery skips the rest of
 * PRE_ROUTING (ip_sabotage_in()), but not on a bridge in a VRF, where
 * the hook would see it a second time.  0: not bridged; 1: decide, as
 * the bridge's own; -1: leave it alone (decided in the first pass,
 * another host's, or one whose VLAN or PPPoE header br_netfilter took
 * off: its device is not the one the hook is told).  A VLAN tag taken
 * off before the bridge is not seen here.
 */
static int proxyarp_ndp_bridging(const struct sk_buff *skb)
{
#if IS_ENABLED(CONFIG_BRIDGE_NETFILTER)
	const struct nf_bridge_info *nb = nf_bridge_info_get(skb);

	if (!nb)
		return 0;
	if (!nb->in_prerouting || nb->pkt_otherhost ||
	    nb->orig_proto != BRNF_PROTO_UNCHANGED)
		return -1;
	return 1;
#else
	return 0;
#endif
}

/*
 * A multicast solicitation being bridged goes on to the bridge's ports
 * too, unless the kernel would answer its local copy from an explicit
 * entry (ndisc_recv_ns(), proxy_ndp), after the module's answer or what
 * the storm guard refused: then it is consumed, as off a bridge.
 */
static bool proxyarp_ndp_pass_on(const struct inet6_dev *idev,
				 const struct proxyarp_ndp_decision *d)
{
	return d->mcast && !proxyarp_ndp_kernel_entry(idev, d);
}

static unsigned int proxyarp_ndp_in(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct net_device *dev = state->in;
	struct proxyarp_ndp_decision d = {};
	struct proxyarp_dev *pdev;
	struct proxyarp_fdev *fd;
	struct inet6_dev *idev;
	int mode, bridging;
	u8 type;

	pdev = proxyarp_dev_get_rcu(dev);
	if (!pdev)
		return NF_ACCEPT;
	fd = &pdev->fam[PROXYARP_NDP];
	mode = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MODE]);
	if (mode == PROXYARP_MODE_OFF &&
	    !READ_ONCE(proxyarp_pernet_rcu(dev_net(dev))->announcing))
		return NF_ACCEPT;
	/*
	 * The host's own solicitation, looped back to a group it joined:
	 * arp_rcv() drops looped-back requests; answering it by proxy
	 * would point the host's own entry at itself.
	 */
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    skb->pkt_type == PACKET_LOOPBACK)
		return NF_ACCEPT;
	type = proxyarp_ndp_type(skb);
	if (type == NDISC_NEIGHBOUR_ADVERTISEMENT &&
	    proxyarp_ndp_bridging(skb) >= 0)
		proxyarp_ndp_observe(skb, pdev, mode);
	if (mode == PROXYARP_MODE_OFF || type != NDISC_NEIGHBOUR_SOLICITATION)
		return NF_ACCEPT;
	idev = __in6_dev_get(dev);
	if (!idev)
		return NF_ACCEPT;
	bridging = proxyarp_ndp_bridging(skb);
	if (bridging < 0)
		return NF_ACCEPT;

	d.dev = dev;
	d.mode = mode;
	if (!proxyarp_ndp_parse(skb, idev, &d))
		return NF_ACCEPT;
	if (d.reason == PROXYARP_NDP_VALID)
		proxyarp_ndp_decide(skb, idev, &fd->conf, &d);
	else
		d.verdict = PROXYARP_VERDICT_IGNORE;
	if (d.verdict == PROXYARP_VERDICT_REPLY &&
	    !proxyarp_guard_allow(fd, dev, &d.saddr)) {
		d.verdict = PROXYARP_VERDICT_IGNORE;
		d.reason = PROXYARP_REASON_RATE_LIMITED;
	}
	proxyarp_stats_count(&proxyarp_pernet_rcu(dev_net(dev))->fam[PROXYARP_NDP],
			     fd, d.verdict, d.reason);
	trace_proxyndp_decision(&d);

	if (mode != PROXYARP_MODE_ON)
		return NF_ACCEPT;
	if (d.verdict == PROXYARP_VERDICT_REPLY) {
		d.from_target =
			READ_ONCE(fd->conf.val[PROXYARP_KNOB_NA_SOURCE]);
		proxyarp_ndp_reply(dev, &d);
	} else if (!proxyarp_ndp_kernel_proxies(idev, &d)) {
		return NF_ACCEPT;
	}
	if (bridging && proxyarp_ndp_pass_on(idev, &d))
		return NF_ACCEPT;
	consume_skb(skb);
	return NF_STOLEN;
}

/* Registered per namespace by proxyarp_hooks_want() (family.c). */
const struct nf_hook_ops proxyarp_ndp_ops[1] = {
	{
		.hook = proxyarp_ndp_in,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = INT_MAX,
	},
};
