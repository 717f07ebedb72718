/* The layer types an architecture file may name.  A new type: one layer_*.c file and a line here. */
#include <string.h>

#include "nn.h"

extern const struct nn_layer_ops nn_layer_add, nn_layer_avgpool, nn_layer_batchnorm, nn_layer_concat, nn_layer_conv2d,
	nn_layer_conv2d_transpose, nn_layer_depthwise2d, nn_layer_upsample,
	nn_layer_dense, nn_layer_dropout, nn_layer_features, nn_layer_flatten, nn_layer_globalavgpool,
	nn_layer_leakyrelu, nn_layer_maxpool, nn_layer_relu, nn_layer_relu6, nn_layer_sigmoid, nn_layer_softmax;

static const struct nn_layer_ops *const types[] = {
	&nn_layer_add, &nn_layer_avgpool, &nn_layer_batchnorm, &nn_layer_concat, &nn_layer_conv2d,
	&nn_layer_conv2d_transpose, &nn_layer_dense, &nn_layer_depthwise2d,
	&nn_layer_dropout, &nn_layer_features, &nn_layer_flatten, &nn_layer_globalavgpool, &nn_layer_leakyrelu,
	&nn_layer_maxpool, &nn_layer_relu, &nn_layer_relu6, &nn_layer_sigmoid, &nn_layer_softmax,
	&nn_layer_upsample,
};

const struct nn_layer_ops *
nn_layer_type(const char *type)
{
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (strcmp(types[i]->type, type) == 0)
			return types[i];
	return NULL;
}
