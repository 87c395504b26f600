// SPDX-License-Identifier: GPL-2.0
/*
 * The storm guard: at most max_rate proxy replies per second per device and
 * family, after a burst of max_burst, as a token bucket counted in
 * nanoseconds of credit.  A request over the limit is refused (reason
 * rate_limited); the kernel log says so at most once a minute per device,
 * with how many were refused since it last did.
 *
 * Only requests the module would answer take a token, under the bucket's
 * spinlock: the hook runs in softirq, and nothing else takes the lock.
 * Announcements (announce.c) take theirs from a second bucket with the
 * same knobs (or announce.c's own pace without max_rate), and wait for
 * one rather than being refused.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>

#include "proxyarp.h"

#define PROXYARP_GUARD_LOG_INTERVAL	(60 * HZ)

void proxyarp_guard_init(struct proxyarp_guard *g)
{
	spin_lock_init(&g->lock);
	g->stamp = ktime_get_mono_fast_ns();
	/* Full: the first burst is allowed. */
	g->credit = U64_MAX / 2;
	g->log_next = jiffies;
	g->refused = 0;
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
 * Under @g's lock: take one token if there is one.  Credit grows with
 * time up to max_burst tokens' worth; a token costs 1/max_rate seconds.
 */
static bool proxyarp_guard_credit(struct proxyarp_guard *g, int rate,
				  int burst)
{
	u64 cost = div_u64(NSEC_PER_SEC, rate);
	u64 cap = cost * max(burst, 1);
	u64 now = ktime_get_mono_fast_ns();
	bool ok;

	/*
	 * The fast clock is not ordered across CPUs: a reading behind the
	 * stamp, taken by another CPU, adds nothing and keeps the stamp.
	 */
	if (now > g->stamp) {
		g->credit = min(g->credit + (now - g->stamp), cap);
		g->stamp = now;
	} else {
		g->credit = min(g->credit, cap);
	}
	ok = g->credit >= cost;
	if (ok)
		g->credit -= cost;
	return ok;
}

/* True when @dev may send one more reply now. */
bool proxyarp_guard_allow(struct proxyarp_fdev *fd,
			  const struct net_device *dev)
{
	struct proxyarp_guard *g = &fd->guard;
	int rate, burst;
	bool ok;

	if (!proxyarp_guard_limited(&fd->conf, &rate, &burst))
		return true;
	spin_lock(&g->lock);
	ok = proxyarp_guard_credit(g, rate, burst);
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
