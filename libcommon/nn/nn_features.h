/* The extra scalar inputs of a network's features layer, read from a record's metadata. */
#ifndef NN_FEATURES_H
#define NN_FEATURES_H

#include <stddef.h>

#include "nn.h"
#include "stream/tstream.h"

/* Writes net->nfeat values to out (unaligned is fine).  0, or -1 with the reason in err. */
int nn_read_features(const nn_net *net, const ts_record *rec, void *out, char *err, size_t errlen);

#endif
