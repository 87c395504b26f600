// SPDX-License-Identifier: GPL-2.0
/*
 * The storm guard: at most max_rate proxy replies per second per device and
 * family, after a burst of max_burst, as a token bucket counted in
 * nanoseconds of credit.  A request over the limit is refused (reason
 * rate_limited); the kernel log says so at most once a minute per device,
 * with how many were refused since it last did.
 *
 * One sender cannot take it all: each sender (by network address) has a
 * bucket of its own at half the rate and half the burst, and while it
 * has a token there it may take the device's last one; a sender over its
 * share may take only what is above half the burst.  One host sweeping
 * the guests' addresses, or looping on a request, then leaves the gateway
 * of the LAN answered, where one bucket for all let it take everything;
 * alone, it still gets the whole rate.  Many senders still meet the
 * device's cap, and one that changes its address each time is many.  The
 * table holds PROXYARP_GUARD_SENDERS senders; a new one takes a free
 * slot, else the one with the most credit left: a sender that used its
 * share up keeps its slot, and one evicted full loses nothing.  The
 * table is allocated with the first request the guard counts, at most
 * once a second after a failure; without it, the device's bucket alone
 * decides.
 *
 * Only requests the module would answer take a token, under the guard's
 * spinlock: the hook runs in softirq, and nothing else takes the lock.
 * Announcements (announce.c) take theirs from a second bucket with the
 * same knobs (or announce.c's own pace without max_rate), and wait for
 * one rather than being refused.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "proxyarp.h"

#define PROXYARP_GUARD_LOG_INTERVAL	(60 * HZ)
#define PROXYARP_GUARD_SENDERS		16

/* One sender's share: the address it asks from, and its bucket. */
struct proxyarp_sender {
	union proxyarp_inaddr addr;
	struct proxyarp_bucket bucket;	/* stamp 0: a free slot */
};

/* Full: the first burst is allowed. */
static void proxyarp_bucket_init(struct proxyarp_bucket *b, u64 now)
{
	b->stamp = now;
	b->credit = U64_MAX / 2;
}

void proxyarp_guard_init(struct proxyarp_guard *g)
{
	spin_lock_init(&g->lock);
	proxyarp_bucket_init(&g->bucket, ktime_get_mono_fast_ns());
	g->senders = NULL;
	g->senders_retry = jiffies;
	g->log_next = jiffies;
	g->refused = 0;
}

/* With the device, after a grace period: no hook sees @g. */
void proxyarp_guard_free(struct proxyarp_guard *g)
{
	kfree(g->senders);
}

static void proxyarp_guard_log(struct proxyarp_guard *g,
			       const struct net_device *dev, int family,
			       int rate)
{
	g->refused++;
	if (time_before(jiffies, g->log_next))
		return;
	g->log_next = jiffies + PROXYARP_GUARD_LOG_INTERVAL;
	pr_warn("%s: over max_rate %d/s: %lu %s not answered\n",
		netdev_name(dev), rate, g->refused,
		proxyarp_families[family].asked);
	g->refused = 0;
}

/* The device's max_rate and max_burst; false for no limit (max_rate 0). */
static bool proxyarp_guard_limited(const struct proxyarp_conf *conf,
				   int *rate, int *burst)
{
	*rate = READ_ONCE(conf->val[PROXYARP_KNOB_MAX_RATE]);
	*burst = READ_ONCE(conf->val[PROXYARP_KNOB_MAX_BURST]);
	return *rate > 0;
}

/*
 * Credit grows with time up to @cap.  The fast clock is not ordered
 * across CPUs: a reading behind the stamp, taken by another CPU, adds
 * nothing and keeps the stamp.
 */
static void proxyarp_bucket_fill(struct proxyarp_bucket *b, u64 now, u64 cap)
{
	if (now > b->stamp) {
		b->credit = min(b->credit + (now - b->stamp), cap);
		b->stamp = now;
	} else {
		b->credit = min(b->credit, cap);
	}
}

/*
 * Under @g's lock: the device's bucket, filled to @now, and the cost of
 * a token, 1/max_rate seconds; credit holds max_burst tokens at most.
 */
static u64 proxyarp_guard_fill(struct proxyarp_guard *g, u64 now, int rate,
			       int burst)
{
	u64 cost = div_u64(NSEC_PER_SEC, rate);
	u64 cap = cost * max(burst, 1);

	proxyarp_bucket_fill(&g->bucket, now, cap);
	return cost;
}

/* Under @g's lock: take one token if there is one. */
static bool proxyarp_guard_credit(struct proxyarp_guard *g, int rate,
				  int burst)
{
	u64 cost = proxyarp_guard_fill(g, ktime_get_mono_fast_ns(), rate,
				       burst);

	if (g->bucket.credit < cost)
		return false;
	g->bucket.credit -= cost;
	return true;
}

/* A free slot (stamp 0) first, then the one with the most credit. */
static bool proxyarp_sender_idler(const struct proxyarp_sender *s,
				  const struct proxyarp_sender *than)
{
	if (!than || !s->bucket.stamp)
		return true;
	return than->bucket.stamp && s->bucket.credit > than->bucket.credit;
}

/*
 * Under @g's lock: @sender's slot, else a free one or that of the
 * sender with the most credit left, given to @sender with a full
 * bucket.  NULL without a table: the device's bucket alone decides.
 */
static struct proxyarp_sender *
proxyarp_guard_sender(struct proxyarp_guard *g, const void *sender,
		      size_t len, u64 now, u64 cap)
{
	struct proxyarp_sender *s, *idle = NULL;
	int i;

	if (!g->senders) {
		if (time_before(jiffies, g->senders_retry))
			return NULL;
		g->senders = kcalloc(PROXYARP_GUARD_SENDERS,
				     sizeof(*g->senders),
				     GFP_ATOMIC | __GFP_NOWARN);
		g->senders_retry = jiffies + HZ;
		if (!g->senders)
			return NULL;
	}
	for (i = 0; i < PROXYARP_GUARD_SENDERS; i++) {
		s = &g->senders[i];
		if (s->bucket.stamp && !memcmp(&s->addr, sender, len))
			return s;
		if (s->bucket.stamp)
			proxyarp_bucket_fill(&s->bucket, now, cap);
		if (proxyarp_sender_idler(s, idle))
			idle = s;
	}
	memcpy(&idle->addr, sender, len);
	proxyarp_bucket_init(&idle->bucket, now);
	return idle;
}

/*
 * Under @g's lock: one token from the device's bucket.  A sender within
 * its share (its own bucket, at half the rate and burst, has a token)
 * may take the last one; a sender over it only what is above half the
 * burst, which stays for the others.
 */
static bool proxyarp_guard_shared(struct proxyarp_guard *g,
				  const void *sender, size_t len, int rate,
				  int burst)
{
	u64 now = ktime_get_mono_fast_ns();
	u64 cost = proxyarp_guard_fill(g, now, rate, burst);
	u64 scost = 2 * cost, scap = scost * max(burst / 2, 1);
	u64 reserve = cost * (burst / 2);
	struct proxyarp_sender *s;
	bool within;

	s = proxyarp_guard_sender(g, sender, len, now, scap);
	if (s)
		proxyarp_bucket_fill(&s->bucket, now, scap);
	within = !s || s->bucket.credit >= scost;
	if (g->bucket.credit < cost + (within ? 0 : reserve))
		return false;
	g->bucket.credit -= cost;
	if (within && s)
		s->bucket.credit -= scost;
	return true;
}

/**
 * proxyarp_guard_allow - may @dev send one more reply now?
 * @fd: the device's state of the family
 * @dev: the device
 * @sender: the asker's address: a __be32 (ARP), a struct in6_addr (NDP)
 */
bool proxyarp_guard_allow(struct proxyarp_fdev *fd,
			  const struct net_device *dev, const void *sender)
{
	struct proxyarp_guard *g = &fd->guard;
	int rate, burst;
	bool ok;

	if (!proxyarp_guard_limited(&fd->conf, &rate, &burst))
		return true;
	spin_lock(&g->lock);
	ok = proxyarp_guard_shared(g, sender,
				   proxyarp_families[fd->conf.family].addr_len,
				   rate, burst);
	if (!ok)
		proxyarp_guard_log(g, dev, fd->conf.family, rate);
	spin_unlock(&g->lock);
	return ok;
}

/**
 * proxyarp_guard_take - may one more announcement go now?
 * @g: the family's announcement bucket on the device
 * @conf: the device's tunables of that family
 * @rate: the rate when @conf has no max_rate
 * @burst: and the burst
 *
 * The same rate and burst as answers, from a bucket of its own: an
 * announcement that has to wait is not refused, and not logged.
 * From the announcement timer, in softirq.
 */
bool proxyarp_guard_take(struct proxyarp_guard *g,
			 const struct proxyarp_conf *conf, int rate, int burst)
{
	int r, b;
	bool ok;

	if (proxyarp_guard_limited(conf, &r, &b)) {
		rate = r;
		burst = b;
	}
	spin_lock(&g->lock);
	ok = proxyarp_guard_credit(g, rate, burst);
	spin_unlock(&g->lock);
	return ok;
}
