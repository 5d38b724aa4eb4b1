/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base/log.h - levelled logging to stderr.
 *
 * The one mutable global of isopod is the log level, set once by main()
 * from --quiet / --verbose (ISOPOD_LOG=debug also works).  Modules may log
 * progress and debug detail; they never log errors they return (the caller
 * decides what the user sees).  Colour only on a terminal and never when
 * NO_COLOR is set.
 */
#ifndef ISO_LOG_H
#define ISO_LOG_H

enum iso_log_level {
	ISO_LOG_QUIET = 0, /* errors only (printed by main/cmd_*) */
	ISO_LOG_WARN = 1,
	ISO_LOG_INFO = 2, /* default */
	ISO_LOG_DEBUG = 3,
};

extern enum iso_log_level iso_log_level;

void iso_log(enum iso_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define iso_warn(...) iso_log(ISO_LOG_WARN, __VA_ARGS__)
#define iso_info(...) iso_log(ISO_LOG_INFO, __VA_ARGS__)
#define iso_debug(...) iso_log(ISO_LOG_DEBUG, __VA_ARGS__)

/* Whether FD is a terminal and colour is allowed (NO_COLOR unset or empty). */
int iso_colour_ok(int fd);

#endif
