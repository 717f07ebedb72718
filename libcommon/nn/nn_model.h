/*
 * Model files: one record of the tensor stream (man/cnnmodel.5).
 *
 * Metadata: kind=cnnmodel, model_version, arch (the architecture text), input (CxHxW),
 * nclasses and class.0 .. class.N-1, normalize, norm_mean and norm_std (one number per
 * channel, comma-separated), plus whatever provenance the trainer adds.  Tensors: every
 * parameter as f32 under its name (conv2d_1.weight, ...) and every layer's saved state
 * (LAYER.state).  Checkpoints add the optimiser's moments (opt.m.NAME, opt.v.NAME).
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "nn.h"
#include "nn_norm.h"
#include "stream/tstream.h"

#define NN_MODEL_VERSION 1
#define NN_MAX_CLASSES 4096

typedef struct {
	char **classes;
	int nclass;
	nn_norm norm;
} nn_model_info;

void nn_model_info_free(nn_model_info *m);
/* Writes the network's architecture, parameters and state, the classes and normalisation. */
int nn_model_put(ts_record *rec, const nn_net *net, const nn_model_info *m);
/* Builds the network a model record describes, weights loaded.  NULL with err set. */
nn_net *nn_model_get(const ts_record *rec, const char *name, int batch, int nthreads, nn_model_info *m,
                     char *err, size_t errlen);
/* Copies the named tensors into the network's parameters and state ("" prefix: the weights). */
int nn_model_load_params(nn_net *net, const ts_record *rec, const char *prefix, char *err, size_t errlen);
int nn_model_put_params(ts_record *rec, const nn_net *net, const char *prefix);
/* Reads the first record of a stream file into rec. */
int nn_model_read(const char *path, ts_record *rec, char *err, size_t errlen);

#endif
