/*
 * onnx: models in and out as ONNX (opset 13), through protobuf-c and ONNX's own schema.
 *
 * An exported model takes one float input "pixels", N x C x H x W, the image's u8 values
 * as floats (0 to 255, not scaled): its first nodes apply the model's normalisation
 * (man/cnnmodel.5), so a server feeds raw pixels.  The batch dimension is symbolic ("N").
 * A network with a features layer has a second input "features", N x K, the raw metadata
 * values in the layer's order.  The output "scores" is N x K for classifiers and
 * N x C x H x W for masks.  metadata_props carry the model record's metadata (input, classes,
 * normalisation, the architecture text, provenance) and "pixels" (how the input is scaled).
 */
#ifndef ONNX_ONNX_H
#define ONNX_ONNX_H

#include <stddef.h>

#include "nn/nn.h"
#include "nn/nn_model.h"
#include "stream/tstream.h"

#define ONNX_OPSET 13

/* Serialises the network of a model record (rec: its metadata is copied) into *buf
 * (malloc'd, *len bytes).  0, or -1 with a message in err. */
int onnx_export(const nn_net *net, const ts_record *rec, const nn_model_info *mi, unsigned char **buf,
                size_t *len, char *err, size_t errlen);

#endif

/* What an ONNX file without the toolkit's metadata does not say (cnnconvert's options). */
typedef struct {
	const char *normalize;          /* NULL: the metadata's, else scale */
	const char *mean, *std;         /* "0.485,0.456,0.406" for mean-std */
	const char *classes;            /* "cat,dog": else the metadata's, else class_0 .. */
} onnx_import_opts;

/* Reads an ONNX model into a model record (man/cnnmodel.5): the architecture text, weights,
 * input shape, normalisation and class names.  0, or -1 with a message in err naming the
 * node, its operator and the attribute when one cannot be run. */
int onnx_import(const unsigned char *buf, size_t len, const onnx_import_opts *o, ts_record *rec,
                char *err, size_t errlen);

/* Whether buf starts like a serialised ONNX model (protobuf field 1, ir_version). */
int onnx_sniff(const unsigned char *buf, size_t len);
