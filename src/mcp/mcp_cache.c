/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's cache of ls's Podman answers: one shared anonymous mapping
 * made before any fork, so the server, the event watcher and every call's
 * child see the same bytes.  Design in include/mcp/mcp.h ("the ls cache").
 *
 * Layout: a header (a robust process-shared mutex, the generation, live)
 * and MCP_CACHE_SLOTS slots, each a path, the generation and time it was
 * filled at and its body in a fixed MCP_CACHE_SLOT_BYTES area (all in use:
 * the oldest filled goes).  A slot answers only while the watcher is live,
 * its generation is the current one and it is younger than
 * MCP_CACHE_MAX_AGE_MS.  Every invalidation is one atomic increment, no
 * lock, so the watcher and the server never wait for a child.  A child
 * that dies holding the mutex leaves it to the next locker (EOWNERDEAD),
 * which empties every slot.
 * Untouched pages cost nothing: only the slots in use are resident
 * (RssShmem, shared by all, not RssAnon).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/util.h"
#include "mcp/mcp.h"

#define PATH_BYTES 1024

struct slot {
	uint64_t gen;
	uint64_t stamp;    /* the put count when filled: the oldest goes first */
	int64_t filled_ms; /* monotonic: older than MCP_CACHE_MAX_AGE_MS answers nothing */
	size_t len;        /* 0: empty */
	char path[PATH_BYTES];
};

struct region {
	pthread_mutex_t mu;
	uint64_t gen;  /* atomic */
	int live;      /* atomic */
	uint64_t puts; /* the slots' stamps */
	struct slot slot[MCP_CACHE_SLOTS];
	char data[MCP_CACHE_SLOTS][MCP_CACHE_SLOT_BYTES];
};

static struct region *R;

int mcp_cache_init(void)
{
	if (R)
		return 0;
	void *p = mmap(NULL, sizeof(struct region), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	struct region *r = p;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	int rc = pthread_mutex_init(&r->mu, &a);
	pthread_mutexattr_destroy(&a);
	if (rc) {
		munmap(p, sizeof(struct region));
		return -1;
	}
	R = r;
	return 0;
}

void mcp_cache_release(void)
{
	if (!R)
		return;
	munmap(R, sizeof(struct region));
	R = NULL;
}

static int lock(void)
{
	int rc = pthread_mutex_lock(&R->mu);
	if (rc == EOWNERDEAD) {
		/* its holder died mid-copy: nothing in the slots is to be trusted */
		for (int i = 0; i < MCP_CACHE_SLOTS; i++)
			R->slot[i].len = 0;
		__atomic_add_fetch(&R->gen, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_consistent(&R->mu);
		rc = 0;
	}
	return rc ? -1 : 0;
}

void mcp_cache_invalidate(void)
{
	if (R)
		__atomic_add_fetch(&R->gen, 1, __ATOMIC_SEQ_CST);
}

void mcp_cache_set_live(int live)
{
	if (!R)
		return;
	__atomic_store_n(&R->live, live, __ATOMIC_SEQ_CST);
	mcp_cache_invalidate();
}

int mcp_cache_live(void)
{
	return R && __atomic_load_n(&R->live, __ATOMIC_SEQ_CST);
}

int mcp_cache_get(const char *path, char **body, size_t *len, uint64_t *token)
{
	*token = 0;
	if (!R || strlen(path) >= PATH_BYTES || lock() < 0)
		return 0;
	uint64_t gen = __atomic_load_n(&R->gen, __ATOMIC_SEQ_CST);
	int64_t now = iso_now_ms();
	int hit = 0;
	for (int i = 0; i < MCP_CACHE_SLOTS && mcp_cache_live() && !hit; i++) {
		const struct slot *s = &R->slot[i];
		if (s->len && s->gen == gen && now - s->filled_ms < MCP_CACHE_MAX_AGE_MS && !strcmp(s->path, path)) {
			*body = xmalloc(s->len + 1);
			memcpy(*body, R->data[i], s->len);
			(*body)[s->len] = '\0';
			*len = s->len;
			hit = 1;
		}
	}
	*token = gen;
	pthread_mutex_unlock(&R->mu);
	return hit;
}

void mcp_cache_put(const char *path, const char *body, size_t len, uint64_t token)
{
	if (!R || !len || len > MCP_CACHE_SLOT_BYTES || strlen(path) >= PATH_BYTES || lock() < 0)
		return;
	uint64_t gen = __atomic_load_n(&R->gen, __ATOMIC_SEQ_CST);
	/* only an answer fetched since the last change, while the watcher is live */
	if (token != gen || !mcp_cache_live()) {
		pthread_mutex_unlock(&R->mu);
		return;
	}
	int k = -1;
	/* the path's own slot, else an empty or outdated one, else the oldest filled */
	for (int i = 0; i < MCP_CACHE_SLOTS && k < 0; i++)
		if (R->slot[i].len && !strcmp(R->slot[i].path, path))
			k = i;
	for (int i = 0; i < MCP_CACHE_SLOTS && k < 0; i++)
		if (!R->slot[i].len || R->slot[i].gen != gen)
			k = i;
	if (k < 0) {
		k = 0;
		for (int i = 1; i < MCP_CACHE_SLOTS; i++)
			if (R->slot[i].stamp < R->slot[k].stamp)
				k = i;
	}
	struct slot *s = &R->slot[k];
	memcpy(R->data[k], body, len);
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->gen = token;
	s->filled_ms = iso_now_ms();
	s->stamp = ++R->puts;
	s->len = len;
	pthread_mutex_unlock(&R->mu);
}
