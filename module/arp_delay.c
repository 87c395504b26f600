// SPDX-License-Identifier: GPL-2.0
/*
 * honor_proxy_delay: answer broadcast requests after a random delay in
 * [0, proxy_delay), with at most proxy_qlen waiting per device, as
 * pneigh_enqueue() and neigh_proxy_process() (net/core/neighbour.c) do
 * for the kernel's proxy_arp.  The request itself waits, stolen from the
 * hook; its answer is the one decided when it arrived.
 *
 * Each device has its own queue and timer.  proxyarp_delay_flush(), from
 * the NETDEV_UNREGISTER notifier (device removal, namespace exit and
 * module unload all go through it), marks the queue dead under its lock
 * so that nothing more is queued, stops the timer and frees what waits:
 * a queued request never outlives its device.
 */

#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <net/arp.h>
#include <net/dst.h>
#include <net/neighbour.h>

#include "arp.h"

struct proxyarp_cb {
	unsigned long due;
	__be32 sip;
	__be32 tip;
	u8 sha[ETH_ALEN];
};

static struct proxyarp_cb *proxyarp_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct proxyarp_cb) > sizeof(skb->cb));
	return (struct proxyarp_cb *)skb->cb;
}

/*
 * The delay to answer @skb after, in jiffies; 0: at once.  The kernel's
 * rule: unicast requests and a zero proxy_delay are answered at once.
 * Read once: proxy_delay may change under us, and a zero must never
 * reach get_random_u32_below().
 */
unsigned int proxyarp_delay_of(const struct proxyarp_dev *pdev,
			       struct in_device *in_dev,
			       const struct sk_buff *skb)
{
	const struct proxyarp_conf *conf = &pdev->fam[PROXYARP_ARP].conf;
	int delay = compat_neigh_var_once(in_dev->arp_parms, PROXY_DELAY);

	if (!READ_ONCE(conf->val[PROXYARP_KNOB_HONOR_PROXY_DELAY]) ||
	    skb->pkt_type == PACKET_HOST || delay <= 0)
		return 0;
	return delay;
}

/*
 * Queue @skb for an answer within @delay (from proxyarp_delay_of(), not
 * 0); false when the queue is full or the device is going (the request
 * is then dropped, as the kernel drops it).
 */
bool proxyarp_delay_enqueue(struct proxyarp_dev *pdev,
			    struct in_device *in_dev, struct sk_buff *skb,
			    const struct proxyarp_decision *d,
			    unsigned int delay)
{
	struct proxyarp_cb *cb = proxyarp_cb(skb);
	bool queued = false;

	cb->due = jiffies + get_random_u32_below(delay);
	cb->sip = d->sip;
	cb->tip = d->tip;
	ether_addr_copy(cb->sha, d->sha);
	/* Tunnel metadata, if any, is needed for the answer. */
	skb_dst_force(skb);

	spin_lock(&pdev->queue.lock);
	if (!pdev->dead && skb_queue_len(&pdev->queue) <
			   compat_neigh_var_once(in_dev->arp_parms, PROXY_QLEN)) {
		__skb_queue_tail(&pdev->queue, skb);
		if (!timer_pending(&pdev->timer) ||
		    time_before(cb->due, pdev->timer.expires))
			mod_timer(&pdev->timer, cb->due);
		queued = true;
	}
	spin_unlock(&pdev->queue.lock);
	return queued;
}

static void proxyarp_delay_timer(struct timer_list *t)
{
	struct proxyarp_dev *pdev = timer_container_of(pdev, t, timer);
	unsigned long now = jiffies, next = now;
	struct sk_buff *skb, *tmp;
	struct sk_buff_head due;
	bool more = false;

	__skb_queue_head_init(&due);
	spin_lock(&pdev->queue.lock);
	skb_queue_walk_safe(&pdev->queue, skb, tmp) {
		unsigned long when = proxyarp_cb(skb)->due;

		if (!time_after(when, now)) {
			__skb_unlink(skb, &pdev->queue);
			__skb_queue_tail(&due, skb);
		} else if (!more || time_before(when, next)) {
			next = when;
			more = true;
		}
	}
	if (more && !pdev->dead)
		mod_timer(&pdev->timer, next);
	spin_unlock(&pdev->queue.lock);

	while ((skb = __skb_dequeue(&due))) {
		struct proxyarp_cb *cb = proxyarp_cb(skb);

		proxyarp_send_reply(skb, skb->dev, cb->sip, cb->tip, cb->sha);
	}
}

void proxyarp_delay_init(struct proxyarp_dev *pdev)
{
	skb_queue_head_init(&pdev->queue);
	timer_setup(&pdev->timer, proxyarp_delay_timer, 0);
}

/* Process context, from the notifier: after this nothing is queued. */
void proxyarp_delay_flush(struct proxyarp_dev *pdev)
{
	spin_lock_bh(&pdev->queue.lock);
	pdev->dead = true;
	spin_unlock_bh(&pdev->queue.lock);
	timer_shutdown_sync(&pdev->timer);
	skb_queue_purge(&pdev->queue);
}
