/* Recursive directory listing in a stable order. */
#ifndef WALK_H
#define WALK_H

/*
 * Calls fn for every regular file under dir (or for dir itself when it is a file),
 * depth first, names in byte order; skips names starting with '.' and does not
 * follow symbolic links to directories.  fn returns 0 to go on, -1 to stop.
 * Unreadable directories are reported through warn and counted in the result.
 * Returns the number of problems, or -1 when fn stopped the walk.
 */
typedef int (*walk_fn)(const char *path, void *ctx);
typedef void (*walk_warn)(const char *path, const char *why, void *ctx);
int walk(const char *dir, walk_fn fn, walk_warn warn, void *ctx);

#endif
