/* Minimal unit-test helpers: each check prints PASS or FAIL; tests/run.sh counts them. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures;

#define CHECK(cond, ...) do { \
	if (cond) { printf("PASS "); printf(__VA_ARGS__); printf("\n"); } \
	else { check_failures++; printf("FAIL "); printf(__VA_ARGS__); \
	       printf(" (%s:%d: %s)\n", __FILE__, __LINE__, #cond); } \
	fflush(stdout); \
} while (0)

#define SKIP(...) do { printf("SKIP "); printf(__VA_ARGS__); printf("\n"); } while (0)

#define CHECK_DONE() (check_failures ? 1 : 0)

#endif
