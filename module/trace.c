// SPDX-License-Identifier: GPL-2.0
/* Instantiate the proxyarp tracepoints (include/trace/events/proxyarp.h). */

#include "arp.h"
#include "ndp.h"

#define CREATE_TRACE_POINTS
#include <trace/events/proxyarp.h>
