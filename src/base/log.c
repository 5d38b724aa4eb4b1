/* SPDX-License-Identifier: Apache-2.0 */
/* Levelled logging to stderr; the log level is isopod's one mutable global. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/log.h"

enum iso_log_level iso_log_level = ISO_LOG_INFO;

int iso_colour_ok(int fd)
{
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return 0;
	return isatty(fd);
}

void iso_log(enum iso_log_level level, const char *fmt, ...)
{
	if (level > iso_log_level)
		return;
	int colour = iso_colour_ok(STDERR_FILENO);
	const char *pre = "", *post = "";
	if (colour && level == ISO_LOG_WARN)
		pre = "\033[33m", post = "\033[0m";
	else if (colour && level == ISO_LOG_DEBUG)
		pre = "\033[2m", post = "\033[0m";
	va_list ap;
	va_start(ap, fmt);
	fputs(pre, stderr);
	if (level == ISO_LOG_WARN)
		fputs("warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(post, stderr);
	fputc('\n', stderr);
	va_end(ap);
}
