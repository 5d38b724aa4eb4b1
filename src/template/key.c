/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A template's key: what the database of a fresh work order of the profile
 * would be made from.  The two images by ID (a tag that moves makes a new
 * key), the module list in order, the init flags, and per listed module the
 * files the repository's addons/ holds for it (sorted paths, sizes and
 * contents; __pycache__ and *.pyc left out).  A module the repository does
 * not hold comes with the Odoo image: the image's ID covers it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/util.h"
#include "template/template.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull
#define HASH_DEPTH_MAX 16
/* What one module may hold before its key is refused: a module is source, not data. */
#define HASH_FILES_MAX 20000
#define HASH_BYTES_MAX (512ull << 20)

struct hash_walk {
	uint64_t h;
	size_t files;
	uint64_t bytes;
	const char *module;
};

static void fnv_bytes(uint64_t *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++) {
		*h ^= p[i];
		*h *= FNV_PRIME;
	}
}

/* A string with its terminator, so "ab"+"c" and "a"+"bc" differ. */
static void fnv_str(uint64_t *h, const char *s)
{
	fnv_bytes(h, s, strlen(s) + 1);
}

static int skip_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' || !strcmp(name, "__pycache__") || (n > 4 && !strcmp(name + n - 4, ".pyc"));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int hash_file(struct hash_walk *hw, const char *path, struct iso_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return iso_error_set(err, ISO_E_USAGE, errno, "cannot read '%s' for the template key: %s", path,
				     strerror(errno));
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return iso_error_set(err, ISO_E_USAGE, errno, "cannot read '%s' for the template key: %s", path,
					     strerror(errno));
		if (n == 0)
			return 0;
		fnv_bytes(&hw->h, buf, (size_t)n);
	}
}

/* The sorted names of DIR (owned vector), without the skipped ones. */
static int dir_names(const char *dir, char ***out, size_t *n, struct iso_error **err)
{
	DIR *d = opendir(dir);
	if (!d)
		return iso_error_set(err, ISO_E_USAGE, errno, "cannot list '%s' for the template key: %s", dir,
				     strerror(errno));
	char **v = NULL;
	size_t k = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || skip_name(e->d_name))
			continue;
		v = xrealloc(v, (k + 1) * sizeof(*v));
		v[k++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (k)
		qsort(v, k, sizeof(*v), cmp_names);
	*out = v;
	*n = k;
	return 0;
}

static int hash_tree(struct hash_walk *hw, const char *dir, const char *rel, int depth, struct iso_error **err)
{
	if (depth > HASH_DEPTH_MAX)
		return iso_error_set(err, ISO_E_USAGE, 0, "'%s' nests more than %d directories deep", dir,
				     HASH_DEPTH_MAX);
	char **names = NULL;
	size_t n = 0;
	if (dir_names(dir, &names, &n, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		cleanup_free char *path = xasprintf("%s/%s", dir, names[i]);
		cleanup_free char *sub = xasprintf("%s%s%s", rel, *rel ? "/" : "", names[i]);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue; /* gone while we looked */
		fnv_str(&hw->h, sub);
		if (++hw->files > HASH_FILES_MAX || hw->bytes > HASH_BYTES_MAX) {
			rc = iso_error_set(
				err, ISO_E_USAGE, 0,
				"module '%s' in '%s' holds more than %d files or %llu MB: that is not a module's "
				"source; take the data out of addons/ or the module out of the profile's modules",
				hw->module, dir, HASH_FILES_MAX, (unsigned long long)(HASH_BYTES_MAX >> 20));
		} else if (S_ISDIR(st.st_mode)) {
			fnv_str(&hw->h, "d");
			rc = hash_tree(hw, path, sub, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			uint64_t size = (uint64_t)st.st_size;
			hw->bytes += size;
			fnv_bytes(&hw->h, &size, sizeof size);
			rc = hash_file(hw, path, err);
		} else if (S_ISLNK(st.st_mode)) {
			/* Never followed: the link itself is what the module holds. */
			char target[4096];
			ssize_t len = readlink(path, target, sizeof target - 1);
			target[len > 0 ? len : 0] = '\0';
			fnv_str(&hw->h, "l");
			fnv_str(&hw->h, target);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int tpl_module_hash(const char *repo_dir, const char *module, char out[17], struct iso_error **err)
{
	snprintf(out, 17, "image");
	if (!repo_dir)
		return 0;
	cleanup_free char *dir = xasprintf("%s/addons/%s", repo_dir, module);
	struct stat st;
	/* lstat: a module that is a symbolic link is hashed as the link (it is not followed out of the repository). */
	if (lstat(dir, &st) < 0)
		return 0;
	struct hash_walk hw = {.h = FNV_OFFSET, .module = module};
	fnv_str(&hw.h, "isopod-module-1");
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t len = readlink(dir, target, sizeof target - 1);
		target[len > 0 ? len : 0] = '\0';
		fnv_str(&hw.h, target);
	} else if (!S_ISDIR(st.st_mode)) {
		return 0;
	} else if (hash_tree(&hw, dir, "", 0, err) < 0) {
		return iso_error_wrap(err, "hash the files of module '%s'", module);
	}
	snprintf(out, 17, "%016llx", (unsigned long long)hw.h);
	return 0;
}

static int image_id(struct wo_ctx *w, const char *ref, const char *key, char **id, struct iso_error **err)
{
	if (podman_image_id(w->client, ref, id, err) == 0)
		return 0;
	return iso_error_wrap(err, "image '%s' (the profile's %s) is needed for the template key", ref, key);
}

int tpl_key_compute(struct wo_ctx *w, struct tpl_key *k, struct iso_error **err)
{
	const struct iso_profile *p = &w->cfg.profile;
	memset(k, 0, sizeof(*k));
	if (image_id(w, p->odoo_image, "odoo_image", &k->odoo_image_id, err) < 0 ||
	    image_id(w, p->db_image, "db_image", &k->db_image_id, err) < 0)
		return -1;
	uint64_t h = FNV_OFFSET;
	fnv_str(&h, "isopod-template-1");
	fnv_str(&h, k->odoo_image_id);
	fnv_str(&h, k->db_image_id);
	fnv_str(&h, TPL_INIT_FLAGS);
	size_t used = 0;
	for (size_t i = 0; p->modules && p->modules[i] && i < TPL_MODULES_MAX; i++) {
		k->modules[k->n_modules] = p->modules[i];
		if (tpl_module_hash(w->cfg.repo_dir, p->modules[i], k->module_hash[k->n_modules], err) < 0)
			return -1;
		fnv_str(&h, p->modules[i]);
		fnv_str(&h, k->module_hash[k->n_modules]);
		used += (size_t)snprintf(k->modules_csv + used, sizeof(k->modules_csv) - used, "%s%s", used ? "," : "",
					 p->modules[i]);
		k->n_modules++;
	}
	if (!k->n_modules) {
		k->modules[k->n_modules] = "base";
		snprintf(k->module_hash[0], 17, "image");
		snprintf(k->modules_csv, sizeof(k->modules_csv), "base");
		fnv_str(&h, "base");
		fnv_str(&h, "image");
		k->n_modules = 1;
	}
	snprintf(k->key, sizeof(k->key), "%016llx", (unsigned long long)h);
	iso_debug("template key of profile '%s': %s (modules %s)", p->name, k->key, k->modules_csv);
	return 0;
}

void tpl_key_release(struct tpl_key *k)
{
	free(k->odoo_image_id);
	free(k->db_image_id);
	k->odoo_image_id = k->db_image_id = NULL;
}
