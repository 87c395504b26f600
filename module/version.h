/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PROXYARP_VERSION_H
#define _PROXYARP_VERSION_H
#define PROXYARP_VERSION "0.1.0"
#endif
