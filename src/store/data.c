/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/store/data.c - the data of one regular file: FICLONE, else
 * copy_file_range, else read/write, as coreutils' copy.c tries them.
 *
 * Why a memo per pair of file systems: on ext4 every FICLONE fails with
 * EOPNOTSUPP, and a Postgres data directory has thousands of 8 KB files; one
 * refused call decides for all the files of that pair.  Only the refusals
 * that mean "not here" decide; ENOSPC or EIO are errors of the copy.
 */
#include <errno.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/fs.h"
#include "base/util.h"
#include "tree.h"

static struct store_fs_memo *memo_for(struct store_walk *w, dev_t sdev, dev_t ddev)
{
	for (size_t i = 0; i < w->n_memo; i++)
		if (w->memo[i].sdev == sdev && w->memo[i].ddev == ddev)
			return &w->memo[i];
	/* More pairs than slots: the last slot is relearnt. */
	size_t i = w->n_memo < ISO_ARRAY_SIZE(w->memo) ? w->n_memo++ : ISO_ARRAY_SIZE(w->memo) - 1;
	w->memo[i] = (struct store_fs_memo){.sdev = sdev, .ddev = ddev};
	return &w->memo[i];
}

/* An errno that says the call is not supported for this pair, rather than that the copy failed. */
static int refused(int e)
{
	return e == EOPNOTSUPP || e == ENOTTY || e == EXDEV || e == EINVAL || e == ENOSYS || e == EBADF;
}

/* copy_file_range from the current offsets; *DONE grows by what was copied.  1 when refused at once. */
static int copy_range(struct store_walk *w, int sfd, int dfd, off_t size, off_t *done, struct iso_error **err)
{
	while (*done < size) {
		size_t want = (size_t)(size - *done) > (1u << 30) ? (1u << 30) : (size_t)(size - *done);
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, want, 0);
		if (n > 0) {
			*done += n;
			continue;
		}
		if (n == 0)
			return 0; /* the file shrank: copy what there is */
		if (errno == EINTR)
			continue;
		if (refused(errno))
			return 1; /* read/write goes on from the current offsets */
		return store_fail(&w->d, errno, "write", err);
	}
	return 0;
}

static int copy_rw(struct store_walk *w, int sfd, int dfd, off_t size, off_t *done, struct iso_error **err)
{
	while (*done < size) {
		ssize_t n = read(sfd, w->buf, STORE_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return store_fail(&w->s, errno, "read", err);
		if (n == 0)
			return 0;
		if (iso_write_all(dfd, w->buf, (size_t)n) < 0)
			return store_fail(&w->d, errno, "write", err);
		*done += n;
	}
	return 0;
}

int store_data_copy(struct store_walk *w, int sfd, const struct stat *sst, int dfd, dev_t ddev, struct iso_error **err)
{
	off_t done = 0;
	if (sst->st_size == 0)
		return 0;
	struct store_fs_memo *m = memo_for(w, sst->st_dev, ddev);
	if (!m->no_clone) {
		if (ioctl(dfd, FICLONE, sfd) == 0) {
			w->methods |= STORE_M_CLONE;
			w->st.bytes += (uint64_t)sst->st_size;
			return 0;
		}
		if (!refused(errno))
			return store_fail(&w->d, errno, "clone into", err);
		m->no_clone = 1;
	}
	if (!m->no_cfr) {
		int r = copy_range(w, sfd, dfd, sst->st_size, &done, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			w->methods |= STORE_M_CFR;
			w->st.bytes += (uint64_t)done;
			return 0;
		}
		if (done == 0)
			m->no_cfr = 1;
		else
			w->methods |= STORE_M_CFR;
	}
	if (copy_rw(w, sfd, dfd, sst->st_size, &done, err) < 0)
		return -1;
	w->methods |= STORE_M_RW;
	w->st.bytes += (uint64_t)done;
	return 0;
}
