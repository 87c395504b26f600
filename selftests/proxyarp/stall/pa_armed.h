/* SPDX-License-Identifier: GPL-2.0 */
/* The selftests' helper modules: a count of calls still to act on. */
#ifndef _PA_ARMED_H
#define _PA_ARMED_H

#include <linux/atomic.h>

/* Takes one of *@armed, unless another caller took the last. */
static inline bool pa_armed_take(int *armed)
{
	int n = READ_ONCE(*armed);

	while (n > 0) {
		int old = cmpxchg(armed, n, n - 1);

		if (old == n)
			return true;
		n = old;
	}
	return false;
}

#endif
