/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Work-order ids and profile names, and the Podman names derived from them.
 * The rules make derived names unique by construction: a profile has no '-'
 * or '_', so "<profile>-<wo>" and "<profile>_<wo>" split at their first
 * separator and two (profile, work order) pairs never share a name.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "workorder/names.h"

/*
 * Character classes of the stored names: 1 a profile's [a-z0-9] (which also
 * start a work order), 2 what a work order adds, [_.-].  One table for the
 * parsers below and for the lease file, which checks every line it reads.
 */
static const unsigned char name_class[256] = {
	['0' ... '9'] = 1, ['a' ... 'z'] = 1, ['_'] = 2, ['.'] = 2, ['-'] = 2,
};

/* A work-order character as typed: A-Z count as a-z (the id is stored lowercase). */
static int wo_char_ok(char c, int first)
{
	unsigned char k = name_class[(unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c)];
	return k == 1 || (k == 2 && !first);
}

int wo_profile_name_valid(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++)
		if (n == PROFILE_NAME_MAX || name_class[(unsigned char)name[n]] != 1)
			return 0;
	return n > 0;
}

int wo_id_valid(const char *id)
{
	if (name_class[(unsigned char)id[0]] != 1)
		return 0;
	for (size_t n = 1; id[n]; n++)
		if (n == WO_ID_MAX || !name_class[(unsigned char)id[n]])
			return 0;
	return 1;
}

int wo_parse(const char *in, char out[WO_ID_MAX + 1], struct iso_error **err)
{
	if (!in || !*in)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "a work-order id is required (letters, digits, '_', '.', '-'; e.g. WO-042)");
	size_t n = strlen(in);
	if (n > WO_ID_MAX)
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "work-order id '%.*s...' is %zu characters long; the limit is %d", 20, in, n,
				     WO_ID_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!wo_char_ok(in[i], i == 0)) {
			if (i == 0)
				return iso_error_set(err, ISO_E_USAGE, 0,
						     "work-order id '%s' must start with a letter or digit", in);
			return iso_error_set(
				err, ISO_E_USAGE, 0,
				"work-order id '%s' has '%c' at position %zu; allowed are letters, digits, "
				"'_', '.' and '-' (the pattern [A-Za-z0-9][A-Za-z0-9_.-]*)",
				in, isprint((unsigned char)in[i]) ? in[i] : '?', i + 1);
		}
	}
	for (size_t i = 0; i <= n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	return 0;
}

int wo_profile_name_check(const char *name, struct iso_error **err)
{
	if (!name || !*name)
		return iso_error_set(err, ISO_E_USAGE, 0, "a profile name is required (1 to 16 of a-z and 0-9)");
	if (!wo_profile_name_valid(name))
		return iso_error_set(err, ISO_E_USAGE, 0,
				     "profile name '%s' is not allowed: use 1 to 16 of a-z and 0-9 (no '-', so "
				     "'<profile>-<work order>' names stay unambiguous)",
				     name);
	return 0;
}

/* snprintf into a fixed field; the limits make truncation impossible, checked anyway. */
#define FMT(field, ...)                                                                                                \
	do {                                                                                                           \
		int r_ = snprintf(field, sizeof(field), __VA_ARGS__);                                                  \
		if (r_ < 0 || (size_t)r_ >= sizeof(field))                                                             \
			return iso_error_set(err, ISO_E_INTERNAL, 0, "derived name '%s' is too long", #field);         \
	} while (0)

int wo_names_init(struct workorder_names *n, const char *profile, const char *wo, struct iso_error **err)
{
	memset(n, 0, sizeof(*n));
	if (wo_profile_name_check(profile, err) < 0)
		return -1;
	if (wo_parse(wo, n->wo, err) < 0)
		return -1;
	FMT(n->profile, "%s", profile);
	FMT(n->key, "%s/%s", n->profile, n->wo);
	FMT(n->pod, "%s-%s", n->profile, n->wo);
	FMT(n->odoo_container, "odoo_%s_%s", n->profile, n->wo);
	FMT(n->db_container, "db_%s_%s", n->profile, n->wo);
	FMT(n->init_container, "init_%s_%s", n->profile, n->wo);
	FMT(n->odoo_volume, "odoo-%s-%s-data", n->profile, n->wo);
	FMT(n->db_volume, "db-%s-%s-data", n->profile, n->wo);
	FMT(n->secret, "db-%s-%s-password", n->profile, n->wo);
	FMT(n->database, "%s_%s", n->profile, n->wo);
	return 0;
}

int wo_names_template_build(struct workorder_names *n, const char *profile, const char *key, struct iso_error **err)
{
	memset(n, 0, sizeof(*n));
	if (wo_profile_name_check(profile, err) < 0)
		return -1;
	if (strlen(key) != TEMPLATE_KEY_LEN || strspn(key, "0123456789abcdef") != TEMPLATE_KEY_LEN)
		return iso_error_set(err, ISO_E_USAGE, 0, "template key '%s' is not %d hex digits", key,
				     TEMPLATE_KEY_LEN);
	FMT(n->template_key, "%s", key);
	FMT(n->profile, "%s", profile);
	FMT(n->wo, "template.%s", key);
	FMT(n->pod, "isopod.tpl-%s-%s", profile, key);
	FMT(n->odoo_container, "isopod.tpl_odoo_%s-%s", profile, key);
	FMT(n->db_container, "isopod.tpl_db_%s-%s", profile, key);
	FMT(n->init_container, "isopod.tpl_init_%s-%s", profile, key);
	FMT(n->odoo_volume, "isopod-tpl-%s-%s-files", profile, key);
	FMT(n->db_volume, "isopod-tpl-%s-%s-db", profile, key);
	FMT(n->secret, "isopod.tpl-%s-%s-password", profile, key);
	FMT(n->database, "%s_template", profile);
	return 0;
}

int wo_key_split(const char *key, char profile[PROFILE_NAME_MAX + 1], char wo[WO_ID_MAX + 1])
{
	if (!key)
		return -1;
	const char *slash = strchr(key, '/');
	if (!slash || (size_t)(slash - key) > PROFILE_NAME_MAX)
		return -1;
	char p[PROFILE_NAME_MAX + 1];
	memcpy(p, key, (size_t)(slash - key));
	p[slash - key] = '\0';
	if (!wo_profile_name_valid(p) || !wo_id_valid(slash + 1)) /* keys store the lowercase form */
		return -1;
	memcpy(profile, p, sizeof(p));
	memcpy(wo, slash + 1, strlen(slash + 1) + 1);
	return 0;
}
