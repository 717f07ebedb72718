/*
 * The device implementation of each host layer type (cu_layer.h).  What the driver needs to
 * know of them:
 * - c->work: at least the largest *work_bytes any setup reported (convolutions only); a smaller
 *   last batch chooses its algorithms within c->work_bytes.
 * - Each call sets the stream of c->dnn and c->blas, and c->blas's math mode, itself.
 * - setup allocates the layer's device scratch (dropout masks, maxpool's argmax, batch norm's
 *   saved statistics, features' raw values); batch norm allocates a dx scratch at its first
 *   backward with dx NULL (the first step, before a graph is captured).
 * - dropout generates the host's masks on the device from run->seed, run->step, run->sample0
 *   and l->index: nothing to supply.
 * - features copies the batch's raw values from the host's net->feat at its forward (a
 *   pageable copy, which a CUDA graph cannot capture: a driver that captures should copy
 *   them to the device before the step instead).
 * - batchnorm refuses run->sync (--sync-bn); conv2d, depthwise2d, conv2d_transpose and dense
 *   refuse NN_PREC_BF16 ("not yet implemented").
 */
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
