/* SPDX-License-Identifier: Apache-2.0 */
/*
 * idle_libs: a do-nothing program linked to isopod's libraries (libcurl,
 * yajl, libnl-3, libnl-route-3, libnl-idiag-3) that sleeps MS milliseconds
 * (default 300) and exits.  bench/bench_peers.sh measures its RssAnon the
 * way it measures isopod's: the floor any program of this shape pays.
 * One symbol of each library is referenced (never called) so that the
 * linker keeps every library even with --as-needed.
 */
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>
#include <netlink/idiag/idiagnl.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <yajl/yajl_gen.h>

void (*volatile idle_libs_keep[])(void) = {
	(void (*)(void))curl_version,    (void (*)(void))yajl_gen_alloc,  (void (*)(void))nl_socket_alloc,
	(void (*)(void))rtnl_link_alloc, (void (*)(void))idiagnl_connect,
};

int main(int argc, char **argv)
{
	long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
	return 0;
}
