/* The device implementation of each host layer type (cu_layer.h). */
#include <string.h>

#include "nn/cuda/cu_layer.h"

extern const struct cu_layer_ops cu_layer_add, cu_layer_avgpool, cu_layer_batchnorm, cu_layer_concat,
	cu_layer_conv2d, cu_layer_conv2d_transpose, cu_layer_dense, cu_layer_depthwise2d, cu_layer_dropout,
	cu_layer_features, cu_layer_flatten, cu_layer_gap, cu_layer_leakyrelu, cu_layer_maxpool, cu_layer_relu,
	cu_layer_relu6, cu_layer_sigmoid, cu_layer_softmax, cu_layer_upsample;

static const struct cu_layer_ops *const types[] = {
	&cu_layer_add, &cu_layer_avgpool, &cu_layer_batchnorm, &cu_layer_concat, &cu_layer_conv2d,
	&cu_layer_conv2d_transpose, &cu_layer_dense, &cu_layer_depthwise2d, &cu_layer_dropout, &cu_layer_features,
	&cu_layer_flatten, &cu_layer_gap, &cu_layer_leakyrelu, &cu_layer_maxpool, &cu_layer_relu, &cu_layer_relu6,
	&cu_layer_sigmoid, &cu_layer_softmax, &cu_layer_upsample,
};

const struct cu_layer_ops *
cu_layer_type(const char *type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i]->type, type) == 0)
			return types[i];
	return NULL;
}
