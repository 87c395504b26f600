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

/*
 * True when @dev may send one more reply now.  Credit grows with time up
 * to max_burst replies' worth; a reply costs 1/max_rate seconds of it.
 */
bool proxyarp_guard_allow(struct proxyarp_fdev *fd,
			  const struct net_device *dev)
{
	int rate = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MAX_RATE]);
	int burst = READ_ONCE(fd->conf.val[PROXYARP_KNOB_MAX_BURST]);
	struct proxyarp_guard *g = &fd->guard;
	u64 now, cost, cap;
	bool ok;

	if (rate <= 0)
		return true;
	cost = div_u64(NSEC_PER_SEC, rate);
	cap = cost * max(burst, 1);

	spin_lock(&g->lock);
	now = ktime_get_mono_fast_ns();
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
	else
		proxyarp_guard_log(g, dev, fd->conf.family, rate);
	spin_unlock(&g->lock);
	return ok;
}
