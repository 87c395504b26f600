// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy decision.
 *
 * The kernel's own rule is spread over arp_process() and its helpers
 * arp_fwd_proxy() and arp_fwd_pvlan() (net/ipv4/arp.c), and the input
 * route lookup arp_process() calls, ip_route_input_slow() and
 * __mkroute_input() (net/ipv4/route.c).  proxyarp_decide() takes the same
 * steps in the same order on the same flow, so that with the safety knobs
 * off it answers what the kernel answers.  The knobs come last and only
 * ever turn a reply into a refusal.  The deliberate differences are
 * listed in README.md ("Differences from the kernel's proxy_arp").
 *
 * Compared on each kernel the module supports (6.1, 6.12, 7.x): from
 * 6.12 to 7.x these functions changed in ways an ARP request cannot
 * see.  The flow carries a dscp_t where it carried a tos, 0 for ARP in
 * both (the flows below leave it zero); failures return drop reasons
 * instead of errnos, with the same branches taken; and the proxy entry
 * lookup runs under RCU without the table's lock (compat_pneigh_find()).
 * The differential test (parity.py) holds the module to each kernel.
 *
 * Everything here runs in the hook, under rcu_read_lock().
 */

#include <linux/inetdevice.h>
#include <net/arp.h>
#include <net/dst_metadata.h>
#include <net/flow_dissector.h>
#include <net/ip_fib.h>
#include <net/l3mdev.h>
#include <net/neighbour.h>
#include <net/nexthop.h>
#include <net/route.h>

#include "arp.h"

/*
 * __fib_validate_source(), net/ipv4/fib_frontend.c (not exported): the
 * reverse lookup of the sender, with the route's output device as input
 * interface.  No itag is computed: ARP has no use for one.
 */
static int proxyarp_validate_source_full(struct sk_buff *skb, __be32 src,
					 __be32 dst, int oif,
					 struct net_device *dev, int rpf,
					 struct in_device *idev)
{
	struct net *net = dev_net(dev);
	struct flow_keys flkeys;
	struct fib_result res;
	struct flowi4 fl4 = {
		.flowi4_l3mdev = l3mdev_master_ifindex_rcu(dev),
		.flowi4_iif = oif ? : LOOPBACK_IFINDEX,
		.daddr = src,
		.saddr = dst,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
		.flowi4_uid = proxyarp_net_uid(net),
		.flowi4_mark = IN_DEV_SRC_VMARK(idev) ? skb->mark : 0,
	};

	if (fib4_rules_early_flow_dissect(net, skb, &fl4, &flkeys))
		swap(fl4.fl4_sport, fl4.fl4_dport);

	if (fib_lookup(net, &fl4, &res, 0))
		goto last_resort;
	if (res.type != RTN_UNICAST &&
	    (res.type != RTN_LOCAL || !IN_DEV_ACCEPT_LOCAL(idev)))
		return -EINVAL;
	if (fib_info_nh_uses_dev(res.fi, dev) ||
	    (res.type == RTN_LOCAL && dev == net->loopback_dev))
		return 0;
	if (!rcu_access_pointer(idev->ifa_list))
		goto last_resort;
	/*
	 * Strict mode fails here; loose mode's second lookup (with
	 * oif = dev) only decides the sign of a non-negative result.
	 */
	return rpf == 1 ? -EXDEV : 0;

last_resort:
	return rpf ? -EXDEV : 0;
}

/*
 * fib_validate_source(), net/ipv4/fib_frontend.c (not exported).
 * Returns 0 for a valid sender, -EINVAL for a martian one and -EXDEV when
 * the reverse path check (rp_filter) fails.
 */
static int proxyarp_validate_source(struct sk_buff *skb, __be32 src,
				    __be32 dst, int oif,
				    struct net_device *dev,
				    struct in_device *idev)
{
	int rpf = secpath_exists(skb) ? 0 : IN_DEV_RPFILTER(idev);
	struct net *net = dev_net(dev);

	if (!rpf && !fib_num_tclassid_users(net) &&
	    (dev->ifindex != oif || !IN_DEV_TX_REDIRECTS(idev))) {
		if (IN_DEV_ACCEPT_LOCAL(idev))
			return 0;
		if (!proxyarp_fib4_has_custom(net))
			return proxyarp_addr_is_local(net, src) ? -EINVAL : 0;
	}
	return proxyarp_validate_source_full(skb, src, dst, oif, dev, rpf,
					     idev);
}

/*
 * arp_fwd_proxy(), net/ipv4/arp.c, without its IN_DEV_PROXY_ARP() test:
 * for the module, the device's mode plays the part of proxy_arp.
 */
static bool proxyarp_fwd_proxy(struct in_device *in_dev,
			       struct net_device *out)
{
	struct in_device *out_dev;
	int imi, omi = -1;

	if (out == in_dev->dev)
		return false;
	imi = IN_DEV_MEDIUM_ID(in_dev);
	if (imi == 0)
		return true;
	if (imi == -1)
		return false;
	out_dev = __in_dev_get_rcu(out);
	if (out_dev)
		omi = IN_DEV_MEDIUM_ID(out_dev);
	return omi != imi && omi != -1;
}

/*
 * Is there an explicit proxy entry (ip neigh add proxy) for the target on
 * the receiving device?  Looked up at most once per request, and only
 * where it can change something: the kernel asks pneigh_lookup() last,
 * after arp_fwd_proxy() and arp_fwd_pvlan(), and so does the module.  A
 * request routing alone answers never takes tbl->lock for it.
 */
static bool proxyarp_entry(struct net_device *dev,
			   struct proxyarp_decision *d)
{
	if (d->entry == PROXYARP_ENTRY_UNKNOWN)
		d->entry = compat_pneigh_find(&arp_tbl, dev_net(dev), &d->tip,
					      dev) ? PROXYARP_ENTRY_FOUND :
						     PROXYARP_ENTRY_NONE;
	return d->entry == PROXYARP_ENTRY_FOUND;
}

/*
 * The rest of __mkroute_input() (source validation, the same-device rule
 * for ARP) then the proxy branch of arp_process() for one nexthop, in its
 * order: arp_fwd_proxy(), arp_fwd_pvlan(), then an entry, which only a
 * nexthop through another device consults.  Notes in @d
 * (pvlan) what proxyarp_decide() needs to consult the entry later.
 */
static enum proxyarp_reason proxyarp_nexthop(struct sk_buff *skb,
					     struct in_device *in_dev,
					     struct fib_nh_common *nhc,
					     struct proxyarp_decision *d)
{
	struct net_device *dev = in_dev->dev, *out = nhc->nhc_dev;
	bool proxy, pvlan;
	int err;

	if (!out || !__in_dev_get_rcu(out))
		return PROXYARP_REASON_NO_ROUTE;
	/* No asker to validate; pvlan answers one asker, not the LAN. */
	if (d->standin)
		return out == dev ? PROXYARP_REASON_SAME_DEVICE :
		       proxyarp_fwd_proxy(in_dev, out) ? PROXYARP_REASON_PROXIED :
		       proxyarp_entry(dev, d) ? PROXYARP_REASON_PROXY_ENTRY :
		       PROXYARP_REASON_MEDIUM_ID;
	err = proxyarp_validate_source(skb, d->sip, d->tip, nhc->nhc_oif,
				       dev, in_dev);
	if (err)
		return err == -EXDEV ? PROXYARP_REASON_RP_FILTER :
				       PROXYARP_REASON_MARTIAN_SOURCE;
	if (out == dev && !IN_DEV_PROXY_ARP_PVLAN(in_dev))
		return PROXYARP_REASON_SAME_DEVICE;

	proxy = proxyarp_fwd_proxy(in_dev, out);
	/* arp_fwd_pvlan() */
	pvlan = out == dev && d->sip != d->tip;
	d->pvlan |= pvlan;

	if (d->sip == d->tip)
		return PROXYARP_REASON_GARP;
	if (proxy || pvlan)
		return PROXYARP_REASON_PROXIED;
	/* Neither: then out != dev, or this would be pvlan or garp. */
	if (proxyarp_entry(dev, d))
		return PROXYARP_REASON_PROXY_ENTRY;
	return PROXYARP_REASON_MEDIUM_ID;
}

static bool proxyarp_reason_replies(enum proxyarp_reason reason)
{
	return reason == PROXYARP_REASON_PROXIED ||
	       reason == PROXYARP_REASON_PROXY_ENTRY;
}

/*
 * ip_mkroute_input() picks one nexthop of a multipath route by a hash
 * that, for an ARP packet, is computed over ARP header bytes read as if
 * they were an IP header.  The module does not guess that pick: it
 * answers only when every live nexthop would justify the answer, and
 * counts the kernel as answering when any one would.
 */
static enum proxyarp_reason proxyarp_route_nexthops(struct sk_buff *skb,
						    struct in_device *in_dev,
						    struct fib_result *res,
						    struct proxyarp_decision *d)
{
	enum proxyarp_reason reason = PROXYARP_REASON_NO_ROUTE, nh;
	bool first = true;
	int i;

	for (i = 0; i < fib_info_num_path(res->fi); i++) {
		struct fib_nh_common *nhc = fib_info_nhc(res->fi, i);

		if (fib_info_num_path(res->fi) > 1 &&
		    (nhc->nhc_flags & RTNH_F_DEAD))
			continue;
		nh = proxyarp_nexthop(skb, in_dev, nhc, d);
		if (first || (proxyarp_reason_replies(reason) &&
			      !proxyarp_reason_replies(nh)))
			reason = nh;
		first = false;
	}
	return reason;
}

static void proxyarp_note_route(struct proxyarp_decision *d,
				const struct fib_result *res)
{
	d->table = res->table ? res->table->tb_id : 0;
	d->prefix = res->prefix;
	d->plen = res->prefixlen;
	d->proto = res->fi->fib_protocol;
	d->oif = res->nhc ? res->nhc->nhc_dev : NULL;
}

/*
 * ip_route_input_slow(), net/ipv4/route.c, as arp_process() calls it:
 * destination the target, source the sender, tos 0, the receiving device
 * as input interface and the packet's mark, so that policy rules (iif,
 * fwmark, from, uidrange) and VRF apply as they do for the kernel.
 */
static enum proxyarp_reason proxyarp_route(struct sk_buff *skb,
					   struct in_device *in_dev,
					   struct proxyarp_decision *d)
{
	const struct ip_tunnel_info *tun_info = skb ? skb_tunnel_info(skb) :
						     NULL;
	struct net_device *dev = in_dev->dev;
	struct net *net = dev_net(dev);
	__be32 sip = d->sip, tip = d->tip;
	struct flow_keys flkeys;
	struct fib_result res;
	struct flowi4 fl4 = {
		.flowi4_iif = dev->ifindex,
		.flowi4_mark = skb ? skb->mark : 0,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
		.daddr = tip,
		.saddr = sip,
		.flowi4_uid = proxyarp_net_uid(net),
	};
	int err;

	if (tun_info && !(tun_info->mode & IP_TUNNEL_INFO_TX))
		fl4.flowi4_tun_key.tun_id = tun_info->key.tun_id;

	if (ipv4_is_multicast(sip) || ipv4_is_lbcast(sip))
		return PROXYARP_REASON_MARTIAN_SOURCE;
	/* A limited broadcast target goes to brd_input, invalid for ARP. */
	if (ipv4_is_lbcast(tip))
		return PROXYARP_REASON_MARTIAN_TARGET;
	if (ipv4_is_zeronet(sip) && !d->standin)
		return PROXYARP_REASON_MARTIAN_SOURCE;
	if (ipv4_is_zeronet(tip))
		return PROXYARP_REASON_MARTIAN_TARGET;
	if (ipv4_is_loopback(tip)) {
		if (!IN_DEV_NET_ROUTE_LOCALNET(in_dev, net))
			return PROXYARP_REASON_MARTIAN_TARGET;
	} else if (ipv4_is_loopback(sip)) {
		if (!IN_DEV_NET_ROUTE_LOCALNET(in_dev, net))
			return PROXYARP_REASON_MARTIAN_SOURCE;
	}

	/* The local table's answer, when it cannot be another. */
	d->oif = proxyarp_addr_local_up(net, tip);
	if (d->oif) {
		d->table = RT_TABLE_LOCAL;
		d->prefix = tip;
		d->plen = 32;
		d->proto = RTPROT_KERNEL;
		return PROXYARP_REASON_LOCAL;
	}

	if (skb)
		fib4_rules_early_flow_dissect(net, skb, &fl4, &flkeys);
	err = fib_lookup(net, &fl4, &res, 0);
	if (err)
		return err == -ENETUNREACH ? PROXYARP_REASON_NO_ROUTE :
					     PROXYARP_REASON_NOT_UNICAST;
	proxyarp_note_route(d, &res);

	if (res.type == RTN_LOCAL)
		return PROXYARP_REASON_LOCAL;
	/* Broadcast routes, forwarded or not, never make a proxy reply. */
	if (res.type == RTN_BROADCAST)
		return PROXYARP_REASON_NOT_UNICAST;
	if (!IN_DEV_FORWARD(in_dev))
		return PROXYARP_REASON_FORWARDING_OFF;
	if (res.type != RTN_UNICAST)
		return PROXYARP_REASON_NOT_UNICAST;
	return proxyarp_route_nexthops(skb, in_dev, &res, d);
}

/* The safety knobs: they only ever refuse what routing would answer. */
static enum proxyarp_reason proxyarp_knobs(const struct proxyarp_conf *conf,
					   const struct proxyarp_decision *d)
{
	if (d->plen == 0 &&
	    READ_ONCE(conf->val[PROXYARP_KNOB_IGNORE_DEFAULT_ROUTE]))
		return PROXYARP_REASON_DEFAULT_ROUTE;
	if (d->plen < READ_ONCE(conf->val[PROXYARP_KNOB_MIN_PREFIXLEN]))
		return PROXYARP_REASON_SHORT_PREFIX;
	return proxyarp_route_proto_ok(conf, d->proto) ?
	       PROXYARP_REASON_PROXIED : PROXYARP_REASON_ROUTE_PROTO;
}

/**
 * proxyarp_decide - decide whether to answer an ARP request by proxy
 * @skb: the request, as NF_ARP_IN sees it
 * @in_dev: the receiving device's IPv4 state
 * @conf: the receiving device's tunables
 * @d: the parsed request (dev, sip, tip, sha); receives the decision
 */
void proxyarp_decide(struct sk_buff *skb, struct in_device *in_dev,
		     const struct proxyarp_conf *conf,
		     struct proxyarp_decision *d)
{
	enum proxyarp_reason reason;

	/*
	 * arp_process()'s order: it drops requests for multicast and
	 * loopback, then, with drop_gratuitous_arp, gratuitous ones, both
	 * unlearnt; a DAD probe is answered for local targets only.
	 */
	d->garp_dropped = d->sip == d->tip &&
			  IN_DEV_ORCONF(in_dev, DROP_GRATUITOUS_ARP);
	if (ipv4_is_multicast(d->tip) ||
	    (!IN_DEV_ROUTE_LOCALNET(in_dev) && ipv4_is_loopback(d->tip)))
		reason = PROXYARP_REASON_MARTIAN_TARGET;
	else if (d->garp_dropped)
		reason = PROXYARP_REASON_GARP;
	else if (!d->sip)
		reason = PROXYARP_REASON_DAD;
	else
		reason = proxyarp_route(skb, in_dev, d);

	/*
	 * The knobs refuse a route, not an explicit entry: one answers
	 * where every nexthop leaves through another device.
	 */
	if (reason == PROXYARP_REASON_PROXIED) {
		reason = proxyarp_knobs(conf, d);
		if (reason != PROXYARP_REASON_PROXIED && !d->pvlan &&
		    proxyarp_entry(in_dev->dev, d))
			reason = PROXYARP_REASON_PROXY_ENTRY;
	}

	d->reason = reason;
	d->verdict = proxyarp_reason_replies(reason) ? PROXYARP_VERDICT_REPLY :
						       PROXYARP_VERDICT_IGNORE;
}

/**
 * proxyarp_kernel_has_work - does arp_process() have more to do with it?
 * @d: the request, after proxyarp_decide(), refused
 *
 * A local target is the kernel's to answer (arp_ignore, arp_filter), and
 * so is a DAD probe; a martian target, and a gratuitous request under
 * drop_gratuitous_arp, are the kernel's to drop, with no neighbour
 * update.  Anything else the kernel would proxy or leave,
 * after learning the asker: the hook does that part itself
 * (proxyarp_note_asker()) and consumes the request.
 */
bool proxyarp_kernel_has_work(const struct proxyarp_decision *d)
{
	return d->reason == PROXYARP_REASON_LOCAL ||
	       d->reason == PROXYARP_REASON_DAD ||
	       d->reason == PROXYARP_REASON_MARTIAN_TARGET ||
	       d->garp_dropped;
}

/**
 * proxyarp_arp_answers - would @dev answer a request for @addr?
 * @dev: the device the request would come in on
 * @addr: the target
 * @router: unused (NDP's answer has a router flag)
 *
 * For announcements and conflicts (announce.c), under RCU: the request's
 * decision with a stand-in asker, a host on @dev's link without an
 * address.  What an asker brings is left out: the checks of its address
 * (martian, rp_filter), its mark and tunnel; and proxy_arp_pvlan, which
 * answers an asker behind the same device, is not an answer for the LAN.
 */
bool proxyarp_arp_answers(struct net_device *dev,
			  const union proxyarp_inaddr *addr, bool *router)
{
	struct proxyarp_fdev *fd = proxyarp_fdev_get_rcu(dev, PROXYARP_ARP);
	struct in_device *in_dev = __in_dev_get_rcu(dev);
	struct proxyarp_decision d = {
		.dev = dev,
		.tip = addr->ip,
		.standin = true,
	};

	*router = false;
	if (!fd || !in_dev || ipv4_is_multicast(d.tip) ||
	    ipv4_is_loopback(d.tip))
		return false;
	d.reason = proxyarp_route(NULL, in_dev, &d);
	if (d.reason == PROXYARP_REASON_PROXIED &&
	    proxyarp_knobs(&fd->conf, &d) != PROXYARP_REASON_PROXIED &&
	    !proxyarp_entry(dev, &d))
		return false;
	return proxyarp_reason_replies(d.reason);
}
