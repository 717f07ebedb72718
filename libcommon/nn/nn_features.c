#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_features.h"

int
nn_read_features(const nn_net *net, const ts_record *rec, void *out, char *err, size_t errlen)
{
	for (int k = 0; k < net->nfeat; k++) {
		const char *key = net->feat_key[k], *s = ts_get(rec, key);
		char *end;
		if (!s || !*s) {
			snprintf(err, errlen, "no %s in the metadata (%s)", key, strcmp(key, "laplacian_var") == 0 ?
			         "cnnpredict --baseline laplacian --stream adds it" : "the model's features layer reads it");
			return -1;
		}
		errno = 0;
		double v = strtod(s, &end);
		if (end == s || *end || errno == ERANGE || !isfinite(v) || fabs(v) > 3e38) {
			snprintf(err, errlen, "%s=%s is not a finite number", key, s);
			return -1;
		}
		float f = (float)v;
		memcpy((char *)out + (size_t)k * sizeof f, &f, sizeof f);
	}
	return 0;
}
