/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gc's part for what is not a work order's: templates left unsealed by a
 * build or save that was cut (once nobody holds the template's lock), the
 * throwaway objects of such a build, and snapshots left unsealed (once
 * nobody holds the work order's lock).  Sealed ones are never touched.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "lifecycle/lifecycle.h"
#include "snapshot/snapshot.h"
#include "template/template.h"

/* The throwaway build of T (pod, containers, secret), then its volumes. */
static int remove_partial_template(struct wo_ctx *w, const struct tpl_entry *t, struct iso_error **err)
{
	struct wo_ctx b = *w;
	b.lock_fd = -1;
	if (wo_names_template_build(&b.names, t->profile, t->key, err) < 0 ||
	    lifecycle_remove_made(&b, LEASE_MADE_POD | LEASE_MADE_DB | LEASE_MADE_INIT | LEASE_MADE_SECRET, err) < 0)
		return -1;
	return tpl_remove(w, t, err);
}

static int gc_templates(struct wo_ctx *w, cmd_gc_tell tell, void *ctx, struct iso_error **err)
{
	struct tpl_list l;
	if (tpl_list(w, NULL, &l, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		const struct tpl_entry *t = &l.v[i];
		if (t->sealed > 0)
			continue;
		int fd = -1;
		if ((rc = tpl_lock(w, t->profile, t->key, 0, 0, &fd, err)) < 0)
			break;
		if (fd < 0) {
			tell(ctx, "skipped busy", t->profile, t->key, NULL, "a template build or save is running");
			continue;
		}
		rc = remove_partial_template(w, t, err);
		tpl_unlock(fd);
		if (rc == 0)
			tell(ctx, "removed partial template", t->profile, t->key, "template",
			     "an interrupted build or save; never used");
	}
	tpl_list_release(&l);
	return rc;
}

static int gc_snapshots(struct wo_ctx *w, cmd_gc_tell tell, void *ctx, struct iso_error **err)
{
	struct snap_list l;
	if (snap_list(w, 1, &l, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < l.n && rc == 0; i++) {
		const struct snap_entry *s = &l.v[i];
		if (s->sealed)
			continue;
		struct wo_ctx o = *w;
		o.lock_fd = -1;
		if ((rc = wo_names_init(&o.names, s->profile, s->wo, err)) < 0)
			break;
		struct iso_error *e = NULL;
		if (wo_lock(&o, 0, &e) < 0) {
			tell(ctx, "skipped busy", s->profile, s->wo, NULL, e->msg);
			iso_error_free(e);
			continue;
		}
		rc = snap_remove_entry(w, s, err);
		close(o.lock_fd);
		if (rc == 0) {
			char note[96];
			snprintf(note, sizeof note, "snapshot '%s': an interrupted copy; never used", s->name);
			tell(ctx, "removed partial snapshot of", s->profile, s->wo, "snapshot", note);
		}
	}
	snap_list_release(&l);
	return rc;
}

int cmd_gc_store(struct wo_ctx *w, cmd_gc_tell tell, void *ctx, struct iso_error **err)
{
	if (gc_templates(w, tell, ctx, err) < 0)
		return iso_error_wrap(err, "collect interrupted template builds");
	if (gc_snapshots(w, tell, ctx, err) < 0)
		return iso_error_wrap(err, "collect interrupted snapshots");
	return 0;
}
